// Legend: T tokens, C channels. Formulas in embedding.h.
#include "engine/ops/embedding.h"

#include <cstddef>

namespace attn {

void embedding_forward(float* out, const int* tokens, const float* wte, const float* wpe, int T, int C) {
  for (int t = 0; t < T; ++t) {
    const float* e = wte + std::ptrdiff_t(tokens[t]) * C;
    const float* p = wpe + std::ptrdiff_t(t) * C;
    float* o = out + std::ptrdiff_t(t) * C;
    for (int c = 0; c < C; ++c) o[c] = e[c] + p[c];
  }
}

void embedding_backward(float* dwte, float* dwpe, const float* dout, const int* tokens, int T, int C) {
  // out[t] = wte[tokens[t]] + wpe[t]
  for (int t = 0; t < T; ++t) {
    const float* g = dout + std::ptrdiff_t(t) * C;
    float* de = dwte + std::ptrdiff_t(tokens[t]) * C;
    float* dp = dwpe + std::ptrdiff_t(t) * C;
    for (int c = 0; c < C; ++c) {
      de[c] += g[c];
      dp[c] += g[c];
    }
  }
}

}  // namespace attn
