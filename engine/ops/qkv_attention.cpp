// Legend: T tokens, C model width, H heads, d = C / H. Formulas in qkv_attention.h.
#include "engine/ops/qkv_attention.h"

#include <cmath>
#include <vector>

namespace attn {

void QkvAttentionScratch::reserve(int T, int C) {
  for (MatRM* m : {&Q, &K, &V, &O, &dO, &dQ, &dK, &dV})
    if (m->rows() != T || m->cols() != C) m->resize(T, C);
}

namespace {

MhaOptions causal_options(int C, int H) {
  MhaOptions opt;
  opt.scale = 1.f / std::sqrt(float(C / H));
  opt.mask = MhaMask::Causal;
  return opt;
}

// Copies columns [c0, c0 + C) of the (T, ld) buffer into m (T, C), or back.
void gather(MatRM& m, const float* src, int T, int ld, int c0) { m = CHeadView(src + c0, T, m.cols(), Eigen::OuterStride<>(ld)); }

}  // namespace

void qkv_attention_forward(float* atty, float* scores, MhaWorkspace& ws, QkvAttentionScratch& s, const float* qkv,
                           int T, int C, int H) {
  s.reserve(T, C);
  gather(s.Q, qkv, T, 3 * C, 0);
  gather(s.K, qkv, T, 3 * C, C);
  gather(s.V, qkv, T, 3 * C, 2 * C);
  const MhaOptions opt = causal_options(C, H);
  mha_forward(s.O, ws, s.Q, s.K, s.V, H, opt);
  MapRM(atty, T, C) = s.O;
  if (!scores) return;
  const int d = C / H;
  for (int h = 0; h < H; ++h)
    MapRM(scores + std::ptrdiff_t(h) * T * T, T, T).noalias() =
        opt.scale * (col_block(s.Q, h * d, d) * col_block(s.K, h * d, d).transpose());
}

void qkv_attention_backward(float* dqkv, float* datt, float* dscores, MhaWorkspace& ws, QkvAttentionScratch& s,
                            const float* datty, const float* qkv, int T, int C, int H) {
  s.reserve(T, C);
  gather(s.Q, qkv, T, 3 * C, 0);
  gather(s.K, qkv, T, 3 * C, C);
  gather(s.V, qkv, T, 3 * C, 2 * C);
  s.dO = CMapRM(datty, T, C);
  const MhaOptions opt = causal_options(C, H);
  // atty_h = att_h V_h;  att_h = softmax(scores_h);  scores_h = s Q_h K_h^T
  mha_backward(s.dQ, s.dK, s.dV, ws, s.dO, s.Q, s.K, s.V, H, opt);
  HeadView(dqkv, T, C, Eigen::OuterStride<>(3 * C)) += s.dQ;
  HeadView(dqkv + C, T, C, Eigen::OuterStride<>(3 * C)) += s.dK;
  HeadView(dqkv + 2 * C, T, C, Eigen::OuterStride<>(3 * C)) += s.dV;
  if (!datt && !dscores) return;
  const int d = C / H;
  for (int h = 0; h < H; ++h) {
    const auto A = ws.att_map(h);
    // datt_h = datty_h V_h^T; when only dscores is wanted, build it in place of datt
    MapRM da(datt ? datt + std::ptrdiff_t(h) * T * T : dscores + std::ptrdiff_t(h) * T * T, T, T);
    da.noalias() = col_block(s.dO, h * d, d) * col_block(s.V, h * d, d).transpose();
    if (!dscores) continue;
    MapRM ds(dscores + std::ptrdiff_t(h) * T * T, T, T);
    for (int i = 0; i < T; ++i) {
      // rowsum over the visible keys j <= i (A is 0 past them)
      const float r = (da.row(i).head(i + 1).array() * A.row(i).head(i + 1).array()).sum();
      ds.row(i).head(i + 1) = (A.row(i).head(i + 1).array() * (da.row(i).head(i + 1).array() - r)).matrix();
      ds.row(i).tail(T - i - 1).setZero();
    }
  }
}

void qkv_attention_forward_ref(float* atty, float* scores, float* att, const float* qkv, int T, int C, int H) {
  const int d = C / H, ld = 3 * C;
  const double sc = 1.0 / std::sqrt(double(d));
  std::vector<double> row(T);
  for (int h = 0; h < H; ++h)
    for (int i = 0; i < T; ++i) {
      const float* q = qkv + std::ptrdiff_t(i) * ld + h * d;
      double m = -INFINITY;
      for (int j = 0; j < T; ++j) {
        const float* k = qkv + std::ptrdiff_t(j) * ld + C + h * d;
        double dot = 0.0;
        for (int c = 0; c < d; ++c) dot += double(q[c]) * k[c];
        row[j] = sc * dot;
        if (scores) scores[(std::ptrdiff_t(h) * T + i) * T + j] = float(row[j]);
        if (j <= i && row[j] > m) m = row[j];
      }
      double sum = 0.0;
      for (int j = 0; j <= i; ++j) sum += std::exp(row[j] - m);
      float* a = att + (std::ptrdiff_t(h) * T + i) * T;
      for (int j = 0; j < T; ++j) a[j] = j <= i ? float(std::exp(row[j] - m) / sum) : 0.f;
      for (int c = 0; c < d; ++c) {
        double o = 0.0;
        for (int j = 0; j <= i; ++j) o += double(a[j]) * qkv[std::ptrdiff_t(j) * ld + 2 * C + h * d + c];
        atty[std::ptrdiff_t(i) * C + h * d + c] = float(o);
      }
    }
}

void qkv_attention_backward_ref(float* dqkv, float* datt, float* dscores, const float* datty, const float* qkv,
                                const float* att, int T, int C, int H) {
  const int d = C / H, ld = 3 * C;
  const double sc = 1.0 / std::sqrt(double(d));
  std::vector<double> da(T), dl(T);
  for (int h = 0; h < H; ++h)
    for (int i = 0; i < T; ++i) {
      const float* a = att + (std::ptrdiff_t(h) * T + i) * T;
      const float* g = datty + std::ptrdiff_t(i) * C + h * d;
      double r = 0.0;
      for (int j = 0; j < T; ++j) {
        double s = 0.0;
        for (int c = 0; c < d; ++c) s += double(g[c]) * qkv[std::ptrdiff_t(j) * ld + 2 * C + h * d + c];
        da[j] = s;
        if (j <= i) r += s * a[j];
        if (datt) datt[(std::ptrdiff_t(h) * T + i) * T + j] = float(s);
      }
      for (int j = 0; j < T; ++j) {
        dl[j] = j <= i ? a[j] * (da[j] - r) : 0.0;
        if (dscores) dscores[(std::ptrdiff_t(h) * T + i) * T + j] = float(dl[j]);
      }
      for (int j = 0; j <= i; ++j) {
        for (int c = 0; c < d; ++c) {
          // dQ_i += s dl_j K_j;  dK_j += s dl_j Q_i;  dV_j += a_j dO_i
          dqkv[std::ptrdiff_t(i) * ld + h * d + c] += float(sc * dl[j] * qkv[std::ptrdiff_t(j) * ld + C + h * d + c]);
          dqkv[std::ptrdiff_t(j) * ld + C + h * d + c] += float(sc * dl[j] * qkv[std::ptrdiff_t(i) * ld + h * d + c]);
          dqkv[std::ptrdiff_t(j) * ld + 2 * C + h * d + c] += float(double(a[j]) * g[c]);
        }
      }
    }
}

}  // namespace attn
