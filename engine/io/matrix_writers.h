// Raw data of any matrix (weights, scores, gradients) for other tools: CSV, JSON and NumPy .npy.
// Each returns the file's bytes; write them with write_file_atomic (engine/io/atomic_file.h).
// Masked cells are NaN in the matrix and come out as "nan" (CSV), null (JSON) or NaN (.npy).
#pragma once
#include <string>
#include <vector>

#include "engine/core/tensor.h"
#include "engine/io/json_matrix.h"

namespace attn {

// One number per cell, rows on lines, comma separated, no header (np.loadtxt(f, delimiter=",")
// reads it). `digits` significant digits; 9 (the default) round-trips every float32 exactly.
std::string matrix_to_csv(const MatRM& m, int digits = 9);

// NumPy .npy, format version 1.0: float32, little-endian ('<f4'), C order, shape (rows, cols),
// or (count, rows, cols) for a stack of equally shaped matrices. Bytes are bit-exact copies.
std::string matrix_to_npy(const MatRM& m);
std::string matrices_to_npy(const std::vector<MatRM>& stack);

// Reads a .npy written by matrix_to_npy (2-D '<f4', C order); InputError(field, ...) otherwise.
MatRM matrix_from_npy(const std::string& bytes, const std::string& field = "npy");

// Matrix as JSON numbers with NaN -> null (JSON has no NaN). Serves the export's .json file.
json matrix_to_json_nan_null(const MatRM& m);

}  // namespace attn
