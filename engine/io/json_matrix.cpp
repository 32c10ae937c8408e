#include "engine/io/json_matrix.h"

#include "engine/core/error.h"

namespace attn {

json matrix_to_json(const MatRM& m, const MaskM* hide) {
  json rows = json::array();
  for (long i = 0; i < m.rows(); ++i) {
    json row = json::array();
    for (long j = 0; j < m.cols(); ++j) {
      if (hide && !(*hide)(i, j))
        row.push_back(nullptr);
      else
        row.push_back(m(i, j));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

json rowvec_to_json(const RowVec& v) {
  json row = json::array();
  for (long j = 0; j < v.size(); ++j) row.push_back(v(j));
  return row;
}

json mask_to_json(const MaskM& m) {
  json rows = json::array();
  for (long i = 0; i < m.rows(); ++i) {
    json row = json::array();
    for (long j = 0; j < m.cols(); ++j) row.push_back(int(m(i, j)));
    rows.push_back(std::move(row));
  }
  return rows;
}

namespace {
float number_at(const json& v, const std::string& field, long i, long j) {
  if (!v.is_number())
    throw InputError(field, "element [" + std::to_string(i) + "][" + std::to_string(j) + "] is " +
                                (v.is_null() ? std::string("null") : v.type_name()) + ", expected a finite number");
  return v.get<float>();
}
}  // namespace

MatRM matrix_from_json(const json& j, const std::string& field) {
  if (!j.is_array()) throw InputError(field, std::string("is ") + j.type_name() + ", expected an array of rows");
  const long rows = long(j.size());
  if (rows == 0) return MatRM(0, 0);
  if (!j[0].is_array()) throw InputError(field, "row 0 is not an array; a matrix is an array of rows of numbers");
  const long cols = long(j[0].size());
  MatRM m(rows, cols);
  for (long i = 0; i < rows; ++i) {
    const json& row = j[i];
    if (!row.is_array() || long(row.size()) != cols)
      throw InputError(field, "row " + std::to_string(i) + " has " +
                                  (row.is_array() ? std::to_string(row.size()) : std::string("no")) +
                                  " numbers, expected " + std::to_string(cols) + " like row 0");
    for (long c = 0; c < cols; ++c) m(i, c) = number_at(row[c], field, i, c);
  }
  return m;
}

RowVec rowvec_from_json(const json& j, const std::string& field) {
  if (!j.is_array()) throw InputError(field, std::string("is ") + j.type_name() + ", expected an array of numbers");
  RowVec v(long(j.size()));
  for (long c = 0; c < v.size(); ++c) v(c) = number_at(j[c], field, 0, c);
  return v;
}

std::vector<MatRM> matrices_from_json(const json& j, const std::string& field) {
  if (!j.is_array()) throw InputError(field, std::string("is ") + j.type_name() + ", expected one matrix per head");
  std::vector<MatRM> out;
  for (size_t h = 0; h < j.size(); ++h) out.push_back(matrix_from_json(j[h], field + "[" + std::to_string(h) + "]"));
  return out;
}

std::vector<RowVec> rowvecs_from_json(const json& j, const std::string& field) {
  if (!j.is_array()) throw InputError(field, std::string("is ") + j.type_name() + ", expected one vector per head");
  std::vector<RowVec> out;
  for (size_t h = 0; h < j.size(); ++h) out.push_back(rowvec_from_json(j[h], field + "[" + std::to_string(h) + "]"));
  return out;
}

MaskM mask_from_json(const json& j, const std::string& field) {
  MatRM m = matrix_from_json(j, field);
  MaskM out(m.rows(), m.cols());
  for (long i = 0; i < m.rows(); ++i)
    for (long c = 0; c < m.cols(); ++c) {
      if (m(i, c) != 0.f && m(i, c) != 1.f)
        throw InputError(field, "element [" + std::to_string(i) + "][" + std::to_string(c) + "] must be 0 (masked) or 1 (allowed)");
      out(i, c) = m(i, c) != 0.f;
    }
  return out;
}

}  // namespace attn
