// JSON of the positional encoding and the score function: the "config.positional" and
// "config.score" objects of a case, and their tensors in "inputs" (README: "Positional encodings
// and score functions"). Used by case_json.cpp.
//   "positional": "rope" | {"kind": "none"|"sinusoidal"|"sinusoidal_t2t"|"geometric"|"learned"|
//                  "rope"|"alibi"|"t5"|"shaw", "base", "combine": "add"|"concat", "dim", "offset",
//                  "max_len", "layout": "interleaved"|"rotate_half", "rotary_fraction",
//                  "bidirectional", "num_buckets", "max_distance", "clip"}
//   "score": "cosine" | {"kind": "scaled_dot"|"dot"|"general"|"additive"|"cosine", "dim"}
//   inputs: "pe_table", "t5_table", "shaw_aK", "shaw_aV", "W_score", "Wq_score", "Wk_score", "v_score"
#pragma once
#include "engine/io/json_matrix.h"
#include "engine/sandbox/case.h"

namespace attn {

// Unknown keys are errors naming the key and listing the allowed ones.
PositionalConfig positional_from_json(const json& j);
json positional_to_json(const PositionalConfig& p);
ScoreConfig score_from_json(const json& j);
json score_to_json(const ScoreConfig& s);

// Reads the positional and score tensors present in `in` into t.
void positional_inputs_from_json(AttentionTensors& t, const json& in);
// Writes the tensors the configuration uses into `in`.
void positional_inputs_to_json(json& in, const AttentionCase& cs);

// Sizes left out of the config that the tensors tell: the concatenated encoding's width from
// pe_table, the additive score's hidden width from Wq_score.
void infer_positional_dims(AttentionCase& cs, const json& cfg);

}  // namespace attn
