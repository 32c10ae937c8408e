#include "engine/io/matrix_writers.h"

#include <cmath>
#include <cstdio>
#include <cstring>

#include "engine/core/error.h"

namespace attn {

std::string matrix_to_csv(const MatRM& m, int digits) {
  std::string out;
  out.reserve(size_t(m.size()) * 12);
  char buf[48];
  for (long i = 0; i < m.rows(); ++i) {
    for (long j = 0; j < m.cols(); ++j) {
      if (j) out += ',';
      const float v = m(i, j);
      if (std::isnan(v))
        out += "nan";
      else if (std::isinf(v))
        out += v > 0 ? "inf" : "-inf";
      else {
        std::snprintf(buf, sizeof buf, "%.*g", digits, double(v));
        out += buf;
      }
    }
    out += '\n';
  }
  return out;
}

namespace {

bool little_endian_host() {
  const uint16_t one = 1;
  unsigned char b;
  std::memcpy(&b, &one, 1);
  return b == 1;
}

// The magic, version 1.0, a little-endian uint16 header length, then a Python dict literal padded
// with spaces and ended by '\n' so that the data starts at a multiple of 64 bytes.
std::string npy_header(const std::string& shape) {
  std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
  const size_t fixed = 10;  // magic (6) + version (2) + header length (2)
  size_t total = fixed + dict.size() + 1;
  const size_t padded = (total + 63) / 64 * 64;
  dict.append(padded - total, ' ');
  dict += '\n';
  std::string out("\x93NUMPY\x01\x00", 8);
  const uint16_t len = uint16_t(dict.size());
  out += char(len & 0xff);
  out += char(len >> 8);
  return out + dict;
}

void append_floats(std::string& out, const float* p, size_t n) {
  const size_t at = out.size();
  out.resize(at + 4 * n);
  if (little_endian_host()) {
    std::memcpy(&out[at], p, 4 * n);
    return;
  }
  for (size_t k = 0; k < n; ++k) {
    uint32_t u;
    std::memcpy(&u, p + k, 4);
    for (int b = 0; b < 4; ++b) out[at + 4 * k + b] = char((u >> (8 * b)) & 0xff);
  }
}

}  // namespace

std::string matrix_to_npy(const MatRM& m) {
  std::string out = npy_header("(" + std::to_string(m.rows()) + ", " + std::to_string(m.cols()) + ")");
  append_floats(out, m.data(), size_t(m.size()));
  return out;
}

std::string matrices_to_npy(const std::vector<MatRM>& stack) {
  const long rows = stack.empty() ? 0 : stack[0].rows(), cols = stack.empty() ? 0 : stack[0].cols();
  for (const MatRM& m : stack)
    require(m.rows() == rows && m.cols() == cols, "npy",
            "a stack needs equally shaped matrices: " + shape_str(m.rows(), m.cols()) + " vs " + shape_str(rows, cols));
  std::string out = npy_header("(" + std::to_string(stack.size()) + ", " + std::to_string(rows) + ", " +
                               std::to_string(cols) + ")");
  for (const MatRM& m : stack) append_floats(out, m.data(), size_t(m.size()));
  return out;
}

MatRM matrix_from_npy(const std::string& bytes, const std::string& field) {
  require(bytes.size() >= 10 && bytes.compare(0, 6, "\x93NUMPY") == 0, field, "not a .npy file");
  require(bytes[6] == 1, field, "only .npy format version 1.x is read");
  const size_t hlen = size_t((unsigned char)bytes[8]) | size_t((unsigned char)bytes[9]) << 8;
  require(bytes.size() >= 10 + hlen, field, "truncated .npy header");
  const std::string header = bytes.substr(10, hlen);
  require(header.find("'descr': '<f4'") != std::string::npos, field, "expected float32 little-endian ('<f4')");
  require(header.find("'fortran_order': False") != std::string::npos, field, "expected C order");
  long rows = 0, cols = 0;
  const size_t sp = header.find("'shape': (");
  require(sp != std::string::npos && std::sscanf(header.c_str() + sp, "'shape': (%ld, %ld)", &rows, &cols) == 2,
          field, "expected a 2-D shape");
  const size_t need = size_t(rows) * size_t(cols) * 4;
  require(bytes.size() == 10 + hlen + need, field, "data size does not match the shape " + shape_str(rows, cols));
  MatRM m(rows, cols);
  const unsigned char* p = reinterpret_cast<const unsigned char*>(bytes.data()) + 10 + hlen;
  for (long k = 0; k < m.size(); ++k) {
    const uint32_t u = uint32_t(p[4 * k]) | uint32_t(p[4 * k + 1]) << 8 | uint32_t(p[4 * k + 2]) << 16 |
                       uint32_t(p[4 * k + 3]) << 24;
    std::memcpy(m.data() + k, &u, 4);
  }
  return m;
}

json matrix_to_json_nan_null(const MatRM& m) {
  json rows = json::array();
  for (long i = 0; i < m.rows(); ++i) {
    json row = json::array();
    for (long j = 0; j < m.cols(); ++j) {
      const float v = m(i, j);
      if (std::isfinite(v))
        row.push_back(v);
      else
        row.push_back(nullptr);
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace attn
