// The model's ops (layernorm, gelu, linear, matmul_nt, embedding, log-softmax, cross-entropy and
// the causal qkv attention on the fast kernel): fast vs reference twins, and central finite
// differences of every backward. Legend: T rows, C channels, OC outputs, V vocabulary, H heads.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/core/parallel.h"
#include "engine/ops/cross_entropy.h"
#include "engine/ops/embedding.h"
#include "engine/ops/gelu.h"
#include "engine/ops/layernorm.h"
#include "engine/ops/linear.h"
#include "engine/ops/qkv_attention.h"
#include "tests/engine/gpt2_test_util.h"
#include "tests/engine/test_util.h"

namespace attn {
namespace {

MatRM as_mat(const std::vector<float>& v, long rows, long cols) { return CMapRM(v.data(), rows, cols); }

TEST(Gpt2Ops, LayerNormFastMatchesReferenceAndFiniteDifferences) {
  const int T = 3, C = 7;
  Rng rng(1);
  auto x = random_vec(T * C, rng, 2.f, 0.5f), w = random_vec(C, rng, 0.3f, 1.f), b = random_vec(C, rng, 0.3f);
  const auto R = random_vec(T * C, rng);
  std::vector<float> out(T * C), mean(T), rstd(T), out_r(T * C), mean_r(T), rstd_r(T);
  layernorm_forward(out.data(), mean.data(), rstd.data(), x.data(), w.data(), b.data(), T, C, 1e-5f);
  layernorm_forward_ref(out_r.data(), mean_r.data(), rstd_r.data(), x.data(), w.data(), b.data(), T, C, 1e-5f);
  expect_close(as_mat(out, T, C), as_mat(out_r, T, C), "out");
  expect_close(as_mat(rstd, 1, T), as_mat(rstd_r, 1, T), "rstd");
  std::vector<float> dx(T * C, 0.f), dw(C, 0.f), db(C, 0.f), dx_r(T * C, 0.f), dw_r(C, 0.f), db_r(C, 0.f);
  layernorm_backward(dx.data(), dw.data(), db.data(), R.data(), x.data(), w.data(), mean.data(), rstd.data(), T, C);
  layernorm_backward_ref(dx_r.data(), dw_r.data(), db_r.data(), R.data(), x.data(), w.data(), mean.data(), rstd.data(), T, C);
  expect_close(as_mat(dx, T, C), as_mat(dx_r, T, C), "dinp");
  expect_close(as_mat(dw, 1, C), as_mat(dw_r, 1, C), "dweight");
  expect_close(as_mat(db, 1, C), as_mat(db_r, 1, C), "dbias");
  auto loss = [&] {
    std::vector<float> o(T * C), m(T), r(T);
    layernorm_forward_ref(o.data(), m.data(), r.data(), x.data(), w.data(), b.data(), T, C, 1e-5f);
    return dot(o.data(), R.data(), o.size());
  };
  fd_check(x.data(), x.size(), dx.data(), loss, "dinp");
  fd_check(w.data(), w.size(), dw.data(), loss, "dweight");
  fd_check(b.data(), b.size(), db.data(), loss, "dbias");
}

TEST(Gpt2Ops, BackwardAccumulatesIntoItsGradients) {
  // The model relies on it: two uses of one tensor add up (residual stream, tied wte).
  const int T = 2, C = 4;
  Rng rng(2);
  auto x = random_vec(T * C, rng), w = random_vec(C, rng), R = random_vec(T * C, rng);
  std::vector<float> mean(T), rstd(T), out(T * C), b(C, 0.f);
  layernorm_forward(out.data(), mean.data(), rstd.data(), x.data(), w.data(), b.data(), T, C, 1e-5f);
  std::vector<float> once(T * C, 0.f), twice(T * C, 0.f), dw(C, 0.f), db(C, 0.f);
  layernorm_backward(once.data(), dw.data(), db.data(), R.data(), x.data(), w.data(), mean.data(), rstd.data(), T, C);
  for (int k = 0; k < 2; ++k)
    layernorm_backward(twice.data(), dw.data(), db.data(), R.data(), x.data(), w.data(), mean.data(), rstd.data(), T, C);
  for (int k = 0; k < T * C; ++k) EXPECT_FLOAT_EQ(twice[k], 2 * once[k]);
}

TEST(Gpt2Ops, GeluTanhFastMatchesReferenceAndFiniteDifferences) {
  const int n = 600;  // more than one backward block of 256
  Rng rng(3);
  auto x = random_vec(n, rng, 2.5f);
  x[0] = 0.f, x[1] = -8.f, x[2] = 8.f;
  const auto R = random_vec(n, rng);
  std::vector<float> out(n), out_r(n), dx(n, 0.f), dx_r(n, 0.f);
  gelu_forward(out.data(), x.data(), n);
  gelu_forward_ref(out_r.data(), x.data(), n);
  expect_close(as_mat(out, 1, n), as_mat(out_r, 1, n), "gelu");
  EXPECT_NEAR(out_r[2], 8.f, 1e-6);
  EXPECT_NEAR(out_r[1], 0.f, 1e-6);
  gelu_backward(dx.data(), x.data(), R.data(), n);
  gelu_backward_ref(dx_r.data(), x.data(), R.data(), n);
  expect_close(as_mat(dx, 1, n), as_mat(dx_r, 1, n), "dgelu");
  auto loss = [&] {
    std::vector<float> o(n);
    gelu_forward_ref(o.data(), x.data(), n);
    return dot(o.data(), R.data(), n);
  };
  fd_check(x.data(), n, dx.data(), loss, "dinp");
}

TEST(Gpt2Ops, LinearConv1DLayoutAndTiedMatmulGradients) {
  const int T = 3, C = 5, OC = 4;
  Rng rng(4);
  auto x = random_vec(T * C, rng), w = random_vec(C * OC, rng), b = random_vec(OC, rng);
  const auto R = random_vec(T * OC, rng);
  std::vector<float> out(T * OC), out_r(T * OC);
  linear_forward(out.data(), x.data(), w.data(), b.data(), T, C, OC);
  linear_forward_ref(out_r.data(), x.data(), w.data(), b.data(), T, C, OC);
  expect_close(as_mat(out, T, OC), as_mat(out_r, T, OC), "linear");
  // Conv1D: out[t][o] = sum_c x[t][c] W[c][o] + b[o]
  EXPECT_NEAR(out[1 * OC + 2], x[5] * w[2] + x[6] * w[6] + x[7] * w[10] + x[8] * w[14] + x[9] * w[18] + b[2], 1e-5);
  std::vector<float> dx(T * C, 0.f), dw(C * OC, 0.f), db(OC, 0.f), dx_r(T * C, 0.f), dw_r(C * OC, 0.f), db_r(OC, 0.f);
  linear_backward(dx.data(), dw.data(), db.data(), R.data(), x.data(), w.data(), T, C, OC);
  linear_backward_ref(dx_r.data(), dw_r.data(), db_r.data(), R.data(), x.data(), w.data(), T, C, OC);
  expect_close(as_mat(dx, T, C), as_mat(dx_r, T, C), "dinp");
  expect_close(as_mat(dw, C, OC), as_mat(dw_r, C, OC), "dweight");
  expect_close(as_mat(db, 1, OC), as_mat(db_r, 1, OC), "dbias");
  auto loss = [&] {
    std::vector<float> o(T * OC);
    linear_forward_ref(o.data(), x.data(), w.data(), b.data(), T, C, OC);
    return dot(o.data(), R.data(), o.size());
  };
  fd_check(x.data(), x.size(), dx.data(), loss, "linear dinp");
  fd_check(w.data(), w.size(), dw.data(), loss, "linear dweight");
  fd_check(b.data(), b.size(), db.data(), loss, "linear dbias");

  // matmul_nt: W stored (OC, C)
  std::vector<float> o2(T * OC), o2_r(T * OC), dx2(T * C, 0.f), dw2(C * OC, 0.f), dx2_r(T * C, 0.f), dw2_r(C * OC, 0.f);
  matmul_nt_forward(o2.data(), x.data(), w.data(), T, C, OC);
  matmul_nt_forward_ref(o2_r.data(), x.data(), w.data(), T, C, OC);
  expect_close(as_mat(o2, T, OC), as_mat(o2_r, T, OC), "matmul_nt");
  matmul_nt_backward(dx2.data(), dw2.data(), R.data(), x.data(), w.data(), T, C, OC);
  matmul_nt_backward_ref(dx2_r.data(), dw2_r.data(), R.data(), x.data(), w.data(), T, C, OC);
  expect_close(as_mat(dx2, T, C), as_mat(dx2_r, T, C), "matmul_nt dinp");
  expect_close(as_mat(dw2, OC, C), as_mat(dw2_r, OC, C), "matmul_nt dweight");
  auto loss2 = [&] {
    std::vector<float> o(T * OC);
    matmul_nt_forward_ref(o.data(), x.data(), w.data(), T, C, OC);
    return dot(o.data(), R.data(), o.size());
  };
  fd_check(x.data(), x.size(), dx2.data(), loss2, "matmul_nt dinp");
  fd_check(w.data(), w.size(), dw2.data(), loss2, "matmul_nt dweight");
}

TEST(Gpt2Ops, EmbeddingAddsPositionsAndScattersGradients) {
  const int T = 4, C = 3, V = 5;
  Rng rng(5);
  auto wte = random_vec(V * C, rng), wpe = random_vec(6 * C, rng);
  const int tokens[T] = {2, 0, 2, 4};  // a repeated token: its gradient rows add up
  const auto R = random_vec(T * C, rng);
  std::vector<float> out(T * C), dwte(V * C, 0.f), dwpe(6 * C, 0.f);
  embedding_forward(out.data(), tokens, wte.data(), wpe.data(), T, C);
  EXPECT_FLOAT_EQ(out[2 * C + 1], wte[2 * C + 1] + wpe[2 * C + 1]);
  embedding_backward(dwte.data(), dwpe.data(), R.data(), tokens, T, C);
  auto loss = [&] {
    std::vector<float> o(T * C);
    embedding_forward(o.data(), tokens, wte.data(), wpe.data(), T, C);
    return dot(o.data(), R.data(), o.size());
  };
  fd_check(wte.data(), wte.size(), dwte.data(), loss, "dwte");
  fd_check(wpe.data(), wpe.size(), dwpe.data(), loss, "dwpe");
  for (int c = 0; c < C; ++c) EXPECT_FLOAT_EQ(dwpe[5 * C + c], 0.f);  // positions past T get nothing
}

TEST(Gpt2Ops, LogSoftmaxAndCrossEntropyGradients) {
  const int T = 3, V = 11;
  Rng rng(6);
  auto z = random_vec(T * V, rng, 3.f);
  z[4] = 80.f;  // a large logit: no overflow
  const auto R = random_vec(T * V, rng);
  std::vector<float> lp(T * V), lp_r(T * V);
  log_softmax_forward(lp.data(), z.data(), T, V);
  log_softmax_forward_ref(lp_r.data(), z.data(), T, V);
  expect_close(as_mat(lp, T, V), as_mat(lp_r, T, V), "logp");
  for (int t = 0; t < T; ++t) {
    double s = 0.0;
    for (int v = 0; v < V; ++v) s += std::exp(double(lp[t * V + v]));
    EXPECT_NEAR(s, 1.0, 1e-5);
  }
  std::vector<float> dz(T * V, 0.f), dz_r(T * V, 0.f);
  log_softmax_backward(dz.data(), R.data(), lp.data(), T, V);
  log_softmax_backward_ref(dz_r.data(), R.data(), lp.data(), T, V);
  expect_close(as_mat(dz, T, V), as_mat(dz_r, T, V), "dlogits (log_softmax)");
  auto loss = [&] {
    std::vector<float> o(T * V);
    log_softmax_forward_ref(o.data(), z.data(), T, V);
    return dot(o.data(), R.data(), o.size());
  };
  fd_check(z.data(), z.size(), dz.data(), loss, "log_softmax dlogits");

  const int targets[T] = {3, -1, 10};
  const float dlosses[T] = {0.5f, 0.7f, -1.f};  // position 1 is ignored whatever its weight
  std::vector<float> losses(T), dce(T * V, 0.f), dce_r(T * V, 0.f);
  crossentropy_forward(losses.data(), lp.data(), targets, T, V);
  EXPECT_FLOAT_EQ(losses[0], -lp[3]);
  EXPECT_FLOAT_EQ(losses[1], 0.f);
  crossentropy_backward(dce.data(), dlosses, lp.data(), targets, T, V);
  crossentropy_backward_ref(dce_r.data(), dlosses, lp.data(), targets, T, V);
  expect_close(as_mat(dce, T, V), as_mat(dce_r, T, V), "dlogits (cross-entropy)");
  auto ce = [&] {
    std::vector<float> o(T * V), l(T);
    log_softmax_forward_ref(o.data(), z.data(), T, V);
    crossentropy_forward(l.data(), o.data(), targets, T, V);
    return dot(l.data(), dlosses, T);
  };
  fd_check(z.data(), z.size(), dce.data(), ce, "cross-entropy dlogits");
}

// The causal attention over packed qkv: the fast kernel path against the reference twin.
void check_qkv_attention(int T, int C, int H, uint64_t seed) {
  Rng rng(seed);
  auto qkv = random_vec(std::size_t(T) * 3 * C, rng);
  const auto R = random_vec(std::size_t(T) * C, rng);
  std::vector<float> y(T * C), y_r(T * C), sc(H * T * T), sc_r(H * T * T), att_r(H * T * T);
  MhaWorkspace ws;
  QkvAttentionScratch s;
  qkv_attention_forward(y.data(), sc.data(), ws, s, qkv.data(), T, C, H);
  qkv_attention_forward_ref(y_r.data(), sc_r.data(), att_r.data(), qkv.data(), T, C, H);
  const std::string tag = "T" + std::to_string(T) + " C" + std::to_string(C) + " H" + std::to_string(H);
  expect_close(as_mat(y, T, C), as_mat(y_r, T, C), tag + " atty");
  expect_close(as_mat(sc, H * T, T), as_mat(sc_r, H * T, T), tag + " scores");
  for (int h = 0; h < H; ++h)
    expect_close(MatRM(ws.att_map(h)), as_mat(std::vector<float>(att_r.begin() + h * T * T, att_r.begin() + (h + 1) * T * T), T, T),
                 tag + " att");
  std::vector<float> dqkv(T * 3 * C, 0.f), dqkv_r(T * 3 * C, 0.f), da(H * T * T), da_r(H * T * T), ds(H * T * T),
      ds_r(H * T * T);
  qkv_attention_backward(dqkv.data(), da.data(), ds.data(), ws, s, R.data(), qkv.data(), T, C, H);
  qkv_attention_backward_ref(dqkv_r.data(), da_r.data(), ds_r.data(), R.data(), qkv.data(), att_r.data(), T, C, H);
  expect_close(as_mat(dqkv, T, 3 * C), as_mat(dqkv_r, T, 3 * C), tag + " dqkv");
  expect_close(as_mat(da, H * T, T), as_mat(da_r, H * T, T), tag + " datt");
  expect_close(as_mat(ds, H * T, T), as_mat(ds_r, H * T, T), tag + " dscores");
  if (T <= 6) {
    auto loss = [&] {
      std::vector<float> o(T * C), a(H * T * T);
      qkv_attention_forward_ref(o.data(), nullptr, a.data(), qkv.data(), T, C, H);
      return dot(o.data(), R.data(), o.size());
    };
    fd_check(qkv.data(), qkv.size(), dqkv.data(), loss, tag + " dqkv (finite differences)");
  }
}

TEST(Gpt2Ops, CausalQkvAttentionOnTheFastKernelMatchesReference) {
  check_qkv_attention(5, 8, 2, 7);
  check_qkv_attention(1, 4, 1, 8);
  check_qkv_attention(37, 24, 3, 9);
  // the same workspace and scratch at a longer, then a shorter length
  check_qkv_attention(70, 16, 4, 10);
}

TEST(Gpt2Ops, QkvAttentionReusesItsWorkspaceAcrossLengths) {
  const int C = 8, H = 2;
  MhaWorkspace ws;
  QkvAttentionScratch s;
  Rng rng(11);
  for (int T : {9, 4, 9}) {
    auto qkv = random_vec(std::size_t(T) * 3 * C, rng);
    std::vector<float> y(T * C), y_r(T * C), att_r(H * T * T);
    qkv_attention_forward(y.data(), nullptr, ws, s, qkv.data(), T, C, H);
    qkv_attention_forward_ref(y_r.data(), nullptr, att_r.data(), qkv.data(), T, C, H);
    expect_close(as_mat(y, T, C), as_mat(y_r, T, C), "atty at T=" + std::to_string(T));
  }
}

}  // namespace
}  // namespace attn
