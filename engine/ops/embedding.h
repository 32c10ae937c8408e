// Token + learned position embedding (GPT-2's input layer), forward and backward.
// Legend: T tokens, C channels, V vocabulary size.
//
// Forward:   out[t] = wte[tokens[t]] + wpe[t]
// Backward (accumulates):  dwte[tokens[t]] += dout[t];  dwpe[t] += dout[t]
// Token ids are not checked here: the model checks 0 <= id < V before calling.
// The reference twin is the same loop (there is nothing faster to compare against).
#pragma once

namespace attn {

// out: (T, C) out; tokens: (T); wte: (V, C); wpe: (>= T, C)
void embedding_forward(float* out, const int* tokens, const float* wte, const float* wpe, int T, int C);
// dwte: (V, C) +=; dwpe: (>= T, C) +=; dout: (T, C)
void embedding_backward(float* dwte, float* dwpe, const float* dout, const int* tokens, int T, int C);

}  // namespace attn
