// model_session on the shipped model (assets/models/words-2l4h): loading a folder with its
// examples, inspecting a sentence (maps, summaries, gradients, rollouts, IG, views), progress and
// cancel, and every kind of bad input.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>

#include "engine/analysis/rollout.h"
#include "engine/core/error.h"
#include "engine/model/gpt2_load.h"
#include "engine/model/model_session.h"

namespace attn {
namespace {

const std::string kModel = std::string(ATTNSCOPE_FIXTURES) + "/../../assets/models/words-2l4h";
const char* kGrammar = "the teachers that the child likes sleep near the river . the old dog sees a small cat .";

ModelBundle& shipped() {
  static std::unique_ptr<ModelBundle> b = load_model_bundle(kModel);
  return *b;
}

void expect_error(const std::function<void()>& f, const std::string& field, const std::string& part) {
  try {
    f();
    ADD_FAILURE() << "no InputError (expected " << field << ": ..." << part << "...)";
  } catch (const InputError& e) {
    EXPECT_EQ(e.field(), field) << e.what();
    EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  }
}

TEST(ModelSession, LoadsTheShippedModelWithExamples) {
  const ModelBundle& b = shipped();
  EXPECT_EQ(b.name, "words-2l4h");
  EXPECT_EQ(b.model.config.n_layer, 2);
  EXPECT_EQ(b.tokenizer->kind(), "word");
  ASSERT_GE(b.examples.size(), 6u);
  for (const std::string& e : b.examples)  // every example uses the model's own words only
    for (int id : b.tokenizer->encode(e).ids) EXPECT_NE(b.tokenizer->token_text(id), "<unk>") << e;
  const std::vector<std::string> dirs = shipped_model_dirs();
  bool found = false;
  for (const std::string& d : dirs) found |= std::filesystem::path(d).filename() == "words-2l4h";
  EXPECT_TRUE(found) << "shipped_model_dirs() finds assets/models/words-2l4h (" << dirs.size() << " dirs)";
  EXPECT_FALSE(assets_dir().empty());
}

TEST(ModelSession, InspectionMatchesTheModel) {
  ModelBundle& b = shipped();
  InspectRequest req;
  req.text = kGrammar;
  req.ig_layer = 1;
  req.ig_steps = 8;
  bool called = false;
  req.on_forward_done = [&](const Inspection& in) {
    called = true;
    EXPECT_EQ(int(in.att.size()), 2);
    EXPECT_TRUE(in.datt.empty()) << "gradients come after the forward callback";
    EXPECT_TRUE(in.head_order.empty()) << "the similarity order comes after the forward callback";
  };
  const Inspection in = inspect_sentence(b, req);
  EXPECT_TRUE(called);
  ASSERT_EQ(in.L, 2);
  ASSERT_EQ(in.H, 4);
  ASSERT_EQ(in.T, int(b.tokenizer->encode(kGrammar).ids.size()));
  EXPECT_EQ(in.tokens[1].text, "teachers");
  EXPECT_EQ(std::string(kGrammar).substr(in.tokens[1].begin, in.tokens[1].end - in.tokens[1].begin), "teachers");

  // The maps are the model's: run it directly.
  Gpt2 m;
  gpt2_load(m, kModel);
  gpt2_setup(m, in.T, Gpt2Options{false, false});
  const std::vector<int> ids = b.tokenizer->encode(kGrammar).ids;
  gpt2_forward(m, ids.data(), in.T);
  for (int l = 0; l < in.L; ++l)
    for (int h = 0; h < in.H; ++h) {
      EXPECT_EQ(in.att[l][h], MatRM(gpt2_attention(m, l, h))) << l << " " << h;
      for (int i = 0; i < in.T; ++i) EXPECT_NEAR(in.att[l][h].row(i).sum(), 1, 1e-5);
    }
  // The previous-token head (L0 H2) on grammar text.
  EXPECT_GT(in.summaries[0][2].previous_token, 0.7);
  // Default target = the top-1 next token after the last token.
  ASSERT_EQ(in.next.size(), 5u);
  EXPECT_EQ(in.target_position, in.T - 1);
  EXPECT_EQ(in.target_token, in.next[0].id);
  EXPECT_NEAR(std::exp(in.target_logprob), in.next[0].prob, 1e-6);
  for (std::size_t k = 1; k < in.next.size(); ++k) EXPECT_LE(in.next[k].prob, in.next[k - 1].prob);
  // Gradients, saliency, rollouts, IG.
  ASSERT_TRUE(in.has_gradients());
  EXPECT_EQ(in.saliency.size(), std::size_t(in.T));
  EXPECT_EQ(in.rollout, attention_rollout(in.att));
  EXPECT_EQ(in.grad_rollout.rows(), in.T);
  ASSERT_EQ(in.ig.per_head.size(), 4u);
  EXPECT_NEAR(in.ig.f_full, in.target_logprob, 1e-5);
  EXPECT_EQ(in.head_order.size(), 8u);
  EXPECT_EQ(in.head_order[0], 0);
  // Views.
  const ViewData w = model_view_data(in, "model-weights", 0, 2);
  EXPECT_EQ(w.values, in.att[0][2]);
  EXPECT_EQ(w.row_labels[1], "teachers");
  EXPECT_EQ(w.mask(0, 1), 0);
  EXPECT_EQ(model_view_data(in, "mean-heads", 1, 0).values, mean_over_heads(in.att[1]));
  EXPECT_EQ(model_view_data(in, "model-ig", 1, 3).values, in.ig.per_head[3]);
  for (const char* v : {"model-grad", "model-attxgrad", "rollout", "grad-rollout", "max-heads"})
    EXPECT_EQ(model_view_data(in, v, 1, 1).values.rows(), in.T) << v;
  expect_error([&] { model_view_data(in, "weights", 0, 0); }, "view", "unknown view 'weights' for a model");
  expect_error([&] { model_view_data(in, "model-weights", 2, 0); }, "layer", "the model has 2 layers");
  expect_error([&] { model_view_data(in, "model-weights", 0, 4); }, "head", "4 heads per layer");
  expect_error([&] { model_view_data(in, "model-ig", 0, 0); }, "layer", "computed for layer 1");
}

TEST(ModelSession, ChosenTargetAndNoGradients) {
  ModelBundle& b = shipped();
  InspectRequest req;
  req.text = "the cat sees the dog";
  req.target_token = token_id_for_text(b, "runs");
  req.target_position = 1;
  const Inspection in = inspect_sentence(b, req);
  EXPECT_EQ(in.target_text, "runs");
  EXPECT_EQ(in.target_position, 1);
  // The target's gradient never reaches heads' rows after its position (causal).
  for (int l = 0; l < 2; ++l)
    for (int h = 0; h < 4; ++h) EXPECT_EQ(in.datt[l][h].bottomRows(in.T - 2).cwiseAbs().maxCoeff(), 0.f);
  req.gradients = false;
  const Inspection fwd = inspect_sentence(b, req);
  EXPECT_FALSE(fwd.has_gradients());
  EXPECT_TRUE(fwd.saliency.empty());
  expect_error([&] { model_view_data(fwd, "model-grad", 0, 0); }, "view", "needs gradients");
}

TEST(ModelSession, ProgressAndCancel) {
  ModelBundle& b = shipped();
  InspectRequest req;
  req.text = kGrammar;
  req.ig_layer = 0;
  req.ig_steps = 6;
  std::atomic<int> done{0};
  std::atomic<bool> cancel{false};
  RunControl ctl{&cancel, &done};
  inspect_sentence(b, req, &ctl);
  EXPECT_EQ(done.load(), inspect_step_count(b, req));
  EXPECT_STREQ(inspect_stage_name(req, 0), "forward");
  EXPECT_STREQ(inspect_stage_name(req, 2), "gradients");
  EXPECT_STREQ(inspect_stage_name(req, 3), "integrated gradients");
  EXPECT_STREQ(inspect_stage_name(req, done.load()), "done");
  // Cancelled before the start, and from the forward callback (between stages).
  cancel = true;
  EXPECT_THROW(inspect_sentence(b, req, &ctl), RunCancelled);
  cancel = false;
  req.on_forward_done = [&](const Inspection&) { cancel = true; };
  EXPECT_THROW(inspect_sentence(b, req, &ctl), RunCancelled);
  // The bundle still works afterwards.
  cancel = false;
  req.on_forward_done = nullptr;
  EXPECT_NO_THROW(inspect_sentence(b, req, &ctl));
  EXPECT_TRUE(b.model.att_alpha.empty());
}

TEST(ModelSession, BadInput) {
  ModelBundle& b = shipped();
  auto inspect = [&](const std::string& text, int pos = -1, int tok = -1) {
    InspectRequest r;
    r.text = text;
    r.target_position = pos;
    r.target_token = tok;
    inspect_sentence(b, r);
  };
  expect_error([&] { inspect(""); }, "text", "is empty");
  expect_error([&] { inspect("   \n"); }, "text", "is empty");
  std::string longer;
  for (int i = 0; i < 70; ++i) longer += "cat ";
  expect_error([&] { inspect(longer); }, "text", "has 70 tokens; the model 'words-2l4h' takes at most 64");
  expect_error([&] { inspect("the cat", 2); }, "target position", "between 0 and 1");
  expect_error([&] { inspect("the cat", -1, 80); }, "target", "not in the vocabulary");
  expect_error([&] { token_id_for_text(b, "zebra"); }, "target", "'zebra' is not in the vocabulary");
  expect_error([&] { token_id_for_text(b, "the cat"); }, "target", "is 2 tokens");
  expect_error([&] { token_id_for_text(b, ""); }, "target", "is empty");
  expect_error([&] { load_model_bundle("/nonexistent/model"); }, "model", "is not a folder");
  expect_error([&] { load_model_bundle(std::string(ATTNSCOPE_FIXTURES)); }, "model", "has no config.json");
  EXPECT_EQ(token_id_for_text(b, "cat"), 14);
}

}  // namespace
}  // namespace attn
