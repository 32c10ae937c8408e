#include "engine/sandbox/presets.h"

#include "engine/core/error.h"

namespace attn {

AttentionCase default_example() {
  AttentionCase cs;
  cs.query_tokens = {"the", "cat", "sat", "on", "the", "mat"};
  cs.key_tokens = cs.query_tokens;
  AttentionConfig& c = cs.config;
  c.mode = AttnMode::Direct;
  c.N = c.M = 6;
  c.H = 2;
  c.dk = c.dv = 6;
  MaskPart causal;
  causal.kind = MaskKind::Causal;
  c.mask.parts.push_back(causal);
  const int n = 6;
  // Head 0, previous token: q_i = 3 e_i, k_j = 3 e_{j+1}, so q_i . k_j = 9 exactly when j = i - 1.
  MatRM Q0 = MatRM::Zero(n, n), K0 = MatRM::Zero(n, n);
  for (int i = 0; i < n; ++i) {
    Q0(i, i) = 3.f;
    if (i + 1 < n) K0(i, i + 1) = 3.f;
  }
  // Head 1, nouns: every query asks "are you a noun?" (feature 0); cat and mat answer yes.
  // Feature 1 gives each token a little self-attention so row 0 is not left alone.
  MatRM Q1 = MatRM::Zero(n, n), K1 = MatRM::Zero(n, n);
  const bool noun[] = {false, true, false, false, false, true};
  for (int i = 0; i < n; ++i) {
    Q1(i, 0) = 2.f;
    K1(i, 0) = noun[i] ? 2.5f : 0.f;
    Q1(i, 1) = 1.f;
    K1(i, 1) = 0.5f;
  }
  const MatRM V = MatRM::Identity(n, n);  // O_h = A_h: a row of O is where the query looked
  cs.tensors.Q = {Q0, Q1};
  cs.tensors.K = {K0, K1};
  cs.tensors.V = {V, V};
  // Loss: make "mat" (row 5) attend to "cat" (key 1) in head 0 -- what sat on the mat?
  cs.loss.kind = LossKind::CrossEntropy;
  cs.loss.rows = {5};
  cs.loss.heads = {0};
  cs.loss.target_rows = MatRM::Zero(1, n);
  cs.loss.target_rows(0, 1) = 1.f;
  return cs;
}

AttentionCase article_example() {
  AttentionCase cs;
  cs.query_tokens = {"q=2"};
  cs.key_tokens = {"k=1", "k=2", "k=3"};
  AttentionConfig& c = cs.config;
  c.mode = AttnMode::Direct;
  c.N = 1;
  c.M = 3;
  c.H = 1;
  c.dk = c.dv = 1;
  c.scale_mode = ScaleMode::One;
  MatRM Q(1, 1), K(3, 1);
  Q << 2.f;
  K << 1.f, 2.f, 3.f;
  cs.tensors.Q = {Q};
  cs.tensors.K = {K};
  cs.tensors.V = {K};
  return cs;
}

namespace {

AttentionCase direct_case(const std::vector<std::string>& tokens, int H, int dk, int dv, bool causal) {
  AttentionCase cs;
  cs.query_tokens = tokens;
  cs.key_tokens = tokens;
  AttentionConfig& c = cs.config;
  c.mode = AttnMode::Direct;
  c.N = c.M = int(tokens.size());
  c.H = H;
  c.dk = dk;
  c.dv = dv;
  if (causal) {
    MaskPart p;
    p.kind = MaskKind::Causal;
    c.mask.parts.push_back(p);
  }
  return cs;
}

}  // namespace

// Previous token: q_i = 4 e_i, k_j = 4 e_{j+1}: q_i . k_j = 16 only for j = i - 1.
AttentionCase previous_token_example() {
  const std::vector<std::string> toks = {"a", "b", "c", "d", "e", "f", "g", "h"};
  const int n = int(toks.size());
  AttentionCase cs = direct_case(toks, 1, n, n, true);
  MatRM Q = MatRM::Zero(n, n), K = MatRM::Zero(n, n);
  for (int i = 0; i < n; ++i) {
    Q(i, i) = 4.f;
    if (i + 1 < n) K(i, i + 1) = 4.f;
  }
  cs.tensors.Q = {Q};
  cs.tensors.K = {K};
  cs.tensors.V = {MatRM::Identity(n, n)};
  return cs;
}

// Copy (induction): "A B C D A B C D". A query looks for keys whose PREVIOUS token equals its
// own token, i.e. the token after its earlier occurrence, and V copies that token's identity, so
// O predicts the next token of the repeated half.
AttentionCase copy_example() {
  const std::vector<std::string> toks = {"A", "B", "C", "D", "A", "B", "C", "D"};
  const int n = int(toks.size()), vocab = 4;
  AttentionCase cs = direct_case(toks, 1, vocab, vocab, true);
  MatRM Q = MatRM::Zero(n, vocab), K = MatRM::Zero(n, vocab), V = MatRM::Zero(n, vocab);
  for (int i = 0; i < n; ++i) {
    const int id = i % vocab;
    Q(i, id) = 4.f;
    if (i > 0) K(i, (i - 1) % vocab) = 4.f;
    V(i, id) = 1.f;
  }
  cs.tensors.Q = {Q};
  cs.tensors.K = {K};
  cs.tensors.V = {V};
  return cs;
}

// Uniform: Q = 0 makes every logit 0, so each query spreads its weight evenly over what it sees.
AttentionCase uniform_example() {
  const std::vector<std::string> toks = {"the", "cat", "sat", "on", "the", "mat"};
  const int n = int(toks.size());
  AttentionCase cs = direct_case(toks, 1, 4, n, true);
  MatRM K(n, 4);
  for (int i = 0; i < n; ++i)
    for (int d = 0; d < 4; ++d) K(i, d) = float((i * 7 + d * 3) % 5) - 2.f;
  cs.tensors.Q = {MatRM::Zero(n, 4)};
  cs.tensors.K = {K};
  cs.tensors.V = {MatRM::Identity(n, n)};
  return cs;
}

std::vector<PresetInfo> preset_list() {
  return {{"default", "the cat sat on the mat: a previous-token head and a noun head (causal)"},
          {"article", "worked example: one query 2, keys 1, 2, 3, no scaling"},
          {"previous_token", "every token attends to the one before it"},
          {"copy", "A B C D A B C D: the second half attends to the token after its first occurrence"},
          {"uniform", "Q = 0: every query spreads its weight evenly"}};
}

AttentionCase make_preset(const std::string& name) {
  if (name == "default") return default_example();
  if (name == "article") return article_example();
  if (name == "previous_token") return previous_token_example();
  if (name == "copy") return copy_example();
  if (name == "uniform") return uniform_example();
  std::string names;
  for (const auto& p : preset_list()) names += (names.empty() ? "" : ", ") + p.name;
  throw InputError("preset", "unknown preset '" + name + "' (allowed: " + names + ")");
}

}  // namespace attn
