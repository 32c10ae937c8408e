// Sandbox edits (engine/sandbox/case_edit.h) as a GUI user makes them: typed text becomes tokens
// (words, and one token per CJK character); resizing keeps every value that still fits; and the
// positional-encoding and score tensors follow every resize and every change of kind, so the
// case still computes and the parameters the user already had are not redrawn.
// Legend: N queries, M keys, H heads, D model width, dk, dv, d_p encoding width.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/core/error.h"
#include "engine/io/case_json.h"
#include "engine/sandbox/case_edit.h"
#include "engine/sandbox/multihead.h"
#include "engine/sandbox/positional.h"

namespace attn {
namespace {

using Tokens = std::vector<std::string>;

TEST(SplitTokens, LatinWordsOnWhiteSpace) {
  EXPECT_EQ(split_tokens("the cat  sat"), (Tokens{"the", "cat", "sat"}));
  EXPECT_EQ(split_tokens("  tabs\tand\nlines\r\n"), (Tokens{"tabs", "and", "lines"}));
  EXPECT_EQ(split_tokens("naïve café, déjà-vu"), (Tokens{"naïve", "café,", "déjà-vu"}));
  EXPECT_EQ(split_tokens("a\u00A0b"), (Tokens{"a", "b"}));  // no-break space is white space (Zs)
  EXPECT_TRUE(split_tokens("").empty());
  EXPECT_TRUE(split_tokens(" \t ").empty());
}

TEST(SplitTokens, EachCjkCharacterIsAToken) {
  EXPECT_EQ(split_tokens("我爱你"), (Tokens{"我", "爱", "你"}));
  EXPECT_EQ(split_tokens("東京タワー"), (Tokens{"東", "京", "タ", "ワ", "ー"}));
  EXPECT_EQ(split_tokens("한국어"), (Tokens{"한", "국", "어"}));
  // Mixed text: Latin words stay whole, CJK characters split, punctuation after CJK is its own token.
  EXPECT_EQ(split_tokens("I love 東京!"), (Tokens{"I", "love", "東", "京", "!"}));
  EXPECT_EQ(split_tokens("GPT模型works"), (Tokens{"GPT", "模", "型", "works"}));
  // Beyond the BMP (CJK extension B) is still one token per character.
  EXPECT_EQ(split_tokens("\U00020000\U00020001"), (Tokens{"\U00020000", "\U00020001"}));
}

TEST(SplitTokens, InvalidUtf8StaysInsideAToken) {
  const Tokens t = split_tokens("ab\xff" "cd ef");
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0], "ab\xff" "cd");
  EXPECT_EQ(t[1], "ef");
}

AttentionCase case_of(const std::string& config, const std::string& inputs = R"({"random": {"seed": 3}})") {
  return case_from_text(R"({"config": )" + config + R"(, "inputs": )" + inputs + "}", "test");
}

// The block of `now` that overlaps `before` equals it.
void expect_kept(const MatRM& now, const MatRM& before, const std::string& what) {
  const long r = std::min(now.rows(), before.rows()), c = std::min(now.cols(), before.cols());
  ASSERT_GT(r * c, 0) << what;
  EXPECT_TRUE(now.topLeftCorner(r, c) == before.topLeftCorner(r, c)) << what << " lost values on resize";
}

void expect_computes(const AttentionCase& c, const std::string& what) {
  try {
    validate_case(c);
    const AttentionResult r = run_attention(c, true);
    EXPECT_EQ(int(r.heads.size()), c.config.H) << what;
  } catch (const InputError& e) {
    ADD_FAILURE() << what << ": " << e.what();
  }
}

TEST(ResizeCase, DirectModeKeepsValuesAndTokens) {
  AttentionCase c = case_of(R"({"mode": "direct", "H": 2, "N": 3, "dk": 4, "dv": 2, "mask": "causal"})");
  c.query_tokens = c.key_tokens = {"a", "b", "c"};
  const AttentionCase before = c;
  CaseShape s = shape_of(c);
  s.N = s.M = 5;
  s.H = 3;
  s.dk = 6;
  resize_case(c, s, 9);
  expect_computes(c, "grown");
  ASSERT_EQ(c.tensors.Q.size(), 3u);
  for (int h = 0; h < 2; ++h) {
    expect_kept(c.tensors.Q[h], before.tensors.Q[h], "Q");
    expect_kept(c.tensors.K[h], before.tensors.K[h], "K");
    expect_kept(c.tensors.V[h], before.tensors.V[h], "V");
  }
  EXPECT_EQ(c.tensors.Q[0].rows(), 5);
  EXPECT_EQ(c.tensors.Q[0].cols(), 6);
  EXPECT_EQ(c.query_tokens, (Tokens{"a", "b", "c", "t3", "t4"}));
  // Shrinking back gives exactly the original values.
  resize_case(c, shape_of(before), 9);
  for (int h = 0; h < 2; ++h) EXPECT_TRUE(c.tensors.Q[h] == before.tensors.Q[h]);
  EXPECT_EQ(c.query_tokens, before.query_tokens);
  // Sizes outside the sandbox limits are refused with the field's name.
  s = shape_of(c);
  s.dk = 0;
  try {
    resize_case(c, s, 9);
    ADD_FAILURE() << "dk = 0 accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("dk"), std::string::npos) << e.what();
  }
}

TEST(ResizeCase, ProjectionModeKeepsEmbeddingsAndWeights) {
  AttentionCase c = case_of(R"({"mode": "projection", "H": 2, "N": 4, "D": 6, "dk": 4, "dv": 3})");
  const AttentionCase before = c;
  CaseShape s = shape_of(c);
  s.N = s.M = 6;
  s.D = 8;
  resize_case(c, s, 4);
  expect_computes(c, "projection grown");
  expect_kept(c.tensors.X, before.tensors.X, "X");
  for (int h = 0; h < 2; ++h) expect_kept(c.tensors.Wq[h], before.tensors.Wq[h], "Wq");
  EXPECT_EQ(c.tensors.Wq[0].rows(), 8);
  EXPECT_EQ(c.tensors.Wo.cols(), 8);
}

TEST(ResizeCase, LearnedTableFollowsTheShape) {
  AttentionCase c = case_of(R"({"mode": "projection", "H": 1, "N": 4, "D": 6, "dk": 4, "dv": 3,
                                "positional": {"kind": "learned", "offset": 1}})");
  const MatRM table = c.tensors.pe_table;
  ASSERT_EQ(table.rows(), 5);  // offset + M
  CaseShape s = shape_of(c);
  s.N = s.M = 9;  // needs positions 1 .. 9: the table grows, old rows kept
  resize_case(c, s, 2);
  expect_computes(c, "learned, N = 9");
  EXPECT_EQ(c.tensors.pe_table.rows(), 10);
  expect_kept(c.tensors.pe_table, table, "pe_table");
  s.D = 8;  // added: the table is as wide as X
  resize_case(c, s, 2);
  expect_computes(c, "learned, D = 8");
  EXPECT_EQ(c.tensors.pe_table.cols(), 8);
  expect_kept(c.tensors.pe_table, table, "pe_table after D");
}

TEST(ResizeCase, ConcatenatedEncodingKeepsTheRowsOfXAndOfPApart) {
  AttentionCase c = case_of(R"({"mode": "projection", "H": 2, "N": 4, "D": 6, "dk": 4, "dv": 3,
                                "positional": {"kind": "sinusoidal", "combine": "concat", "dim": 4}})");
  ASSERT_EQ(c.tensors.Wq[0].rows(), 10);  // D + d_p
  const MatRM wq = c.tensors.Wq[1];
  CaseShape s = shape_of(c);
  s.D = 8;
  resize_case(c, s, 5);
  expect_computes(c, "concat, D = 8");
  const MatRM& now = c.tensors.Wq[1];
  ASSERT_EQ(now.rows(), 12);
  EXPECT_TRUE(now.topRows(6) == wq.topRows(6)) << "rows for X moved";
  EXPECT_TRUE(now.bottomRows(4) == wq.bottomRows(4)) << "rows for P moved";
  // Add instead of concat: the P rows go, the X rows stay.
  c.config.positional.combine = PosCombine::Add;
  c.config.positional.dim = 0;
  fit_positional_and_score(c, 5);
  expect_computes(c, "add");
  ASSERT_EQ(c.tensors.Wq[1].rows(), 8);
  EXPECT_TRUE(c.tensors.Wq[1].topRows(6) == wq.topRows(6));
}

TEST(ResizeCase, RelativeTablesFollowHeadsAndWidths) {
  AttentionCase t5 = case_of(R"({"mode": "direct", "H": 2, "N": 4, "dk": 4, "dv": 3, "positional": "t5"})");
  const MatRM table = t5.tensors.t5_table;
  CaseShape s = shape_of(t5);
  s.H = 3;
  resize_case(t5, s, 1);
  expect_computes(t5, "t5, H = 3");
  EXPECT_EQ(t5.tensors.t5_table.rows(), 3);
  EXPECT_TRUE(t5.tensors.t5_table.topRows(2) == table) << "T5 rows of the old heads changed";

  AttentionCase shaw = case_of(R"({"mode": "direct", "H": 2, "N": 4, "dk": 4, "dv": 3,
                                   "positional": {"kind": "shaw", "clip": 2}})");
  const MatRM aK = shaw.tensors.shaw_aK[0];
  s = shape_of(shaw);
  s.H = 4;
  s.dk = 6;
  s.dv = 2;
  resize_case(shaw, s, 1);
  expect_computes(shaw, "shaw, H = 4, dk = 6, dv = 2");
  ASSERT_EQ(shaw.tensors.shaw_aK.size(), 4u);
  EXPECT_EQ(shaw.tensors.shaw_aK[0].cols(), 6);
  EXPECT_EQ(shaw.tensors.shaw_aV[3].cols(), 2);
  expect_kept(shaw.tensors.shaw_aK[0], aK, "aK");
  // A larger clip k keeps each row at its distance: distance d was row d + 2, now row d + 5.
  shaw.config.positional.clip = 5;
  fit_positional_and_score(shaw, 1);
  expect_computes(shaw, "shaw, clip 5");
  ASSERT_EQ(shaw.tensors.shaw_aK[0].rows(), 11);
  for (int d = -2; d <= 2; ++d)
    EXPECT_TRUE(shaw.tensors.shaw_aK[0].row(d + 5).head(4) == aK.row(d + 2)) << "distance " << d;
}

TEST(ResizeCase, ScoreWeightsFollowDk) {
  AttentionCase g = case_of(R"({"mode": "direct", "H": 2, "N": 3, "dk": 4, "dv": 3, "score": "general"})");
  const MatRM W = g.tensors.W_score[1];
  CaseShape s = shape_of(g);
  s.dk = 5;
  resize_case(g, s, 8);
  expect_computes(g, "general, dk = 5");
  EXPECT_EQ(g.tensors.W_score[1].rows(), 5);
  expect_kept(g.tensors.W_score[1], W, "W_score");

  AttentionCase a = case_of(R"({"mode": "direct", "H": 1, "N": 3, "dk": 4, "dv": 3,
                                "score": {"kind": "additive", "dim": 7}})");
  s = shape_of(a);
  s.dk = 2;
  resize_case(a, s, 8);
  expect_computes(a, "additive, dk = 2");
  EXPECT_EQ(a.tensors.Wq_score[0].rows(), 2);
  EXPECT_EQ(a.tensors.Wq_score[0].cols(), 7);  // the hidden width the user chose stays
  a.config.score.dim = 0;                        // 0 = dk
  fit_positional_and_score(a, 8);
  expect_computes(a, "additive, da = dk");
  EXPECT_EQ(a.tensors.v_score[0].cols(), 2);
}

TEST(FitPositional, ChangingKindFillsWhatIsMissingAndDropsTheRest) {
  AttentionCase c = case_of(R"({"mode": "direct", "H": 2, "N": 4, "dk": 4, "dv": 3})");
  const std::vector<MatRM> Q = c.tensors.Q;
  for (PosKind k : {PosKind::Rope, PosKind::Alibi, PosKind::T5, PosKind::Shaw, PosKind::None}) {
    c.config.positional.kind = k;
    fit_positional_and_score(c, 3);
    expect_computes(c, pos_kind_name(k));
    EXPECT_EQ(c.tensors.t5_table.size() > 0, k == PosKind::T5) << pos_kind_name(k);
    EXPECT_EQ(!c.tensors.shaw_aK.empty(), k == PosKind::Shaw) << pos_kind_name(k);
  }
  for (ScoreKind k : {ScoreKind::Dot, ScoreKind::General, ScoreKind::Additive, ScoreKind::Cosine, ScoreKind::ScaledDot}) {
    c.config.score.kind = k;
    fit_positional_and_score(c, 3);
    expect_computes(c, score_kind_name(k));
    EXPECT_EQ(!c.tensors.W_score.empty(), k == ScoreKind::General) << score_kind_name(k);
    EXPECT_EQ(!c.tensors.v_score.empty(), k == ScoreKind::Additive) << score_kind_name(k);
  }
  // The user's Q never changes through any of this.
  for (int h = 0; h < 2; ++h) EXPECT_TRUE(c.tensors.Q[h] == Q[h]);
}

TEST(SwitchMode, DirectModeDropsAnAbsoluteEncodingWhosePositionsAreInQK) {
  AttentionCase c = case_of(R"({"mode": "projection", "H": 1, "N": 4, "D": 6, "dk": 4, "dv": 3,
                                "positional": "sinusoidal"})");
  const AttentionResult r = run_attention(c, false);
  switch_mode(c, AttnMode::Direct, &r, 1);
  EXPECT_EQ(c.config.positional.kind, PosKind::None);
  expect_computes(c, "direct after sinusoidal");
  // The weights equal the projection mode's: the positions are inside the projected Q, K.
  const AttentionResult d = run_attention(c, false);
  EXPECT_TRUE(d.heads[0].cache.A.isApprox(r.heads[0].cache.A, 1e-6f));
}

}  // namespace
}  // namespace attn
