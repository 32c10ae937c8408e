// Helpers of the positional-encoding and score-function tests: random matrices and a central
// finite-difference check of a gradient.
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>

#include "engine/core/tensor.h"
#include "engine/sandbox/init.h"

namespace attn {

inline MatRM random_matrix(long rows, long cols, Rng& rng, float std = 1.f) {
  MatRM m(rows, cols);
  fill_normal(m, rng, std);
  return m;
}

// sum(W .* X) in double: the test loss whose gradient w.r.t. X is W.
inline double weighted_sum(const MatRM& X, const MatRM& W) {
  return (X.cast<double>().array() * W.cast<double>().array()).sum();
}

// Perturbs x[0..n) one at a time by +-eps and compares (f(+) - f(-)) / 2 eps with grad[k].
inline void expect_fd_gradient(const std::function<double()>& f, float* x, long n, const float* grad,
                               const std::string& name, double eps = 1e-3, double atol = 2e-3, double rtol = 2e-3) {
  int bad = 0;
  for (long k = 0; k < n; ++k) {
    const float x0 = x[k];
    x[k] = x0 + float(eps);
    const double fp = f();
    x[k] = x0 - float(eps);
    const double fm = f();
    x[k] = x0;
    const double fd = (fp - fm) / (2 * eps);
    if (!(std::abs(grad[k] - fd) <= atol + rtol * std::abs(fd)))
      if (++bad <= 3) ADD_FAILURE() << name << "[" << k << "] = " << grad[k] << ", finite difference " << fd;
  }
  EXPECT_EQ(bad, 0) << name;
}

}  // namespace attn
