// Legend: N positions, d encoding width. Formulas in positional_absolute.h.
#include "engine/ops/positional_absolute.h"

#include <cmath>
#include <vector>

#include "engine/core/error.h"

namespace attn {

namespace {

void require_even(int d, const char* what) {
  require(d >= 2 && d % 2 == 0, "d",
          std::string(what) + " pairs a sine with a cosine, so the width d must be even and >= 2 (got " +
              std::to_string(d) + ")");
}

// inv_freq[k] = base^(-2k/d), k = 0 .. d/2-1
std::vector<double> inverse_frequencies(int d, double base) {
  std::vector<double> f(d / 2);
  for (int k = 0; k < d / 2; ++k) f[k] = std::pow(base, -2.0 * k / d);
  return f;
}

}  // namespace

void pe_sinusoidal_forward(MatRM& P, int pos0, int N, int d, double base) {
  require_even(d, "sinusoidal");
  const std::vector<double> f = inverse_frequencies(d, base);
  P.resize(N, d);
  for (int i = 0; i < N; ++i) {
    const double p = double(pos0 + i);
    for (int k = 0; k < d / 2; ++k) {
      P(i, 2 * k) = float(std::sin(p * f[k]));
      P(i, 2 * k + 1) = float(std::cos(p * f[k]));
    }
  }
}

void pe_sinusoidal_t2t_forward(MatRM& P, int pos0, int N, int d, double base) {
  require_even(d, "sinusoidal_t2t");
  const std::vector<double> f = inverse_frequencies(d, base);
  const int h = d / 2;
  P.resize(N, d);
  for (int i = 0; i < N; ++i) {
    const double p = double(pos0 + i);
    for (int k = 0; k < h; ++k) {
      P(i, k) = float(std::sin(p * f[k]));
      P(i, k + h) = float(std::cos(p * f[k]));
    }
  }
}

void pe_geometric_forward(MatRM& P, int pos0, int N, int d) {
  require_even(d, "geometric");
  P.resize(N, d);
  for (int i = 0; i < N; ++i) {
    const double p = double(pos0 + i);
    for (int k = 0; k < d / 2; ++k) {
      const double a = std::ldexp(p, -k);  // p / 2^k, exact
      P(i, 2 * k) = float(std::sin(a));
      P(i, 2 * k + 1) = float(std::cos(a));
    }
  }
}

void pe_sinusoidal_ref(MatRMd& P, int pos0, int N, int d, double base) {
  require_even(d, "sinusoidal");
  P.resize(N, d);
  for (int i = 0; i < N; ++i)
    for (int c = 0; c < d; ++c) {
      const int k = c / 2;
      const double angle = (pos0 + i) / std::pow(base, 2.0 * k / d);
      P(i, c) = c % 2 == 0 ? std::sin(angle) : std::cos(angle);
    }
}

void pe_sinusoidal_t2t_ref(MatRMd& P, int pos0, int N, int d, double base) {
  require_even(d, "sinusoidal_t2t");
  P.resize(N, d);
  for (int i = 0; i < N; ++i)
    for (int c = 0; c < d; ++c) {
      const int k = c < d / 2 ? c : c - d / 2;
      const double angle = (pos0 + i) / std::pow(base, 2.0 * k / d);
      P(i, c) = c < d / 2 ? std::sin(angle) : std::cos(angle);
    }
}

void pe_geometric_ref(MatRMd& P, int pos0, int N, int d) {
  require_even(d, "geometric");
  P.resize(N, d);
  for (int i = 0; i < N; ++i)
    for (int c = 0; c < d; ++c) {
      const double angle = (pos0 + i) / std::pow(2.0, c / 2);
      P(i, c) = c % 2 == 0 ? std::sin(angle) : std::cos(angle);
    }
}

void pe_learned_forward(MatRM& P, const MatRM& table, int pos0, int N) {
  const long L = table.rows();
  const long first = pos0, last = long(pos0) + N - 1;
  require(first >= 0, "inputs.pe_table",
          "position " + std::to_string(first) + " comes before the table's first row (position 0); raise "
          "config.positional.offset");
  require(last < L, "inputs.pe_table",
          "has " + std::to_string(L) + " rows (positions 0.." + std::to_string(L - 1) + ") but position " +
              std::to_string(last) + " is needed; a learned table has no entry past its end (give at least " +
              std::to_string(last + 1) + " rows or lower config.positional.offset)");
  // P(i, :) = table(pos0 + i, :)
  P = table.middleRows(pos0, N);
}

void pe_learned_backward(MatRM& dtable, const MatRM& dP, int pos0) {
  // forward: P(i, :) = table(pos0 + i, :)
  dtable.middleRows(pos0, dP.rows()) += dP;
}

}  // namespace attn
