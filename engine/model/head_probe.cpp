#include "engine/model/head_probe.h"

#include "engine/core/error.h"

namespace attn {

double previous_token_score(const Eigen::Ref<const MatRM>& A) {
  require(A.rows() >= 2 && A.rows() == A.cols(), "attention", "needs a square matrix of at least 2 tokens");
  double s = 0.0;
  for (long i = 1; i < A.rows(); ++i) s += A(i, i - 1);
  return s / double(A.rows() - 1);
}

double induction_score(const Eigen::Ref<const MatRM>& A, int p, int k) {
  require(k >= 2 && p >= 0 && p + 2 * k <= A.rows() && A.rows() == A.cols(), "attention",
          "the repeated span [p, p + 2k) must lie inside the sequence");
  double s = 0.0;
  for (int i = p + k; i < p + 2 * k; ++i) s += A(i, i - k + 1);
  return s / k;
}

}  // namespace attn
