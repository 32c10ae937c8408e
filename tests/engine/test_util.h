// Shared helpers for the engine tests: the DESIGN.md tolerance and small random inputs.
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "engine/core/tensor.h"
#include "engine/sandbox/init.h"

namespace attn {

// A small case with random tensors (seeded) and a one-cell loss, so every gradient exists.
inline AttentionCase random_cell_case(AttnMode mode, int N, int H, int D, int dk, uint64_t seed) {
  AttentionCase c;
  c.config.mode = mode;
  c.config.N = c.config.M = N;
  c.config.H = H;
  c.config.D = D;
  c.config.dk = c.config.dv = dk;
  init_random_tensors(c, seed);
  c.loss.kind = LossKind::Cell;
  return c;
}

// DESIGN.md: |ours - ref| <= 1e-5 + 1e-4 * |ref| per element.
inline void expect_close(const MatRM& got, const MatRM& ref, const std::string& what, double atol = 1e-5,
                         double rtol = 1e-4) {
  ASSERT_EQ(got.rows(), ref.rows()) << what;
  ASSERT_EQ(got.cols(), ref.cols()) << what;
  int bad = 0;
  for (long i = 0; i < ref.rows(); ++i)
    for (long j = 0; j < ref.cols(); ++j) {
      const double g = got(i, j), r = ref(i, j);
      if (!(std::abs(g - r) <= atol + rtol * std::abs(r))) {
        if (++bad <= 5) ADD_FAILURE() << what << "[" << i << "][" << j << "] = " << g << ", expected " << r;
      }
    }
  EXPECT_EQ(bad, 0) << what << ": " << bad << " elements out of tolerance";
}

// A random mask with roughly `p_masked` of the cells hidden.
inline MaskM random_mask(long rows, long cols, Rng& rng, double p_masked) {
  MaskM m(rows, cols);
  for (long k = 0; k < m.size(); ++k) m.data()[k] = rng.uniform() >= p_masked;
  return m;
}

}  // namespace attn
