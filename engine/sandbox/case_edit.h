// Edits a user makes to a case in the sandbox, kept consistent: resizing keeps every value that
// still fits and fills new entries from a seed; tokens follow N and M; loss targets, masks and
// biases follow the shapes; a gradient step moves the editable tensors.
// Legend: N queries, M keys, H heads, D model width, dk, dv.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "engine/sandbox/case.h"
#include "engine/sandbox/multihead.h"

namespace attn {

// Splits on white space; inside a word, each CJK character (Han, kana, Hangul syllables) is its
// own token, so "我爱你" gives three tokens and "the cat" two. Invalid UTF-8 bytes stay in a token.
std::vector<std::string> split_tokens(const std::string& text);

struct CaseShape {
  int N = 0, M = 0, H = 0, D = 0, dk = 0, dv = 0;
};
CaseShape shape_of(const AttentionCase& c);

// Resizes every tensor to the new shape; values that still fit are kept, new ones are drawn
// from `seed`. Tokens are extended with "t<i>" labels (or cut), loss targets and masks follow,
// and so do the positional and score tensors (fit_positional_and_score).
// Throws InputError for sizes < 1 or above the sandbox limit (kMaxSandboxTokens).
void resize_case(AttentionCase& c, const CaseShape& s, uint64_t seed);
constexpr int kMaxSandboxTokens = 4096;
constexpr int kMaxSandboxWidth = 1024;

// Makes the positional-encoding and score tensors fit the configuration, after a change to
// config.positional, config.score or the shape. Tensors the current kinds use keep their values
// where they still fit: Shaw rows stay at their distance when the clip k changes, a learned table
// grows to the positions needed, the T5 table keeps its rows per head, and in projection mode the
// rows of Wq, Wk, Wv that multiply X stay apart from those that multiply a concatenated P.
// Tensors the kinds no longer use are dropped; missing ones are drawn from `seed`
// (init_random_positional_and_score). Settings that no parameter can fix (an odd dk for rope)
// are left for validate_case to report.
void fit_positional_and_score(AttentionCase& c, uint64_t seed);

// Sets the query tokens from text (and the key tokens too when self_attention); resizes N (M).
void set_sentence(AttentionCase& c, const std::string& text, uint64_t seed);

// Direct -> projection: new random X (and Y) and weights of matching sizes. Projection -> direct:
// the current projected Q, K, V (from `last`, which must be a result of `c`) become editable; an
// absolute encoding is then switched off, since its positions are already inside those Q, K, V.
void switch_mode(AttentionCase& c, AttnMode mode, const AttentionResult* last, uint64_t seed);

// One step of gradient descent on the editable tensors: direct mode Q, K, V; projection mode the
// weights and biases (Wq, Wk, Wv, bq, bk, bv, Wo, bo). `r` must hold gradients of `c`.
void gradient_step(AttentionCase& c, const AttentionResult& r, float learning_rate);

}  // namespace attn
