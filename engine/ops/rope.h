// Rotary position embedding (RoPE, Su et al.): rotate pairs of query/key features by an angle
// proportional to the position, so q_m . k_n depends on m - n only. V is never rotated.
// Legend: T rows (tokens), d features per row (the head width dk), r rotary dims (r <= d, even).
//
//   theta_k = base^(-2k / r),  k = 0 .. r/2 - 1;  angle(m, k) = m * theta_k  (m = pos0 + t)
//   pair k = (2k, 2k+1)        interleaved (RoFormer, GPT-J)
//          = (k, k + r/2)      rotate_half (GPT-NeoX, LLaMA)
//   y_a = x_a cos - x_b sin,  y_b = x_a sin + x_b cos   for each pair (a, b); dims r .. d-1 pass through
//   (partial rotary: r = floor(fraction * d), the first r dims rotate)
// Backward: the rotation is orthogonal, so dx = R(-angle) dy (rotation by minus the angle).
#pragma once
#include "engine/core/tensor.h"

namespace attn {

enum class RopeLayout { Interleaved, RotateHalf };

struct RopeParams {
  double base = 10000.0;
  int rotary_dim = 0;  // r: even, 2 .. d; 0 = all d dims
  RopeLayout layout = RopeLayout::Interleaved;
};

// x: (T, d) rows at positions pos0 .. pos0 + T - 1 -> y: (T, d)
void rope_forward(MatRM& y, const CRefM& x, int pos0, const RopeParams& p);
// dy: (T, d) -> dx: (T, d). Reuses nothing from the forward pass (angles are recomputed).
void rope_backward(MatRM& dx, const CRefM& dy, int pos0, const RopeParams& p);

// Reference twins: the pair rotation written out per element, angles and products in double.
void rope_forward_ref(MatRM& y, const MatRM& x, int pos0, const RopeParams& p);
void rope_backward_ref(MatRM& dx, const MatRM& dy, int pos0, const RopeParams& p);

// The angle table m * theta_k: (T, r/2), in double. What `attnscope pe --kind rope` prints.
void rope_angles(MatRMd& angles, int pos0, int T, int r, double base);

}  // namespace attn
