// Legend: T rows, d features, r rotary dims. Formulas in rope.h.
#include "engine/ops/rope.h"

#include <cmath>
#include <vector>

#include "engine/core/error.h"

namespace attn {

namespace {

int rotary_dims(const RopeParams& p, long d) {
  const int r = p.rotary_dim == 0 ? int(d) : p.rotary_dim;
  require(r >= 2 && r % 2 == 0 && r <= d, "rotary_dim",
          "rope rotates pairs of features, so the rotary width must be even and in 2.." + std::to_string(d) +
              " (got " + std::to_string(r) + ")");
  return r;
}

// Column pair (a, b) rotated together for pair k.
inline void pair_cols(RopeLayout layout, int r, int k, int& a, int& b) {
  if (layout == RopeLayout::Interleaved) {
    a = 2 * k;
    b = 2 * k + 1;
  } else {
    a = k;
    b = k + r / 2;
  }
}

// y = R(sign * angle) x over rows; sign = +1 forward, -1 backward. cos/sin per (row, pair) are
// computed in double from double angles and applied in float.
void rotate(MatRM& y, const CRefM& x, int pos0, const RopeParams& p, double sign) {
  const long T = x.rows(), d = x.cols();
  const int r = rotary_dims(p, d);
  std::vector<double> theta(r / 2);
  for (int k = 0; k < r / 2; ++k) theta[k] = std::pow(p.base, -2.0 * k / r);
  y = x;
  for (long t = 0; t < T; ++t) {
    const double m = double(pos0 + t);
    for (int k = 0; k < r / 2; ++k) {
      int a, b;
      pair_cols(p.layout, r, k, a, b);
      const float c = float(std::cos(m * theta[k])), s = float(sign * std::sin(m * theta[k]));
      const float xa = x(t, a), xb = x(t, b);
      y(t, a) = xa * c - xb * s;
      y(t, b) = xa * s + xb * c;
    }
  }
}

void rotate_ref(MatRM& y, const MatRM& x, int pos0, const RopeParams& p, double sign) {
  const long T = x.rows(), d = x.cols();
  const int r = rotary_dims(p, d);
  y = x;
  for (long t = 0; t < T; ++t)
    for (int k = 0; k < r / 2; ++k) {
      const int a = p.layout == RopeLayout::Interleaved ? 2 * k : k;
      const int b = p.layout == RopeLayout::Interleaved ? 2 * k + 1 : k + r / 2;
      const double angle = sign * double(pos0 + t) * std::pow(p.base, -2.0 * k / r);
      y(t, a) = float(std::cos(angle) * x(t, a) - std::sin(angle) * x(t, b));
      y(t, b) = float(std::sin(angle) * x(t, a) + std::cos(angle) * x(t, b));
    }
}

}  // namespace

void rope_forward(MatRM& y, const CRefM& x, int pos0, const RopeParams& p) { rotate(y, x, pos0, p, +1.0); }

void rope_backward(MatRM& dx, const CRefM& dy, int pos0, const RopeParams& p) {
  // forward: y = R(angle) x, R orthogonal  =>  dx = R(angle)^T dy = R(-angle) dy
  rotate(dx, dy, pos0, p, -1.0);
}

void rope_forward_ref(MatRM& y, const MatRM& x, int pos0, const RopeParams& p) { rotate_ref(y, x, pos0, p, +1.0); }

void rope_backward_ref(MatRM& dx, const MatRM& dy, int pos0, const RopeParams& p) {
  rotate_ref(dx, dy, pos0, p, -1.0);
}

void rope_angles(MatRMd& angles, int pos0, int T, int r, double base) {
  angles.resize(T, r / 2);
  for (int t = 0; t < T; ++t)
    for (int k = 0; k < r / 2; ++k) angles(t, k) = double(pos0 + t) * std::pow(base, -2.0 * k / r);
}

}  // namespace attn
