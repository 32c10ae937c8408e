// Deterministic random tensors for a configuration (same seed -> same numbers on every machine:
// a 64-bit mix generator and Box-Muller, not the implementation-defined std distributions).
#pragma once
#include <cstdint>

#include "engine/sandbox/case.h"

namespace attn {

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull) {}
  uint64_t next_u64();
  double uniform();  // [0, 1)
  float normal();    // mean 0, std 1

 private:
  uint64_t state_;
  bool has_spare_ = false;
  double spare_ = 0.0;
};

void fill_normal(MatRM& m, Rng& rng, float std);

// Fills every tensor the mode needs (Q/K/V, or X, Y, W*, b*, Wo, bo) with N(0, std^2) entries;
// weights get std / sqrt(fan_in) so activations stay O(1).
void init_random_tensors(AttentionCase& c, uint64_t seed, float std = 1.f, bool with_biases = false);

}  // namespace attn
