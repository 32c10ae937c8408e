// Matrices as JSON: an array of rows, each an array of numbers. JSON has no -inf or NaN, so
// cells a mask hides are written as null (when a mask is given).
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/core/tensor.h"

namespace attn {

using json = nlohmann::json;

json matrix_to_json(const MatRM& m, const MaskM* hide = nullptr);  // hide(i,j)==0 -> null
json rowvec_to_json(const RowVec& v);
json mask_to_json(const MaskM& m);

// Parsing with messages that name the field: "X: row 2 has 3 numbers, expected 4".
MatRM matrix_from_json(const json& j, const std::string& field);
RowVec rowvec_from_json(const json& j, const std::string& field);
std::vector<MatRM> matrices_from_json(const json& j, const std::string& field);  // one per head
std::vector<RowVec> rowvecs_from_json(const json& j, const std::string& field);
MaskM mask_from_json(const json& j, const std::string& field);

}  // namespace attn
