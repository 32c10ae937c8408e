// The result JSON of `attnscope compute` (schema_version 1): every forward intermediate per head
// and every gradient. Layout (README has an example):
//   { "schema_version": 1, "kind": "attention_result", "config": {...}, "scale": s,
//     "tokens": {...}, "mask": N x M of 0/1,
//     "heads": [ { "head": h, "Q", "K", "V", "scores_raw" (Q K^T), "scores" (s Q K^T),
//                  "bias" (when present), "logits" (s Q K^T + B, masked cells null),
//                  "weights" (A), "output" (O_h),
//                  "grad": { "dQ", "dK", "dV", "dA", "dS" (w.r.t. the logits), "dWq", ... } } ],
//     "output": O (N x H*dv), "Z": (projection),
//     "loss": {"kind", "value"}, "grad": {"dZ", "dO", "dX", "dY", "dWo", "dbo", "dtau", "dscale"} }
// With a positional encoding or another score function (README: "Positional encodings and score
// functions"), heads also carry "rope_Q", "rope_K", "shaw_scores", "bias" (inputs.bias + ALiBi/T5),
// "pe_terms" {"cc", "cp", "pc", "pp"} and grads "dW_score", "dWq_score", "dWk_score", "dv_score",
// "dshaw_aK", "dshaw_aV"; the top level carries "positional" {"kind", "pe", "pe_keys",
// "alibi_slopes", "t5_buckets", "shaw_distance", "rotary_dim", ...} and grads "dpe_table", "dt5_table".
#pragma once
#include "engine/io/json_matrix.h"
#include "engine/sandbox/multihead.h"

namespace attn {

json result_to_json(const AttentionCase& c, const AttentionResult& r);

}  // namespace attn
