// Legend: N queries, M keys, dk, dv, k clipping distance, R = 2k + 1. Formulas in shaw.h.
#include "engine/ops/shaw.h"

#include <algorithm>

#include "engine/core/error.h"

namespace attn {

namespace {

inline int rel_row(int i, int j, int N, int M, int k) { return std::clamp(j - (i + M - N), -k, k) + k; }

void check_table(const MatRM& a, int k, long width, const char* name) {
  require(a.rows() == 2 * k + 1 && a.cols() == width, name,
          "has shape " + shape_str(a.rows(), a.cols()) + ", expected " + shape_str(2 * k + 1, width) +
              " (one row per clipped distance -k..k)");
}

// C(i, r) = sum_{j: r(i,j) = r} X(i, j)
MatRM bucket_rows(const MatRM& X, int k) {
  const int N = int(X.rows()), M = int(X.cols());
  MatRM C = MatRM::Zero(N, 2 * k + 1);
  for (int i = 0; i < N; ++i)
    for (int j = 0; j < M; ++j) C(i, rel_row(i, j, N, M, k)) += X(i, j);
  return C;
}

}  // namespace

void shaw_index(std::vector<int>& idx, int N, int M, int k) {
  idx.resize(size_t(N) * M);
  for (int i = 0; i < N; ++i)
    for (int j = 0; j < M; ++j) idx[size_t(i) * M + j] = rel_row(i, j, N, M, k);
}

void shaw_scores_forward(MatRM& E, const CRefM& Q, const MatRM& aK, int M, int k) {
  check_table(aK, k, Q.cols(), "shaw_aK");
  const int N = int(Q.rows());
  // QA(i, r) = q_i . aK[r], then gather E(i, j) = QA(i, r(i, j))
  MatRM QA(N, 2 * k + 1);
  QA.noalias() = Q * aK.transpose();
  E.resize(N, M);
  for (int i = 0; i < N; ++i)
    for (int j = 0; j < M; ++j) E(i, j) = QA(i, rel_row(i, j, N, M, k));
}

void shaw_scores_backward(MatRM& dQ, MatRM& daK, const MatRM& dE, const CRefM& Q, const MatRM& aK, int k) {
  // forward: E(i, j) = q_i . aK[r(i, j)]
  const MatRM G = bucket_rows(dE, k);
  dQ.noalias() += G * aK;
  daK.resize(aK.rows(), aK.cols());
  daK.noalias() = G.transpose() * Q;
}

void shaw_values_forward(MatRM& O, const MatRM& A, const MatRM& aV, int k) {
  check_table(aV, k, O.cols(), "shaw_aV");
  // O += C aV,  C(i, r) = sum_{j: r(i,j)=r} A(i, j)
  O.noalias() += bucket_rows(A, k) * aV;
}

void shaw_values_backward(MatRM& dA, MatRM& daV, const CRefM& dO, const MatRM& A, const MatRM& aV, int k) {
  // forward: O_i += sum_j A(i, j) aV[r(i, j)]
  const int N = int(A.rows()), M = int(A.cols());
  daV.resize(aV.rows(), aV.cols());
  daV.noalias() = bucket_rows(A, k).transpose() * dO;
  MatRM OA(N, 2 * k + 1);
  OA.noalias() = dO * aV.transpose();  // OA(i, r) = dO_i . aV[r]
  dA.resize(N, M);
  for (int i = 0; i < N; ++i)
    for (int j = 0; j < M; ++j) dA(i, j) = OA(i, rel_row(i, j, N, M, k));
}

void shaw_scores_forward_ref(MatRM& E, const MatRM& Q, const MatRM& aK, int M, int k) {
  check_table(aK, k, Q.cols(), "shaw_aK");
  const int N = int(Q.rows());
  E.resize(N, M);
  for (int i = 0; i < N; ++i)
    for (int j = 0; j < M; ++j) {
      const int r = std::clamp(j - (i + M - N), -k, k) + k;
      double s = 0.0;
      for (long d = 0; d < Q.cols(); ++d) s += double(Q(i, d)) * aK(r, d);
      E(i, j) = float(s);
    }
}

void shaw_scores_backward_ref(MatRM& dQ, MatRM& daK, const MatRM& dE, const MatRM& Q, const MatRM& aK, int k) {
  const int N = int(dE.rows()), M = int(dE.cols());
  const long dk = Q.cols();
  MatRMd dq = dQ.cast<double>(), dak = MatRMd::Zero(aK.rows(), dk);
  for (int i = 0; i < N; ++i)
    for (int j = 0; j < M; ++j) {
      const int r = std::clamp(j - (i + M - N), -k, k) + k;
      for (long d = 0; d < dk; ++d) {
        dq(i, d) += double(dE(i, j)) * aK(r, d);
        dak(r, d) += double(dE(i, j)) * Q(i, d);
      }
    }
  dQ = dq.cast<float>();
  daK = dak.cast<float>();
}

void shaw_values_forward_ref(MatRM& O, const MatRM& A, const MatRM& aV, int k) {
  check_table(aV, k, O.cols(), "shaw_aV");
  const int N = int(A.rows()), M = int(A.cols());
  for (int i = 0; i < N; ++i)
    for (long d = 0; d < aV.cols(); ++d) {
      double s = O(i, d);
      for (int j = 0; j < M; ++j) s += double(A(i, j)) * aV(std::clamp(j - (i + M - N), -k, k) + k, d);
      O(i, d) = float(s);
    }
}

void shaw_values_backward_ref(MatRM& dA, MatRM& daV, const MatRM& dO, const MatRM& A, const MatRM& aV, int k) {
  const int N = int(A.rows()), M = int(A.cols());
  const long dv = aV.cols();
  MatRMd dav = MatRMd::Zero(aV.rows(), dv);
  dA.resize(N, M);
  for (int i = 0; i < N; ++i)
    for (int j = 0; j < M; ++j) {
      const int r = std::clamp(j - (i + M - N), -k, k) + k;
      double s = 0.0;
      for (long d = 0; d < dv; ++d) {
        s += double(dO(i, d)) * aV(r, d);
        dav(r, d) += double(A(i, j)) * dO(i, d);
      }
      dA(i, j) = float(s);
    }
  daV = dav.cast<float>();
}

}  // namespace attn
