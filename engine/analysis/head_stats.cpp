// Legend: T tokens; A (T, T), row i = query i. Sums run in double (T up to a few thousand).
#include "engine/analysis/head_stats.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/core/error.h"
#include "engine/core/parallel.h"

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

namespace {

// A map made ready for many pairs: rows clamped at 0 and normalised (all 0: a row without mass),
// and per row sum_j p_j log2 p_j.
struct PreparedMap {
  std::vector<double> p;  // (T, M)
  std::vector<double> plogp;
  std::vector<char> mass;
};

PreparedMap prepare_map(const MatRM& A) {
  const Eigen::Index T = A.rows(), n = A.cols();
  PreparedMap pm;
  pm.p.assign(size_t(T * n), 0.0);
  pm.plogp.assign(size_t(T), 0.0);
  pm.mass.assign(size_t(T), 0);
  for (Eigen::Index i = 0; i < T; ++i) {
    double* p = pm.p.data() + i * n;
    double sp = 0;
    for (Eigen::Index j = 0; j < n; ++j) sp += p[j] = std::max(0.0, double(A(i, j)));
    if (!(sp > 0)) continue;
    pm.mass[size_t(i)] = 1;
    double h = 0;
    for (Eigen::Index j = 0; j < n; ++j) {
      p[j] /= sp;
      if (p[j] > 0) h += p[j] * std::log2(p[j]);
    }
    pm.plogp[size_t(i)] = h;
  }
  return pm;
}

// js_distance of two prepared maps. Per row JS = 1/2 KL(p || m) + 1/2 KL(q || m) with
// m = (p + q) / 2, which is 1/2 sum p log2 p + 1/2 sum q log2 q - sum m log2 m: one logarithm
// per cell of the pair instead of two (the p log p sums are the maps' own, computed once).
double js_prepared(const PreparedMap& a, const PreparedMap& b, Eigen::Index T, Eigen::Index n) {
  double total = 0;
  int rows = 0;
  for (Eigen::Index i = 0; i < T; ++i) {
    const bool ma = a.mass[size_t(i)], mb = b.mass[size_t(i)];
    if (!ma && !mb) continue;
    ++rows;
    if (!ma || !mb) {  // mass against none: as far apart as distributions get
      total += 1;
      continue;
    }
    const double* p = a.p.data() + i * n;
    const double* q = b.p.data() + i * n;
    double mlogm = 0;
    for (Eigen::Index j = 0; j < n; ++j) {
      const double m = 0.5 * (p[j] + q[j]);
      if (m > 0) mlogm += m * std::log2(m);
    }
    const double js = 0.5 * (a.plogp[size_t(i)] + b.plogp[size_t(i)]) - mlogm;
    total += std::sqrt(std::min(1.0, std::max(0.0, js)));  // rounding can step just outside [0, 1]
  }
  return rows > 0 ? total / rows : 0.0;
}

}  // namespace

MatRM js_distance_matrix(const std::vector<MatRM>& maps) {
  const int n = int(maps.size());
  MatRM D = MatRM::Zero(n, n);
  if (n == 0) return D;
  const Eigen::Index T = maps[0].rows(), M = maps[0].cols();
  for (const MatRM& m : maps)
    require(m.rows() == T && m.cols() == M, "attention",
            "JS distance needs maps of one shape, got " + shape_str(T, M) + " and " + shape_str(m.rows(), m.cols()));
  std::vector<PreparedMap> prepared(static_cast<size_t>(n));
  parallel_for(n, [&](int a) { prepared[size_t(a)] = prepare_map(maps[size_t(a)]); });
  // Item a fills row a right of the diagonal and its mirror: every cell has one writer.
  parallel_for(n, [&](int a) {
    for (int b = a + 1; b < n; ++b) D(a, b) = D(b, a) = float(js_prepared(prepared[size_t(a)], prepared[size_t(b)], T, M));
  });
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
