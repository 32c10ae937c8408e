// Eigen aliases used across the engine. One token = one row (row-major).
// Legend: N queries, M keys, H heads, D model width, dk key/query width, dv value width.
#pragma once
#include <Eigen/Core>
#include <cstdint>
#include <vector>

namespace attn {

using MatRM = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MatRMd = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MapRM = Eigen::Map<MatRM>;
using CMapRM = Eigen::Map<const MatRM>;
using RowVec = Eigen::Matrix<float, 1, Eigen::Dynamic>;
// Boolean matrix, 1 = the query may attend to the key ("allowed"), 0 = masked.
using MaskM = Eigen::Matrix<uint8_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
// A head's slice of a wider row-major matrix (e.g. columns h*dv .. h*dv+dv-1 of O): a strided view.
using HeadView = Eigen::Map<MatRM, 0, Eigen::OuterStride<>>;
using CHeadView = Eigen::Map<const MatRM, 0, Eigen::OuterStride<>>;

using RefM = Eigen::Ref<MatRM>;
using CRefM = Eigen::Ref<const MatRM>;

// Columns [c0, c0 + width) of a row-major matrix as a view (no copy).
inline HeadView col_block(MatRM& m, Eigen::Index c0, Eigen::Index width) {
  return HeadView(m.data() + c0, m.rows(), width, Eigen::OuterStride<>(m.cols()));
}
inline CHeadView col_block(const MatRM& m, Eigen::Index c0, Eigen::Index width) {
  return CHeadView(m.data() + c0, m.rows(), width, Eigen::OuterStride<>(m.cols()));
}

}  // namespace attn
