// The GPT-2 engine against PyTorch (tests/fixtures/gen_gpt2_goldens.py): a tiny random GPT-2
// saved as F32, F16 and BF16 safetensors with Hugging Face names; logits, every attention and
// score matrix, both losses, every parameter gradient and the gradients w.r.t. every attention
// and score matrix, within |ours - ref| <= 1e-5 + 1e-4 |ref|. Also finite differences of a few
// parameters through the whole model, shorter-after-longer sequences, 1-vs-2-thread identity and
// a save/load round trip.
#include <gtest/gtest.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "engine/core/error.h"
#include "engine/core/parallel.h"
#include "engine/model/gpt2.h"
#include "engine/model/gpt2_load.h"
#include "tests/engine/gpt2_test_util.h"
#include "tests/engine/test_util.h"

namespace attn {
namespace {

using json = nlohmann::json;

MatRM from_json(const json& j) {
  if (!j.is_array()) return MatRM::Constant(1, 1, j.get<float>());
  if (!j[0].is_array()) {
    MatRM m(1, j.size());
    for (std::size_t c = 0; c < j.size(); ++c) m(0, c) = j[c].get<float>();
    return m;
  }
  MatRM m(j.size(), j[0].size());
  for (std::size_t r = 0; r < j.size(); ++r)
    for (std::size_t c = 0; c < j[r].size(); ++c) m(r, c) = j[r][c].get<float>();
  return m;
}

// The HF name -> (pointer, rows, cols) of a parameter inside the model's grads or params.
struct View {
  const float* p;
  long rows, cols;
};
View hf_view(const Gpt2Params& P, const Gpt2Config& c, const std::string& name) {
  const long C = c.n_embd;
  if (name == "wte.weight") return {P.wte, c.vocab_size, C};
  if (name == "wpe.weight") return {P.wpe, c.n_positions, C};
  if (name == "ln_f.weight") return {P.lnfw, 1, C};
  if (name == "ln_f.bias") return {P.lnfb, 1, C};
  const int l = std::stoi(name.substr(2));
  const std::string s = name.substr(name.find('.', 2) + 1);
  if (s == "ln_1.weight") return {P.ln1w + l * C, 1, C};
  if (s == "ln_1.bias") return {P.ln1b + l * C, 1, C};
  if (s == "ln_2.weight") return {P.ln2w + l * C, 1, C};
  if (s == "ln_2.bias") return {P.ln2b + l * C, 1, C};
  if (s == "attn.c_attn.weight") return {P.qkvw + l * C * 3 * C, C, 3 * C};
  if (s == "attn.c_attn.bias") return {P.qkvb + l * 3 * C, 1, 3 * C};
  if (s == "attn.c_proj.weight") return {P.attprojw + l * C * C, C, C};
  if (s == "attn.c_proj.bias") return {P.attprojb + l * C, 1, C};
  if (s == "mlp.c_fc.weight") return {P.fcw + l * C * 4 * C, C, 4 * C};
  if (s == "mlp.c_fc.bias") return {P.fcb + l * 4 * C, 1, 4 * C};
  if (s == "mlp.c_proj.weight") return {P.fcprojw + l * 4 * C * C, 4 * C, C};
  if (s == "mlp.c_proj.bias") return {P.fcprojb + l * C, 1, C};
  ADD_FAILURE() << "unknown name " << name;
  return {nullptr, 0, 0};
}

std::vector<int> tokens_of(const json& g) { return g["tokens"].get<std::vector<int>>(); }

void check_loss(Gpt2& m, const json& g, const json& lg, const Gpt2Loss& loss, const std::string& tag) {
  const std::vector<int> tokens = tokens_of(g);
  const float value = gpt2_forward(m, tokens.data(), int(tokens.size()), &loss);
  EXPECT_NEAR(value, lg["loss"].get<double>(), 1e-5 + 1e-4 * std::abs(lg["loss"].get<double>())) << tag;
  gpt2_backward(m);
  int n = 0;
  for (auto it = lg["grads"].begin(); it != lg["grads"].end(); ++it, ++n) {
    const View v = hf_view(m.grads, m.config, it.key());
    expect_close(CMapRM(v.p, v.rows, v.cols), from_json(it.value()), tag + " d" + it.key());
  }
  EXPECT_EQ(n, 4 + 12 * m.config.n_layer) << "every parameter has a golden gradient";
  for (int l = 0; l < m.config.n_layer; ++l)
    for (int h = 0; h < m.config.n_head; ++h) {
      const std::string lh = " L" + std::to_string(l) + " H" + std::to_string(h);
      expect_close(MatRM(gpt2_datt(m, l, h)), from_json(lg["datt"][l][h]), tag + " datt" + lh);
      if (lg.contains("dscores"))
        expect_close(MatRM(gpt2_dscores(m, l, h)), from_json(lg["dscores"][l][h]), tag + " dscores" + lh);
    }
}

void check_golden(const std::string& name) {
  const json g = json::parse(slurp_file(fixture("gpt2/golden_" + name + ".json")));
  Gpt2 m;
  gpt2_load(m, fixture("gpt2/" + name));
  EXPECT_EQ(m.config.n_layer, g["config"]["n_layer"].get<int>());
  gpt2_setup(m, m.config.n_positions);
  const std::vector<int> tokens = tokens_of(g);
  const int T = int(tokens.size());
  gpt2_forward(m, tokens.data(), T);
  expect_close(MatRM(gpt2_logits(m)), from_json(g["logits"]), name + " logits");
  for (int l = 0; l < m.config.n_layer; ++l)
    for (int h = 0; h < m.config.n_head; ++h) {
      const std::string lh = " L" + std::to_string(l) + " H" + std::to_string(h);
      expect_close(MatRM(gpt2_attention(m, l, h)), from_json(g["attention"][l][h]), name + " attention" + lh);
      if (g.contains("scores"))
        expect_close(MatRM(gpt2_scores(m, l, h)), from_json(g["scores"][l][h]), name + " scores" + lh);
    }
  check_loss(m, g, g["losses"]["next_token_nll"], Gpt2Loss::next_token(), name + " nll");
  if (g["losses"].contains("token_logprob")) {
    const json& lg = g["losses"]["token_logprob"];
    check_loss(m, g, lg, Gpt2Loss::token_logprob(lg["position"].get<int>(), lg["token"].get<int>()), name + " logprob");
  }
}

TEST(Gpt2Golden, F32MatchesPyTorchForBothLosses) { check_golden("f32"); }
TEST(Gpt2Golden, F16CheckpointWithPrefixAndMaskBuffersMatchesPyTorch) { check_golden("f16"); }
TEST(Gpt2Golden, BF16CheckpointWithoutLmHeadMatchesPyTorch) { check_golden("bf16"); }

TEST(Gpt2Model, ExplicitTargetsEqualTheNextTokenLoss) {
  Gpt2 m;
  gpt2_load(m, fixture("gpt2/f32"));
  gpt2_setup(m, 16);
  const std::vector<int> tok = {1, 2, 3, 4, 5, 6};
  const std::vector<int> tg = {2, 3, 4, 5, 6, -1};
  const Gpt2Loss a = Gpt2Loss::next_token(), b = Gpt2Loss::with_targets(tg.data());
  const float la = gpt2_forward(m, tok.data(), 6, &a);
  const float lb = gpt2_forward(m, tok.data(), 6, &b);
  EXPECT_FLOAT_EQ(la, lb);
}

TEST(Gpt2Model, FiniteDifferencesOfParametersThroughTheWholeModel) {
  Gpt2 m;
  gpt2_load(m, fixture("gpt2/f32"));
  gpt2_setup(m, 8);
  const std::vector<int> tok = {5, 9, 2, 33, 9, 2, 40};
  for (const Gpt2Loss& loss : {Gpt2Loss::next_token(), Gpt2Loss::token_logprob(4, 17)}) {
    gpt2_forward(m, tok.data(), int(tok.size()), &loss);
    gpt2_backward(m);
    const std::vector<float> grads = m.grad_block.vec();
    auto f = [&] { return double(gpt2_forward(m, tok.data(), int(tok.size()), &loss)); };
    const Gpt2Params& p = m.params;
    const std::ptrdiff_t off_qkvw = p.qkvw - m.param_block.data(), off_ln1w = p.ln1w - m.param_block.data(),
                         off_wte = p.wte - m.param_block.data(), off_fcprojb = p.fcprojb - m.param_block.data(),
                         off_lnfb = p.lnfb - m.param_block.data(), off_wpe = p.wpe - m.param_block.data();
    // a few entries of each kind of parameter: projections, LayerNorm, embeddings (tied), biases
    for (std::ptrdiff_t off : {off_qkvw + 3, off_qkvw + 16 * 48 + 17, off_ln1w + 2, off_wte + 9 * 16 + 4,
                               off_wte + 2 * 16, off_fcprojb + 20, off_lnfb + 1, off_wpe + 3 * 16 + 5})
      fd_check(m.param_block.data() + off, 1, grads.data() + off, f, "param " + std::to_string(off), 1e-2, 2e-4, 2e-2);
  }
}

TEST(Gpt2Model, ShorterSequenceAfterALongerOneGivesTheSameResultsAsAFreshModel) {
  Gpt2 a, b;
  gpt2_load(a, fixture("gpt2/f32"));
  gpt2_load(b, fixture("gpt2/f32"));
  gpt2_setup(a, 32);
  gpt2_setup(b, 5);
  const std::vector<int> longer = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20};
  const std::vector<int> tok = {7, 3, 3, 60, 1};
  const Gpt2Loss loss = Gpt2Loss::next_token();
  gpt2_forward(a, longer.data(), int(longer.size()), &loss);
  gpt2_backward(a);
  const float la = gpt2_forward(a, tok.data(), 5, &loss);
  gpt2_backward(a);
  const float lb = gpt2_forward(b, tok.data(), 5, &loss);
  gpt2_backward(b);
  EXPECT_EQ(la, lb);
  EXPECT_EQ(MatRM(gpt2_logits(a)), MatRM(gpt2_logits(b)));
  EXPECT_EQ(MatRM(gpt2_attention(a, 1, 3)), MatRM(gpt2_attention(b, 1, 3)));
  EXPECT_EQ(MatRM(gpt2_datt(a, 0, 2)), MatRM(gpt2_datt(b, 0, 2)));
  EXPECT_EQ(a.grad_block.vec(), b.grad_block.vec());
}

TEST(Gpt2Model, OneAndTwoThreadsGiveBitIdenticalResults) {
  const int keep = engine_threads();
  std::vector<float> logits[2], grads[2];
  for (int threads : {1, 2}) {
    set_engine_threads(threads);
    Gpt2 m;
    gpt2_load(m, fixture("gpt2/f32"));
    gpt2_setup(m, 32);
    std::vector<int> tok(30);
    for (int t = 0; t < 30; ++t) tok[t] = (t * 7 + 3) % 64;
    const Gpt2Loss loss = Gpt2Loss::next_token();
    gpt2_forward(m, tok.data(), 30, &loss);
    gpt2_backward(m);
    const MatRM lg = gpt2_logits(m);
    logits[threads - 1].assign(lg.data(), lg.data() + lg.size());
    grads[threads - 1] = m.grad_block.vec();
  }
  set_engine_threads(keep);
  EXPECT_EQ(logits[0], logits[1]);
  EXPECT_EQ(grads[0], grads[1]);
}

TEST(Gpt2Model, RejectsBadInputWithClearMessages) {
  Gpt2 m;
  gpt2_load(m, fixture("gpt2/f32"));
  gpt2_setup(m, 8);
  const std::vector<int> tok = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  auto msg = [&](auto fn) {
    try {
      fn();
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_NE(msg([&] { gpt2_forward(m, tok.data(), 9); }).find("1 to 8"), std::string::npos);
  EXPECT_NE(msg([&] { gpt2_forward(m, tok.data(), 0); }).find("0 tokens"), std::string::npos);
  const std::vector<int> bad = {1, 64};
  EXPECT_NE(msg([&] { gpt2_forward(m, bad.data(), 2); }).find("ids go from 0 to 63"), std::string::npos);
  const Gpt2Loss one = Gpt2Loss::next_token();
  EXPECT_NE(msg([&] { gpt2_forward(m, tok.data(), 1, &one); }).find("at least 2 tokens"), std::string::npos);
  const Gpt2Loss pos = Gpt2Loss::token_logprob(3, 1);
  EXPECT_NE(msg([&] { gpt2_forward(m, tok.data(), 3, &pos); }).find("loss.position"), std::string::npos);
  EXPECT_NE(msg([&] { gpt2_setup(m, 33); }).find("n_positions (32)"), std::string::npos);
  Gpt2 fresh;
  EXPECT_NE(msg([&] { gpt2_setup(fresh, 4); }).find("needs a model"), std::string::npos);
}

TEST(Gpt2Model, SaveThenLoadGivesTheSameParametersAndKeepsExtraConfigFields) {
  Gpt2 m;
  gpt2_init(m, Gpt2Config{3, 2, 8, 10, 20, 1e-6f});
  gpt2_init_random(m, 42);
  TmpDir dir;
  gpt2_save(m, dir.str(), json{{"attnscope_tokenizer", "word"}});
  Gpt2 back;
  const json cfg = gpt2_load(back, dir.str());
  EXPECT_EQ(cfg["attnscope_tokenizer"], "word");
  EXPECT_EQ(back.config.n_layer, 3);
  EXPECT_FLOAT_EQ(back.config.layer_norm_epsilon, 1e-6f);
  EXPECT_EQ(back.param_block.vec(), m.param_block.vec());
  // GPT-2's initialisation: LayerNorm weights 1, biases 0, weights small
  EXPECT_EQ(back.params.ln2w[5], 1.f);
  EXPECT_EQ(back.params.fcb[7], 0.f);
  EXPECT_NE(back.params.wte[3], 0.f);
  EXPECT_LT(std::abs(back.params.wte[3]), 0.2f);
}

}  // namespace
}  // namespace attn
