// The shipped models (assets/models/words-2l4h and words-4l4h, trained by `attnscope train`, see
// their TRAINING.md) have real heads: a previous-token head (mean A[i, i-1] >= 0.7 on held-out grammar text) and an
// induction head (mean attention from a repeated sequence's second copy to the token after the
// previous occurrence >= 0.5), and a held-out next-token loss below 2.6 (ln 80 = 4.38 for a
// uniform guess; the training runs' held-out losses were 2.34 and 2.2x). The syntactic probe
// (verb -> subject across an object relative clause) is measured and recorded, not required: it
// also checks that the models get the main verb's number right (>= 90% of 200 sentences).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ostream>

#include "engine/model/corpus.h"
#include "engine/model/gpt2.h"
#include "engine/model/gpt2_load.h"
#include "engine/model/head_probe.h"
#include "engine/text/tokenizer.h"

namespace attn {
namespace {

const std::string kModels = std::string(ATTNSCOPE_FIXTURES) + "/../../assets/models/";

struct Shipped {
  Gpt2 m;
  std::unique_ptr<Tokenizer> tok;
  explicit Shipped(const std::string& name) {
    const auto cfg = gpt2_load(m, kModels + name);
    tok = load_tokenizer(kModels + name, cfg, m.config.vocab_size);
    gpt2_setup(m, m.config.n_positions, Gpt2Options{false, false});
  }
};

// What each model must show. words-4l4h has no single sharp previous-token head (its best is
// about 0.27: the previous token reaches its induction heads through several layer-1 heads at
// about 0.2 each), but it has a verb -> subject head, which words-2l4h lacks.
struct ModelExpectation {
  const char* name;
  double min_previous_token;  // < 0: reported only
  double min_verb_to_subject; // < 0: reported only
};
std::ostream& operator<<(std::ostream& os, const ModelExpectation& e) { return os << e.name; }

class ShippedModel : public ::testing::TestWithParam<ModelExpectation> {};

TEST_P(ShippedModel, HasAPreviousTokenHeadAndAnInductionHead) {
  Shipped s(GetParam().name);
  const int L = s.m.config.n_layer, H = s.m.config.n_head, P = s.m.config.n_positions;
  std::vector<double> prev(L * H, 0.0), ind(L * H, 0.0);
  Rng rng(999);  // held out: training used generate_corpus(..., seed 1)
  const int n = 40;
  for (int k = 0; k < n; ++k) {
    std::string text;
    while (s.tok->encode(text).ids.size() < 50) text += corpus_example(CorpusKind::Grammar, rng) + " ";
    std::vector<int> ids = s.tok->encode(text).ids;
    ids.resize(std::min<std::size_t>(ids.size(), P));
    gpt2_forward(s.m, ids.data(), int(ids.size()));
    for (int l = 0; l < L; ++l)
      for (int h = 0; h < H; ++h) prev[l * H + h] += previous_token_score(gpt2_attention(s.m, l, h)) / n;
    // a sentence, then a random word sequence twice (without the final ".")
    const std::vector<int> rep = s.tok->encode(corpus_example(CorpusKind::Repeat, rng)).ids;
    const int half = (int(rep.size()) - 1) / 2;
    std::vector<int> seq = s.tok->encode(corpus_example(CorpusKind::Grammar, rng)).ids;
    const int p = int(seq.size());
    seq.insert(seq.end(), rep.begin(), rep.end() - 1);
    ASSERT_LE(int(seq.size()), P);
    gpt2_forward(s.m, seq.data(), int(seq.size()));
    for (int l = 0; l < L; ++l)
      for (int h = 0; h < H; ++h) ind[l * H + h] += induction_score(gpt2_attention(s.m, l, h), p, half) / n;
  }
  for (int l = 0; l < L; ++l)
    for (int h = 0; h < H; ++h)
      std::printf("%s L%d H%d previous-token %.3f induction %.3f\n", GetParam().name, l, h, prev[l * H + h], ind[l * H + h]);
  const double best_prev = *std::max_element(prev.begin(), prev.end());
  const double best_ind = *std::max_element(ind.begin(), ind.end());
  RecordProperty("previous_token", std::to_string(best_prev));
  RecordProperty("induction", std::to_string(best_ind));
  EXPECT_GE(best_ind, 0.5);
  if (GetParam().min_previous_token >= 0) {
    EXPECT_GE(best_prev, GetParam().min_previous_token);
    // The induction head sits above the previous-token head (it needs its output).
    const int prev_layer = int(std::max_element(prev.begin(), prev.end()) - prev.begin()) / H;
    const int ind_layer = int(std::max_element(ind.begin(), ind.end()) - ind.begin()) / H;
    EXPECT_LT(prev_layer, ind_layer);
  }
}

TEST_P(ShippedModel, HeldOutLossIsLow) {
  Shipped s(GetParam().name);
  const std::string text = generate_corpus(400, CorpusMix{}, 4242);
  const std::vector<int> ids = s.tok->encode(text).ids;
  const int T = s.m.config.n_positions;  // the text has about 4000 tokens: 30 windows of 128
  double total = 0;
  int windows = 0;
  for (std::size_t start = 0; start + T < ids.size() && windows < 60; start += T, ++windows) {
    const Gpt2Loss loss = Gpt2Loss::next_token();
    total += gpt2_forward(s.m, ids.data() + start, T, &loss);
  }
  const double mean = total / windows;
  RecordProperty("held_out_loss", std::to_string(mean));
  EXPECT_LT(mean, 2.6);
  // no unknown words in generated text: the vocabulary is the generator's
  for (int id : ids) EXPECT_NE(s.tok->token_text(id), "<unk>");
}

// Object relative clauses, "DET NOUN that DET NOUN2 VERB2 | MAIN-VERB ...": at the inner verb
// (the position that predicts the main verb), how much does each head attend to the subject noun,
// and does the model prefer the main verb form that agrees with the subject?
TEST_P(ShippedModel, SyntacticProbeVerbToSubject) {
  Shipped s(GetParam().name);
  const int L = s.m.config.n_layer, H = s.m.config.n_head;
  const std::vector<std::pair<std::string, std::string>> nouns = {
      {"dog", "dogs"}, {"cat", "cats"}, {"teacher", "teachers"}, {"king", "kings"}, {"fox", "foxes"}, {"child", "children"}};
  const std::vector<std::pair<std::string, std::string>> verbs = {{"sees", "see"}, {"likes", "like"}, {"chases", "chase"}};
  const std::vector<std::pair<std::string, std::string>> mains = {
      {"sleeps", "sleep"}, {"runs", "run"}, {"sings", "sing"}, {"waits", "wait"}, {"laughs", "laugh"}};
  std::vector<double> to_subject(L * H, 0.0), to_that(L * H, 0.0);
  int agree = 0, n = 0;
  Rng rng(31337);
  for (int k = 0; k < 200; ++k) {
    const bool plural = rng.next_u64() % 2, inner_plural = rng.next_u64() % 2;
    const auto& sub = nouns[rng.next_u64() % nouns.size()];
    const auto& obj = nouns[rng.next_u64() % nouns.size()];
    const auto& v = verbs[rng.next_u64() % verbs.size()];
    // optional adjectives vary the distance from the verb to the subject (4 to 6 tokens), so a
    // head that just looks a fixed distance back does not score
    const bool adj1 = rng.next_u64() % 2, adj2 = rng.next_u64() % 2;
    const std::string text = corpus_example(CorpusKind::Grammar, rng) + " the " + (adj1 ? "old " : "") +
                             (plural ? sub.second : sub.first) + " that the " + (adj2 ? "big " : "") +
                             (inner_plural ? obj.second : obj.first) + " " + (inner_plural ? v.second : v.first);
    const std::vector<int> ids = s.tok->encode(text).ids;
    const int T = int(ids.size()), that = T - 4 - int(adj2), subject = that - 1;
    gpt2_forward(s.m, ids.data(), T);
    for (int l = 0; l < L; ++l)
      for (int h = 0; h < H; ++h) {
        to_subject[l * H + h] += gpt2_attention(s.m, l, h)(T - 1, subject) / 200.0;
        to_that[l * H + h] += gpt2_attention(s.m, l, h)(T - 1, that) / 200.0;
      }
    // probability mass on the agreeing vs the other form of the intransitive main verbs
    double p_sing = 0, p_plur = 0;
    const auto logp = gpt2_logp(s.m);
    for (const auto& m : mains) {
      const Encoding a = s.tok->encode(m.first), b = s.tok->encode(m.second);
      p_sing += std::exp(double(logp(T - 1, a.ids[0])));
      p_plur += std::exp(double(logp(T - 1, b.ids[0])));
    }
    agree += (plural ? p_plur > p_sing : p_sing > p_plur);
    ++n;
  }
  const auto best = std::max_element(to_subject.begin(), to_subject.end()) - to_subject.begin();
  const auto best_that = std::max_element(to_that.begin(), to_that.end()) - to_that.begin();
  RecordProperty("verb_to_subject_best", std::to_string(to_subject[best]));
  RecordProperty("verb_to_subject_head", "L" + std::to_string(best / H) + " H" + std::to_string(best % H));
  RecordProperty("verb_to_that_best", std::to_string(to_that[best_that]));
  RecordProperty("agreement", std::to_string(agree) + "/" + std::to_string(n));
  std::printf("%s: verb->subject best %.3f (L%d H%d), verb->that best %.3f (L%d H%d), agreement %d/%d\n", GetParam().name,
              to_subject[best], int(best / H), int(best % H), to_that[best_that], int(best_that / H),
              int(best_that % H), agree, n);
  EXPECT_GE(agree, 180);
  if (GetParam().min_verb_to_subject >= 0) EXPECT_GE(to_subject[best], GetParam().min_verb_to_subject);
}

INSTANTIATE_TEST_SUITE_P(Models, ShippedModel,
                         ::testing::Values(ModelExpectation{"words-2l4h", 0.7, -1}, ModelExpectation{"words-4l4h", -1, 0.7}),
                         [](const auto& info) { return std::string(info.param.name) == "words-2l4h" ? "words_2l4h" : "words_4l4h"; });

}  // namespace
}  // namespace attn
