// Helpers for the model, file-format and tokenizer tests: central finite differences, random
// buffers, fixture paths and temporary folders.
#pragma once
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "engine/sandbox/init.h"

namespace attn {

inline std::vector<float> random_vec(std::size_t n, Rng& rng, float std = 1.f, float mean = 0.f) {
  std::vector<float> v(n);
  for (float& x : v) x = mean + std * rng.normal();
  return v;
}

// Central differences of loss() with respect to x[k] for every k (or every `stride`-th), compared
// with grad[k]: |fd - grad| <= atol + rtol * |fd|. loss() is evaluated in double from float outputs.
inline void fd_check(float* x, std::size_t n, const float* grad, const std::function<double()>& loss,
                     const std::string& what, double h = 1e-3, double atol = 1e-3, double rtol = 1e-2,
                     std::size_t stride = 1) {
  int bad = 0;
  for (std::size_t k = 0; k < n; k += stride) {
    const float keep = x[k];
    x[k] = float(keep + h);
    const double up = loss();
    x[k] = float(keep - h);
    const double down = loss();
    x[k] = keep;
    const double fd = (up - down) / (2 * h);
    if (!(std::abs(fd - grad[k]) <= atol + rtol * std::abs(fd)))
      if (++bad <= 5) ADD_FAILURE() << what << "[" << k << "]: analytic " << grad[k] << ", finite difference " << fd;
  }
  EXPECT_EQ(bad, 0) << what;
}

inline double dot(const float* a, const float* b, std::size_t n) {
  double s = 0.0;
  for (std::size_t i = 0; i < n; ++i) s += double(a[i]) * b[i];
  return s;
}

inline std::string fixture(const std::string& rel) { return std::string(ATTNSCOPE_FIXTURES) + "/" + rel; }

inline std::string slurp_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void write_file(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary) << data;
}

// A temporary folder removed at the end of the test.
class TmpDir {
 public:
  TmpDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "attnscope-model-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TmpDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string str() const { return path_.string(); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace attn
