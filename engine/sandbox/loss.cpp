// Legend: N queries, M keys, H heads. Formulas in loss.h.
#include "engine/sandbox/loss.h"

#include <cmath>
#include <limits>

#include "engine/sandbox/multihead.h"

namespace attn {

double loss_forward_backward(LossGrads& g, const LossSpec& loss, const AttentionConfig& c, const AttentionResult& r) {
  const bool proj = c.mode == AttnMode::Projection;
  const MatRM& out = proj ? r.Z : r.O;
  g.dOut.setZero(out.rows(), out.cols());
  g.dA_extra.clear();
  g.dL_extra.clear();
  switch (loss.kind) {
    case LossKind::None:
      return 0.0;
    case LossKind::MSE: {
      const double n = double(out.size());
      double sum = 0.0;
      for (long k = 0; k < out.size(); ++k) {
        const double e = double(out.data()[k]) - loss.target.data()[k];
        sum += e * e;
        g.dOut.data()[k] = float(2.0 * e / n);
      }
      return sum / n;
    }
    case LossKind::Cell: {
      const long col = proj ? loss.col : long(loss.head) * c.dv + loss.col;
      g.dOut(loss.row, col) = 1.f;
      return out(loss.row, col);
    }
    case LossKind::CrossEntropy: {
      std::vector<int> heads = loss.heads;
      if (heads.empty())
        for (int h = 0; h < c.H; ++h) heads.push_back(h);
      g.dA_extra.assign(c.H, MatRM());
      g.dL_extra.assign(c.H, MatRM());
      double total = 0.0;
      for (int h : heads) {
        const HeadResult& hr = r.heads[h];
        MatRM& dA = g.dA_extra[h];
        MatRM& dL = g.dL_extra[h];
        if (dA.size() == 0) {
          dA.setZero(c.N, c.M);
          dL.setZero(c.N, c.M);
        }
        for (size_t k = 0; k < loss.rows.size(); ++k) {
          const int i = loss.rows[k];
          // log A_ij = L_ij / tau - logsumexp_j'(L_ij' / tau) over allowed keys, in double.
          double mx = -std::numeric_limits<double>::infinity();
          for (int j = 0; j < c.M; ++j)
            if (r.allowed(i, j)) mx = std::max(mx, double(hr.cache.L(i, j)) / c.tau);
          double sum = 0.0;
          for (int j = 0; j < c.M; ++j)
            if (r.allowed(i, j)) sum += std::exp(double(hr.cache.L(i, j)) / c.tau - mx);
          const double lse = mx + std::log(sum);
          for (int j = 0; j < c.M; ++j) {
            const double t = loss.target_rows(k, j);
            if (!r.allowed(i, j)) continue;
            if (t > 0.0) {
              total -= t * (double(hr.cache.L(i, j)) / c.tau - lse);
              const float a = hr.cache.A(i, j);
              dA(i, j) += a > 0.f ? float(-t / a) : -std::numeric_limits<float>::max();
            }
            dL(i, j) += float((double(hr.cache.A(i, j)) - t) / c.tau);
          }
        }
      }
      return total;
    }
  }
  return 0.0;
}

}  // namespace attn
