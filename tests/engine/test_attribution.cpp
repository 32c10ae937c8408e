// Attributions: attention x gradient, the signed difference, Gpt2::att_alpha (the scaled
// attention behind integrated gradients: gradients stay exact, datt is dF/dA'), integrated
// gradients' completeness on a small random model and on the shipped model, token saliency.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>

#include "engine/analysis/attribution.h"
#include "engine/core/error.h"
#include "engine/model/gpt2_load.h"
#include "engine/text/tokenizer.h"
#include "gpt2_test_util.h"

namespace attn {
namespace {

TEST(Attribution, AttentionTimesGradientAndSignedDifference) {
  MatRM A(2, 2), B(2, 2);
  A << 1, 0, 0.25f, 0.75f;
  B << 2, 3, -4, 8;
  MatRM axg(2, 2), diff(2, 2);
  axg << 2, 0, -1, 6;
  diff << -1, -3, 4.25f, -7.25f;
  EXPECT_EQ(attention_times_gradient(A, B), axg);
  EXPECT_EQ(signed_difference(A, B), diff);
  EXPECT_EQ(signed_difference(A, A), MatRM::Zero(2, 2));
  try {
    signed_difference(A, MatRM::Zero(3, 3));
    FAIL() << "no error for different shapes";
  } catch (const InputError& e) {
    EXPECT_EQ(e.field(), "diff");
    EXPECT_NE(std::string(e.what()).find("(2 x 2)"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("(3 x 3)"), std::string::npos) << e.what();
  }
  EXPECT_THROW(attention_times_gradient(A, MatRM::Zero(2, 3)), InputError);
}

// A small random GPT-2 whose attention is far from uniform (larger qkv weights than GPT-2's init).
struct Tiny {
  Gpt2 m;
  std::vector<int> tokens = {3, 7, 1, 12, 5, 9, 2};
  Gpt2Loss target = Gpt2Loss::token_logprob(6, 4);
  Tiny() {
    gpt2_init(m, Gpt2Config{2, 2, 8, 16, 13, 1e-5f});
    gpt2_init_random(m, 7);
    const auto sizes = gpt2_param_sizes(m.config);
    for (std::size_t k = 0; k < sizes[4]; ++k) m.params.qkvw[k] *= 20;  // sharp attention
    for (std::size_t k = 0; k < sizes[0]; ++k) m.params.wte[k] *= 30;   // logits that vary
    for (std::size_t k = 0; k < sizes[1]; ++k) m.params.wpe[k] *= 30;
    for (std::size_t k = 0; k < sizes[6]; ++k) m.params.attprojw[k] *= 30;  // attention that matters
    gpt2_setup(m, 16);
  }
  double F() { return gpt2_forward(m, tokens.data(), int(tokens.size()), &target); }
};

TEST(AttAlpha, OneIsTheModelAndZeroRemovesTheLayersAttention) {
  Tiny t;
  const double f = t.F();
  t.m.att_alpha = {1.f, 1.f};
  EXPECT_EQ(t.F(), f);
  t.m.att_alpha = {1.f, 0.f};
  EXPECT_NE(t.F(), f);
  t.m.att_alpha = {1.f};
  EXPECT_THROW(t.F(), InputError);
}

TEST(AttAlpha, DerivativeInAlphaIsSumOfDattTimesA) {
  // F(alpha) with layer l's A' = alpha A: dF/dalpha = sum_h sum_ij dF/dA'_ij A_ij.
  Tiny t;
  for (int layer = 0; layer < 2; ++layer)
    for (float alpha : {0.f, 0.5f, 1.f}) {
      t.m.att_alpha = {1.f, 1.f};
      t.m.att_alpha[layer] = alpha;
      t.F();
      gpt2_backward(t.m);
      double analytic = 0;
      for (int h = 0; h < 2; ++h)
        analytic += gpt2_datt(t.m, layer, h).cast<double>().cwiseProduct(gpt2_attention(t.m, layer, h).cast<double>()).sum();
      const double e = 1e-2;
      t.m.att_alpha[layer] = alpha + float(e);
      const double up = t.F();
      t.m.att_alpha[layer] = alpha - float(e);
      const double down = t.F();
      const double fd = (up - down) / (2 * e);
      EXPECT_NEAR(analytic, fd, 2e-3 + 2e-2 * std::abs(fd)) << "layer " << layer << " alpha " << alpha;
      EXPECT_GT(std::abs(analytic), 1e-3) << "a test that cannot fail: the derivative must not vanish";
    }
}

TEST(AttAlpha, ParameterGradientsStayExact) {
  // Finite differences of every parameter tensor the scaled layer touches, at alpha 0.5 and 0.
  for (float alpha : {0.5f, 0.f}) {
    Tiny t;
    t.m.att_alpha = {alpha, 1.f};  // layer 0 scaled: layer 1 and the embeddings see its effect
    t.F();
    gpt2_backward(t.m);
    const auto sizes = gpt2_param_sizes(t.m.config);
    std::vector<float> grads(t.m.grad_block.begin(), t.m.grad_block.end());
    auto loss = [&] { return t.F(); };
    const auto params = t.m.params.list();
    const auto glist = t.m.grads.list();
    const char* names[] = {"wte", "wpe", "ln1w", "ln1b", "qkvw", "qkvb", "attprojw", "attprojb"};
    for (int i = 0; i < 8; ++i) {
      const float* g = grads.data() + (glist[i] - t.m.grad_block.data());
      fd_check(params[i], sizes[i], g, loss, std::string(names[i]) + " at alpha " + std::to_string(alpha), 1e-2,
               2e-3, 3e-2, sizes[i] > 200 ? 7 : 1);
    }
  }
}

// |sum IG - (F(A) - F(0))| for 8, 32, 128 steps must shrink (right Riemann sum, error O(1/m)).
void check_completeness(Gpt2& m, const std::vector<int>& tokens, int layer, const Gpt2Loss& target) {
  double last_err = INFINITY, first_err = 0, gap = 0;
  for (int steps : {8, 32, 128}) {
    const IntegratedGradients ig = integrated_gradients(m, tokens, layer, target, steps);
    ASSERT_EQ(int(ig.per_head.size()), m.config.n_head);
    double s = 0;
    for (const MatRM& h : ig.per_head) s += h.cast<double>().sum();
    EXPECT_NEAR(s, ig.total, 1e-4 * (1 + std::abs(s)));
    gap = ig.f_full - ig.f_zero;
    const double err = std::abs(ig.total - gap);
    ::testing::Test::RecordProperty("layer" + std::to_string(layer) + "_steps" + std::to_string(steps) + "_error", std::to_string(err * 1e6) + "e-6 of " + std::to_string(gap));
    EXPECT_LT(err, last_err + 1e-5) << steps << " steps";
    if (steps == 8) first_err = err;
    last_err = err;
    EXPECT_TRUE(m.att_alpha.empty()) << "att_alpha restored";
  }
  EXPECT_GT(std::abs(gap), 1e-3) << "a test that cannot fail: the layer must matter";
  // O(1/m): 16 times the steps, about a 16th of the error (allow a 4th, plus float noise)
  EXPECT_LT(last_err, 0.25 * first_err + 1e-5);
  EXPECT_LT(last_err, 0.05 * std::abs(gap) + 1e-4) << "128 steps: sum of IG vs F(A) - F(0) = " << gap;
}

TEST(IntegratedGradients, CompletenessOnARandomModel) {
  Tiny t;
  for (int layer = 0; layer < 2; ++layer) check_completeness(t.m, t.tokens, layer, t.target);
}

TEST(IntegratedGradients, CompletenessOnTheShippedModel) {
  const std::string dir = std::string(ATTNSCOPE_FIXTURES) + "/../../assets/models/words-2l4h";
  Gpt2 m;
  const auto cfg = gpt2_load(m, dir);
  const auto tok = load_tokenizer(dir, cfg, m.config.vocab_size);
  gpt2_setup(m, m.config.n_positions);
  const std::vector<int> ids = tok->encode("the cat that the dogs see runs .").ids;
  ASSERT_GE(ids.size(), 6u);
  const int last = int(ids.size()) - 1;
  // the model's favourite next token after the sentence
  gpt2_forward(m, ids.data(), int(ids.size()));
  int best = 0;
  for (int v = 1; v < m.config.vocab_size; ++v)
    if (gpt2_logp(m)(last, v) > gpt2_logp(m)(last, best)) best = v;
  for (int layer = 0; layer < 2; ++layer) check_completeness(m, ids, layer, Gpt2Loss::token_logprob(last, best));
}

TEST(IntegratedGradients, LeavesTheFullModelAndCancels) {
  Tiny t;
  const double f = t.F();
  const IntegratedGradients ig = integrated_gradients(t.m, t.tokens, 1, t.target, 4);
  EXPECT_EQ(ig.f_full, f);
  EXPECT_EQ(t.m.loss, f);  // the last forward is alpha = 1
  std::atomic<int> done{0};
  std::atomic<bool> cancel{false};
  RunControl ctl{&cancel, &done};
  integrated_gradients(t.m, t.tokens, 0, t.target, 5, &ctl);
  EXPECT_EQ(done.load(), 6);
  cancel = true;
  EXPECT_THROW(integrated_gradients(t.m, t.tokens, 0, t.target, 5, &ctl), RunCancelled);
  EXPECT_TRUE(t.m.att_alpha.empty());
  EXPECT_THROW(integrated_gradients(t.m, t.tokens, 2, t.target, 5), InputError);
  EXPECT_THROW(integrated_gradients(t.m, t.tokens, 0, t.target, 0), InputError);
  EXPECT_THROW(integrated_gradients(t.m, t.tokens, 0, Gpt2Loss::next_token(), 5), InputError);
}

TEST(Saliency, IsTheNormOfGradientTimesInput) {
  Tiny t;
  t.F();
  gpt2_backward(t.m);
  const std::vector<double> s = token_saliency(t.m);
  ASSERT_EQ(s.size(), t.tokens.size());
  const int C = t.m.config.n_embd;
  for (int p = 0; p < int(s.size()); ++p) {
    double q = 0;
    for (int c = 0; c < C; ++c) {
      // x_t = wte[token] + wpe[t]; dF/dx_t is the gradient that reaches both embeddings
      const double x = double(t.m.params.wte[t.tokens[p] * C + c]) + t.m.params.wpe[p * C + c];
      q += std::pow(t.m.dacts.dencoded[p * C + c] * x, 2);
    }
    EXPECT_NEAR(s[p], std::sqrt(q), 1e-5 * (1 + s[p]));
  }
  EXPECT_GT(s[0] + s[3], 0);
}

}  // namespace
}  // namespace attn
