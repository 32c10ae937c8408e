// How a case uses its positional encoding and score function: names, the derived sizes,
// validation, the encoding tables and biases built from the configuration, and random parameters.
// The math lives in engine/ops/ (positional_absolute, rope, relative_bias, shaw, scores).
// Legend: N queries, M keys, H heads, D model width, dk, dv, d_p encoding width.
//
// Positions: query i sits at offset + i + M - N, key j at offset + j (the masks' bottom-right
// alignment; for self-attention both are offset + index).
#pragma once
#include <cstdint>
#include <string>

#include "engine/ops/relative_bias.h"
#include "engine/ops/rope.h"
#include "engine/sandbox/case.h"

namespace attn {

const char* pos_kind_name(PosKind k);
const char* pos_combine_name(PosCombine c);
const char* rope_layout_name(RopeLayout l);
const char* score_kind_name(ScoreKind k);
// Throw InputError(field, "unknown value 'x' (allowed: ...)").
PosKind pos_kind_from_name(const std::string& s, const std::string& field = "config.positional.kind");
PosCombine pos_combine_from_name(const std::string& s, const std::string& field = "config.positional.combine");
RopeLayout rope_layout_from_name(const std::string& s, const std::string& field = "config.positional.layout");
ScoreKind score_kind_from_name(const std::string& s, const std::string& field = "config.score.kind");

// sinusoidal, sinusoidal_t2t, geometric, learned: a table P added to / concatenated with X.
bool pos_is_absolute(PosKind k);
// The width d_p of P: D when added, positional.dim (default D) when concatenated.
int pe_width(const AttentionConfig& c);
// Rows of Wq, Wk, Wv in projection mode: D, or D + d_p when an absolute encoding is concatenated.
int projection_input_width(const AttentionConfig& c);
// First query position (offset + M - N) and first key position (offset).
int query_pos0(const AttentionConfig& c);
int key_pos0(const AttentionConfig& c);
// Hidden width da of the additive score (score.dim, default dk).
int score_hidden_width(const AttentionConfig& c);

RopeParams rope_params(const AttentionConfig& c);  // rotary_dim = floor(rotary_fraction * dk)
T5Params t5_params(const PositionalConfig& p);

// The absolute table for `count` positions starting at pos0: (count, d). Throws InputError for an
// odd d or a position outside a learned table.
void absolute_pe_table(MatRM& P, const PositionalConfig& p, int d, int pos0, int count, const MatRM& learned);

// Head h's logit bias from the encoding (alibi, t5): (N, M). Left empty for the other kinds.
void positional_bias(MatRM& B, const AttentionConfig& c, const AttentionTensors& t, int h);

// Checks the positional and score settings and their tensors; throws InputError naming the field
// and what is allowed. Called by validate_case.
void validate_positional_and_score(const AttentionCase& cs);

// Fills the parameters the configuration needs and the case lacks (learned table, T5 table, Shaw
// vectors, score weights) with seeded N(0, std^2) numbers (weights: std / sqrt(fan_in)); when an
// encoding is concatenated in projection mode, redraws Wq, Wk, Wv with D + d_p rows. Uses its own
// random stream, so the tensors init_random_tensors drew do not change.
void init_random_positional_and_score(AttentionCase& cs, uint64_t seed, float std);

}  // namespace attn
