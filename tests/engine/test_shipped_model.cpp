// The shipped model (assets/models/words-2l4h, trained by `attnscope train`, see its TRAINING.md)
// has real heads: a previous-token head (mean A[i, i-1] >= 0.7 on held-out grammar text) and an
// induction head (mean attention from a repeated sequence's second copy to the token after the
// previous occurrence >= 0.5), and a held-out next-token loss below 2.6 (ln 80 = 4.38 for a
// uniform guess; the training run's held-out loss was 2.34).
#include <gtest/gtest.h>

#include <algorithm>

#include "engine/model/corpus.h"
#include "engine/model/gpt2.h"
#include "engine/model/gpt2_load.h"
#include "engine/model/head_probe.h"
#include "engine/text/tokenizer.h"

namespace attn {
namespace {

const std::string kModel = std::string(ATTNSCOPE_FIXTURES) + "/../../assets/models/words-2l4h";

struct Shipped {
  Gpt2 m;
  std::unique_ptr<Tokenizer> tok;
  Shipped() {
    const auto cfg = gpt2_load(m, kModel);
    tok = load_tokenizer(kModel, cfg, m.config.vocab_size);
    gpt2_setup(m, m.config.n_positions, Gpt2Options{false, false});
  }
};

TEST(ShippedModel, HasAPreviousTokenHeadAndAnInductionHead) {
  Shipped s;
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
  const double best_prev = *std::max_element(prev.begin(), prev.end());
  const double best_ind = *std::max_element(ind.begin(), ind.end());
  RecordProperty("previous_token", std::to_string(best_prev));
  RecordProperty("induction", std::to_string(best_ind));
  EXPECT_GE(best_prev, 0.7);
  EXPECT_GE(best_ind, 0.5);
  // The induction head sits above the previous-token head (it needs its output).
  const int prev_layer = int(std::max_element(prev.begin(), prev.end()) - prev.begin()) / H;
  const int ind_layer = int(std::max_element(ind.begin(), ind.end()) - ind.begin()) / H;
  EXPECT_LT(prev_layer, ind_layer);
}

TEST(ShippedModel, HeldOutLossIsLow) {
  Shipped s;
  const std::string text = generate_corpus(400, CorpusMix{}, 4242);
  const std::vector<int> ids = s.tok->encode(text).ids;
  const int T = s.m.config.n_positions;
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

}  // namespace
}  // namespace attn
