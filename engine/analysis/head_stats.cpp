// Legend: T tokens; A (T, T), row i = query i. Sums run in double (T up to a few thousand).
#include "engine/analysis/head_stats.h"

#include <cmath>
#include <limits>

#include "engine/core/error.h"

namespace attn {

HeadSummary summarize_head(const Eigen::Ref<const MatRM>& A) {
  require(A.rows() > 0 && A.rows() == A.cols(), "attention",
          "a head's map must be square and non-empty, got " + shape_str(A.rows(), A.cols()));
  const Eigen::Index T = A.rows();
  HeadSummary s;
  int rows = 0, prev_rows = 0;
  for (Eigen::Index i = 0; i < T; ++i) {
    double mass = 0, ent = 0, dist = 0;
    for (Eigen::Index j = 0; j < T; ++j) {
      const double a = A(i, j);
      mass += a;
      if (a > 0) ent -= a * std::log(a);
      dist += a * double(std::abs(i - j));
    }
    if (!(mass > 0)) continue;  // a row with no mass (padding) says nothing about the head
    ++rows;
    s.entropy += ent;
    s.mean_distance += dist;
    s.first_token += A(i, 0);
    s.diagonal += A(i, i);
    if (i >= 1) {
      s.previous_token += A(i, i - 1);
      ++prev_rows;
    }
  }
  if (rows > 0) {
    s.entropy /= rows;
    s.mean_distance /= rows;
    s.first_token /= rows;
    s.diagonal /= rows;
  }
  if (prev_rows > 0) s.previous_token /= prev_rows;
  return s;
}

namespace {
// sum_j p_j log2(p_j / m_j), terms with p_j = 0 are 0.
double kl2(const double* p, const double* m, Eigen::Index n) {
  double s = 0;
  for (Eigen::Index j = 0; j < n; ++j)
    if (p[j] > 0) s += p[j] * std::log2(p[j] / m[j]);
  return s;
}
}  // namespace

double js_distance(const Eigen::Ref<const MatRM>& A, const Eigen::Ref<const MatRM>& B) {
  require(A.rows() == B.rows() && A.cols() == B.cols(), "attention",
          "JS distance needs maps of one shape, got " + shape_str(A.rows(), A.cols()) + " and " +
              shape_str(B.rows(), B.cols()));
  const Eigen::Index n = A.cols();
  std::vector<double> p(n), q(n), m(n);
  double total = 0;
  int rows = 0;
  for (Eigen::Index i = 0; i < A.rows(); ++i) {
    double sp = 0, sq = 0;
    for (Eigen::Index j = 0; j < n; ++j) {
      p[j] = std::max(0.0, double(A(i, j)));
      q[j] = std::max(0.0, double(B(i, j)));
      sp += p[j];
      sq += q[j];
    }
    if (!(sp > 0) && !(sq > 0)) continue;
    if (!(sp > 0) || !(sq > 0)) {  // mass against none: as far apart as distributions get
      total += 1;
      ++rows;
      continue;
    }
    for (Eigen::Index j = 0; j < n; ++j) {
      p[j] /= sp;
      q[j] /= sq;
      m[j] = 0.5 * (p[j] + q[j]);
    }
    const double js = 0.5 * kl2(p.data(), m.data(), n) + 0.5 * kl2(q.data(), m.data(), n);
    total += std::sqrt(std::min(1.0, std::max(0.0, js)));  // rounding can step just outside [0, 1]
    ++rows;
  }
  return rows > 0 ? total / rows : 0.0;
}

MatRM js_distance_matrix(const std::vector<MatRM>& maps) {
  const int n = int(maps.size());
  MatRM D = MatRM::Zero(n, n);
  for (int a = 0; a < n; ++a)
    for (int b = a + 1; b < n; ++b) D(a, b) = D(b, a) = float(js_distance(maps[a], maps[b]));
  return D;
}

std::vector<int> order_by_similarity(const MatRM& dist) {
  require(dist.rows() == dist.cols(), "distances", "must be square, got " + shape_str(dist.rows(), dist.cols()));
  const int n = int(dist.rows());
  std::vector<int> order;
  if (n == 0) return order;
  std::vector<bool> taken(n, false);
  int cur = 0;
  taken[0] = true;
  order.push_back(0);
  while (int(order.size()) < n) {
    int best = -1;
    float bd = std::numeric_limits<float>::infinity();
    for (int j = 0; j < n; ++j)
      if (!taken[j] && (best < 0 || dist(cur, j) < bd)) {  // strict <: ties keep the lower index
        best = j;
        bd = dist(cur, j);
      }
    taken[best] = true;
    order.push_back(best);
    cur = best;
  }
  return order;
}

}  // namespace attn
