// The case JSON format (schema_version 1), read by `attnscope compute` and written by the GUI.
// The README documents every field; in short:
//   { "schema_version": 1,
//     "config": { "mode": "direct"|"projection", "H": 2, "N"/"M"/"D"/"dk"/"dv" (inferred from the
//                 tensors when absent), "self_attention": true, "scale": "inv_sqrt_dk"|"inv_dk"|
//                 "one"|<number>, "tau": 1, "normalize": "keys"|"queries",
//                 "mask": {"kind": ...} or [ {...}, ... ] },
//     "tokens": [...] or {"queries": [...], "keys": [...]},
//     "inputs": { "Q","K","V": per head (direct) | "X","Y","Wq","Wk","Wv","bq","bk","bv","Wo","bo"
//                 (projection) | "bias": per head (N x M) | "random": {"seed": 1, "std": 1} },
//     "loss": {"kind": "none"|"mse"|"cross_entropy"|"cell", ...} }
#pragma once
#include <string>

#include "engine/io/json_matrix.h"
#include "engine/sandbox/case.h"

namespace attn {

constexpr int kSchemaVersion = 1;

// Parses and validates. Throws InputError naming the field for anything wrong.
AttentionCase case_from_json(const json& j);
AttentionCase case_from_text(const std::string& text, const std::string& source = "input");
json case_to_json(const AttentionCase& c);

json mask_spec_to_json(const MaskSpec& spec);
MaskSpec mask_spec_from_json(const json& j);

}  // namespace attn
