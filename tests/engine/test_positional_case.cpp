// Positional encodings and score functions inside a whole case (run_attention): central finite
// differences of every new gradient (learned table, T5 table, Shaw a^K / a^V, RoPE through Q and
// K, every score function's parameters, X through an added or concatenated encoding); the four
// terms sum to the logits; V is never rotated; JSON round trips; bad settings name their field;
// 1 vs 2 threads give identical numbers.
#include <gtest/gtest.h>

#include <functional>

#include "engine/core/error.h"
#include "engine/core/parallel.h"
#include "engine/io/case_json.h"
#include "engine/sandbox/multihead.h"
#include "engine/sandbox/positional.h"
#include "tests/engine/pe_test_util.h"
#include "tests/engine/test_util.h"

namespace attn {
namespace {

AttentionCase from_json_text(const std::string& text) { return case_from_text(text, "test"); }

double loss_of(const AttentionCase& c) { return run_attention(c, true).loss; }

using Param = std::function<MatRM*(AttentionCase&)>;
using VecParam = std::function<RowVec*(AttentionCase&)>;

void fd(AttentionCase& c, const Param& param, const MatRM& grad, const std::string& name) {
  ASSERT_EQ(param(c)->size(), grad.size()) << name;
  auto f = [&] { return loss_of(c); };
  expect_fd_gradient(f, param(c)->data(), grad.size(), grad.data(), name, 2e-3, 3e-3, 3e-3);
}

// A random case with the given positional / score JSON (direct or projection, MSE loss).
AttentionCase make_case(const std::string& mode, const std::string& extra_config, int N = 4, int M = 4,
                        const std::string& loss = R"({"kind": "mse"})", int H = 2) {
  const bool proj = mode == "projection";
  std::string cfg = R"({"mode": ")" + mode + R"(", "H": )" + std::to_string(H) + R"(, "N": )" + std::to_string(N) +
                    R"(, "M": )" + std::to_string(M) + R"(, "dk": 4, "dv": 3, "tau": 0.9)" +
                    (proj ? R"(, "D": 6, "self_attention": )" + std::string(N == M ? "true" : "false") : "") +
                    extra_config + "}";
  AttentionCase c = from_json_text(R"({"config": )" + cfg + R"(, "inputs": {"random": {"seed": 5, "biases": )" +
                                   (proj ? "true" : "false") + "}}}");
  c.loss = from_json_text(R"({"config": {"H": 1}, "inputs": {"Q": [[[1]]], "K": [[[1]]], "V": [[[1]]]}})").loss;
  const json lj = json::parse(loss);
  c.loss.kind = loss_kind_from_name(lj["kind"]);
  if (c.loss.kind == LossKind::MSE) {
    Rng rng(77);
    c.loss.target = random_matrix(c.config.N, proj ? c.config.D : c.config.H * c.config.dv, rng);
  } else if (c.loss.kind == LossKind::CrossEntropy) {
    c.loss.rows = {N - 1};
    c.loss.target_rows = MatRM::Constant(1, M, 1.f / M);
  }
  validate_case(c);
  return c;
}

TEST(PositionalCase, LearnedTableGradientAddedAndConcatenated) {
  AttentionCase c = make_case("projection", R"(, "positional": {"kind": "learned", "offset": 1}, "mask": "causal")");
  ASSERT_EQ(c.tensors.pe_table.rows(), 5);  // offset + M
  AttentionResult r = run_attention(c);
  fd(c, [](AttentionCase& x) { return &x.tensors.pe_table; }, r.dpe_table, "dpe_table (add)");
  EXPECT_TRUE(r.dpe_table.row(0).isZero()) << "position 0 is not used with offset 1";
  fd(c, [](AttentionCase& x) { return &x.tensors.X; }, r.dX, "dX (add)");

  c = make_case("projection", R"(, "positional": {"kind": "learned", "combine": "concat", "dim": 3, "offset": 2})", 3, 5);
  ASSERT_EQ(c.tensors.Wq[0].rows(), 9);  // D + d_p
  r = run_attention(c);
  fd(c, [](AttentionCase& x) { return &x.tensors.pe_table; }, r.dpe_table, "dpe_table (concat, cross)");
  fd(c, [](AttentionCase& x) { return &x.tensors.X; }, r.dX, "dX (concat)");
  fd(c, [](AttentionCase& x) { return &x.tensors.Y; }, r.dY, "dY (concat)");
  fd(c, [](AttentionCase& x) { return &x.tensors.Wq[1]; }, r.heads[1].dWq, "dWq (concat)");
}

TEST(PositionalCase, SinusoidalAddAndConcatGradients) {
  for (const char* pe : {R"(, "positional": {"kind": "sinusoidal"})",
                         R"(, "positional": {"kind": "sinusoidal_t2t", "combine": "concat", "dim": 4, "base": 50})",
                         R"(, "positional": {"kind": "geometric"})"}) {
    AttentionCase c = make_case("projection", pe);
    const AttentionResult r = run_attention(c);
    fd(c, [](AttentionCase& x) { return &x.tensors.X; }, r.dX, std::string("dX ") + pe);
    fd(c, [](AttentionCase& x) { return &x.tensors.Wk[0]; }, r.heads[0].dWk, std::string("dWk ") + pe);
  }
}

TEST(PositionalCase, RopeGradientsThroughQAndKAndVIsNeverRotated) {
  for (const char* pe : {R"(, "positional": {"kind": "rope", "offset": 3}, "mask": "causal")",
                         R"(, "positional": {"kind": "rope", "layout": "rotate_half", "rotary_fraction": 0.5, "base": 500000})"}) {
    AttentionCase c = make_case("direct", pe, 3, 5);
    const AttentionResult r = run_attention(c);
    for (int h = 0; h < 2; ++h) {
      EXPECT_TRUE(r.heads[h].V == c.tensors.V[h]) << "V untouched";
      EXPECT_FALSE(r.heads[h].Qr.isApprox(r.heads[h].Q)) << "Q rotated";
      fd(c, [h](AttentionCase& x) { return &x.tensors.Q[h]; }, r.heads[h].grad.dQ, std::string("dQ ") + pe);
      fd(c, [h](AttentionCase& x) { return &x.tensors.K[h]; }, r.heads[h].grad.dK, std::string("dK ") + pe);
      fd(c, [h](AttentionCase& x) { return &x.tensors.V[h]; }, r.heads[h].grad.dV, std::string("dV ") + pe);
    }
  }
  AttentionCase c = make_case("projection", R"(, "positional": {"kind": "rope"})");
  const AttentionResult r = run_attention(c);
  fd(c, [](AttentionCase& x) { return &x.tensors.Wq[0]; }, r.heads[0].dWq, "dWq rope");
  fd(c, [](AttentionCase& x) { return &x.tensors.X; }, r.dX, "dX rope");
}

TEST(PositionalCase, AlibiAndT5Gradients) {
  AttentionCase c = make_case("direct", R"(, "positional": {"kind": "alibi"}, "mask": "causal")", 4, 4, R"({"kind": "mse"})", 3);
  AttentionResult r = run_attention(c);
  ASSERT_EQ(r.alibi_slopes.size(), 3u);
  EXPECT_EQ(r.heads[2].B(3, 0), float(-r.alibi_slopes[2] * 3));
  fd(c, [](AttentionCase& x) { return &x.tensors.Q[2]; }, r.heads[2].grad.dQ, "dQ alibi");
  for (const char* pe : {R"(, "positional": {"kind": "t5"})",
                         R"(, "positional": {"kind": "t5", "bidirectional": true, "num_buckets": 8, "max_distance": 6})"}) {
    c = make_case("direct", pe, 5, 7);
    r = run_attention(c);
    ASSERT_EQ(r.dt5_table.rows(), 2);
    fd(c, [](AttentionCase& x) { return &x.tensors.t5_table; }, r.dt5_table, std::string("dt5_table ") + pe);
    fd(c, [](AttentionCase& x) { return &x.tensors.K[0]; }, r.heads[0].grad.dK, std::string("dK ") + pe);
  }
}

TEST(PositionalCase, ShawGradientsWithCrossEntropyAndMse) {
  for (const char* loss : {R"({"kind": "cross_entropy"})", R"({"kind": "mse"})"}) {
    AttentionCase c = make_case("direct", R"(, "positional": {"kind": "shaw", "clip": 2})", 4, 6, loss);
    const AttentionResult r = run_attention(c);
    for (int h = 0; h < 2; ++h) {
      const HeadResult& hr = r.heads[h];
      const std::string s = std::string(loss) + " head " + std::to_string(h) + " ";
      fd(c, [h](AttentionCase& x) { return &x.tensors.shaw_aK[h]; }, hr.dshaw_aK, s + "dshaw_aK");
      fd(c, [h](AttentionCase& x) { return &x.tensors.shaw_aV[h]; }, hr.dshaw_aV, s + "dshaw_aV");
      fd(c, [h](AttentionCase& x) { return &x.tensors.Q[h]; }, hr.grad.dQ, s + "dQ");
      fd(c, [h](AttentionCase& x) { return &x.tensors.V[h]; }, hr.grad.dV, s + "dV");
    }
    float* tau = &c.config.tau;
    const float g = r.dtau;
    auto f = [&] { return loss_of(c); };
    expect_fd_gradient(f, tau, 1, &g, std::string("dtau shaw ") + loss, 2e-3, 3e-3, 3e-3);
  }
}

TEST(PositionalCase, EveryScoreFunctionsGradients) {
  for (const char* sc : {R"(, "score": "dot")", R"(, "score": "general")", R"(, "score": {"kind": "additive", "dim": 5})",
                         R"(, "score": "cosine", "scale": 3)"}) {
    AttentionCase c = make_case("direct", std::string(sc) + R"(, "mask": "causal")", 3, 4);
    const AttentionResult r = run_attention(c);
    const std::string s = sc;
    fd(c, [](AttentionCase& x) { return &x.tensors.Q[1]; }, r.heads[1].grad.dQ, s + " dQ");
    fd(c, [](AttentionCase& x) { return &x.tensors.K[1]; }, r.heads[1].grad.dK, s + " dK");
    if (c.config.score.kind == ScoreKind::General)
      fd(c, [](AttentionCase& x) { return &x.tensors.W_score[1]; }, r.heads[1].score_grad.dW, s + " dW_score");
    if (c.config.score.kind == ScoreKind::Additive) {
      fd(c, [](AttentionCase& x) { return &x.tensors.Wq_score[0]; }, r.heads[0].score_grad.dWq, s + " dWq_score");
      fd(c, [](AttentionCase& x) { return &x.tensors.Wk_score[0]; }, r.heads[0].score_grad.dWk, s + " dWk_score");
      auto f = [&] { return loss_of(c); };
      expect_fd_gradient(f, c.tensors.v_score[0].data(), 5, r.heads[0].score_grad.dv.data(), s + " dv_score", 2e-3,
                         3e-3, 3e-3);
    }
    if (c.config.score.kind == ScoreKind::Cosine) {
      const float g = r.dscale;
      auto f = [&] { return loss_of(c); };
      expect_fd_gradient(f, &c.config.custom_scale, 1, &g, "dscale cosine", 2e-3, 3e-3, 3e-3);
    }
    if (c.config.score.kind == ScoreKind::Dot) EXPECT_EQ(r.scale, 1.f);
  }
}

TEST(PositionalCase, FourTermsSumToTheLogits) {
  for (const char* pe : {R"(, "positional": {"kind": "sinusoidal"}, "tau": 1)",
                         R"(, "positional": {"kind": "learned", "combine": "concat", "dim": 2}, "tau": 1)",
                         R"(, "positional": {"kind": "sinusoidal"}, "score": "general", "tau": 1)"}) {
    AttentionCase c = make_case("projection", pe, 5, 5);
    c.config.tau = 1.f;
    c.config.mask.parts.clear();
    const AttentionResult r = run_attention(c, false);
    for (int h = 0; h < 2; ++h) {
      const HeadResult& hr = r.heads[h];
      ASSERT_TRUE(hr.has_terms) << pe;
      const MatRM sum = hr.terms.cc + hr.terms.cp + hr.terms.pc + hr.terms.pp;
      expect_close(sum, hr.cache.L, std::string("cc + cp + pc + pp = logits ") + pe);
      EXPECT_GT(hr.terms.pp.cwiseAbs().maxCoeff(), 1e-3f) << "the position term is not trivially zero";
    }
  }
  // With a temperature and a bias: the terms are s/tau (q W k), so they sum to (L - B) / tau.
  AttentionCase c = make_case("projection", R"(, "positional": {"kind": "geometric"})", 4, 4);
  c.config.tau = 0.6f;
  Rng rng(3);
  c.tensors.bias = {random_matrix(4, 4, rng), random_matrix(4, 4, rng)};
  const AttentionResult r = run_attention(c, false);
  const HeadResult& hr = r.heads[1];
  expect_close(MatRM(hr.terms.cc + hr.terms.cp + hr.terms.pc + hr.terms.pp), MatRM((hr.cache.L - hr.B) / 0.6f), "(L - B) / tau");
  // No terms without an absolute encoding or with a non-bilinear score.
  EXPECT_FALSE(run_attention(make_case("projection", R"(, "positional": {"kind": "rope"})"), false).heads[0].has_terms);
  EXPECT_FALSE(
      run_attention(make_case("projection", R"(, "positional": {"kind": "sinusoidal"}, "score": "cosine")"), false).heads[0].has_terms);
}

TEST(PositionalCase, JsonRoundTripGivesTheSameResult) {
  const char* configs[] = {R"(, "positional": {"kind": "learned", "combine": "concat", "dim": 3, "offset": 1})",
                           R"(, "positional": {"kind": "rope", "layout": "rotate_half", "rotary_fraction": 0.5})",
                           R"(, "positional": {"kind": "t5", "bidirectional": true})",
                           R"(, "positional": {"kind": "shaw", "clip": 1}, "score": "dot")",
                           R"(, "positional": {"kind": "alibi", "bidirectional": true}, "score": {"kind": "additive", "dim": 2})",
                           R"(, "positional": {"kind": "sinusoidal", "base": 100}, "score": "general")"};
  for (const char* extra : configs) {
    const AttentionCase c = make_case("projection", extra);
    const AttentionCase back = case_from_json(case_to_json(c));
    const AttentionResult a = run_attention(c), b = run_attention(back);
    EXPECT_EQ(a.loss, b.loss) << extra;
    EXPECT_TRUE(a.dX == b.dX) << extra;
    EXPECT_EQ(back.config.positional.kind, c.config.positional.kind);
    EXPECT_EQ(back.config.score.kind, c.config.score.kind);
  }
}

TEST(PositionalCase, ThreadCountDoesNotChangeTheNumbers) {
  AttentionCase c = make_case("direct", R"(, "positional": {"kind": "t5"})", 5, 5, R"({"kind": "mse"})", 4);
  set_engine_threads(1);
  const AttentionResult r1 = run_attention(c);
  set_engine_threads(2);
  const AttentionResult r2 = run_attention(c);
  set_engine_threads(0);
  EXPECT_TRUE(r1.dt5_table == r2.dt5_table);
  EXPECT_EQ(r1.loss, r2.loss);
}

std::string error_field(const std::string& text) {
  try {
    from_json_text(text);
  } catch (const InputError& e) {
    return e.field() + " | " + e.what();
  }
  return "(no error)";
}

TEST(PositionalCase, BadSettingsNameTheirField) {
  const std::string direct = R"("inputs": {"random": {"seed": 1}}})";
  struct Bad {
    std::string config, field, words;
  };
  const Bad bad[] = {
      {R"("mode": "projection", "N": 3, "D": 5, "dk": 2, "positional": "sinusoidal")", "config.D", "even"},
      {R"("mode": "projection", "N": 3, "D": 4, "dk": 2, "positional": {"kind": "geometric", "combine": "concat", "dim": 3})",
       "config.positional.dim", "even"},
      {R"("N": 3, "dk": 2, "positional": "sinusoidal")", "config.positional.kind", "projection"},
      {R"("N": 3, "dk": 3, "positional": "rope")", "config.dk", "even"},
      {R"("N": 3, "dk": 4, "positional": {"kind": "rope", "rotary_fraction": 0.25})", "config.positional.rotary_fraction", "even"},
      {R"("N": 3, "dk": 4, "positional": {"kind": "rope", "layout": "sideways"})", "config.positional.layout", "rotate_half"},
      {R"("N": 3, "dk": 4, "positional": "wavelet")", "config.positional.kind", "allowed"},
      {R"("N": 3, "dk": 4, "positional": {"kind": "rope", "bsae": 10})", "config.positional.bsae", "not a known field"},
      {R"("N": 3, "dk": 4, "score": "bilinear")", "config.score.kind", "additive"},
      {R"("N": 3, "dk": 4, "score": "dot", "scale": "inv_dk")", "config.scale", "s = 1"},
      {R"("N": 3, "dk": 4, "positional": "shaw", "score": "cosine")", "config.score.kind", "scaled_dot"},
      {R"("N": 3, "dk": 4, "positional": {"kind": "t5", "bidirectional": true, "num_buckets": 7})",
       "config.positional.num_buckets", "even"},
      {R"("N": 3, "dk": 4, "positional": {"kind": "t5", "max_distance": 4})", "config.positional.max_distance", "exact"},
      {R"("N": 3, "dk": 4, "positional": {"kind": "shaw", "clip": -1})", "config.positional.clip", ">= 0"},
      {R"("mode": "projection", "N": 3, "D": 4, "dk": 2, "positional": {"kind": "learned", "max_len": 2})", "inputs.pe_table",
       "past its end"},
  };
  for (const Bad& b : bad) {
    const std::string got = error_field(R"({"config": {)" + b.config + "}, " + direct);
    EXPECT_EQ(got.substr(0, got.find(" | ")), b.field) << b.config << " -> " << got;
    EXPECT_NE(got.find(b.words), std::string::npos) << b.config << " -> " << got;
  }
  // Missing parameters without random inputs.
  EXPECT_EQ(error_field(R"({"config": {"score": "general"}, "inputs": {"Q": [[[1, 2]]], "K": [[[1, 2]]], "V": [[[1]]]}})")
                .substr(0, 14),
            "inputs.W_score");
  EXPECT_EQ(error_field(R"({"config": {"positional": "t5"}, "inputs": {"Q": [[[1, 2]]], "K": [[[1, 2]]], "V": [[[1]]], "t5_table": [[1, 2]]}})")
                .substr(0, 15),
            "inputs.t5_table");
}

}  // namespace
}  // namespace attn
