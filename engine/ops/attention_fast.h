// Fast multi-head attention for direct mode: all heads at once, forward and backward, on
// hand-blocked AVX2/FMA tiles (gemm_tile.h) with a vectorized exp (simd_exp.h).
// Legend: N queries, M keys, H heads, dk query/key width, dv value width; i query, j key.
//
// Layouts (row-major, one token per row, head h = columns h*dk .. h*dk+dk-1, or h*dv .. for V/O):
//   Q: (N, H*dk)   K: (M, H*dk)   V: (M, H*dv)   O: (N, H*dv)   att: (H, N, M) in the workspace
// Forward, per head h (the same math as attention_forward in attention.h, without a bias):
//   A_h = softmax(scale * Q_h K_h^T / tau) over allowed keys;   O_h = A_h V_h
// Backward, given dO (N, H*dv), reusing att from the forward:
//   dV_h = A_h^T dO_h;  dA = dO_h V_h^T;  dL = A_h .* (dA - rowsum(dA .* A_h)) / tau
//   dQ_h = scale * dL K_h;  dK_h = scale * dL^T Q_h
//   (rowsum(dA .* A_h)_i = dO_i . O_i, computed from the O the forward kept in the workspace)
// Mask: none, or causal aligned bottom-right (query i sees key j iff j <= i + M - N). A query
// with no visible key gets an A row of zeros, an O row of zeros and zero gradients, never NaN.
//
// Work split: forward, each (head, range of row blocks) is one parallel_for item (query rows are
// independent in the forward, and the ranges are fixed by the shape, not the thread count);
// backward, each head is one item (its dK and dV sum over all row blocks in a fixed order). One
// thread computes an item whole, in a fixed order, so results are bit-identical for any
// engine_threads(). Inside a head the work goes row block by row block and, inside a block, key
// chunk by key chunk, so the operands in use stay in L2 (tiling in attention_fast.cpp). The
// workspace also keeps a copy of O for the backward. The kernels allocate nothing once the
// workspace has the shape (it is sized by its first use).
// Not thread-safe per workspace: one call at a time on a given MhaWorkspace.
#pragma once
#include <atomic>
#include <cstddef>
#include <memory>
#include <vector>

#include "engine/core/tensor.h"

namespace attn {

enum class MhaMask { None, Causal };

struct MhaOptions {
  float scale = 1.f;             // s: usually 1/sqrt(dk)
  float tau = 1.f;               // temperature, > 0
  MhaMask mask = MhaMask::None;
};

struct MhaShape {
  int N = 0, M = 0, H = 0, dk = 0, dv = 0;
  bool operator==(const MhaShape& o) const {
    return N == o.N && M == o.M && H == o.H && dk == o.dk && dv == o.dv;
  }
};

// The attention weights (kept for display and for backward) and the per-thread scratch
// (packed K/V panels, a row block of dL, packed Q/dO rows), carved out of one allocation.
class MhaWorkspace {
 public:
  // Sizes the workspace for `shape` and up to `threads` concurrent heads; no-op (no allocation)
  // when it already fits. Called by mha_forward; call it yourself to allocate ahead of time.
  void reserve(const MhaShape& shape, int threads);

  const MhaShape& shape() const { return shape_; }
  bool has_forward() const { return has_forward_; }
  // A_h: (N, M) row-major, valid after mha_forward.
  const float* att(int h) const { return att_ + std::size_t(h) * shape_.N * shape_.M; }
  Eigen::Map<const MatRM> att_map(int h) const { return Eigen::Map<const MatRM>(att(h), shape_.N, shape_.M); }
  // Bytes held (attention weights + scratch).
  std::size_t bytes() const { return buf_.size() * sizeof(float); }
  int row_block() const { return mb_; }

  // --- internals used by the kernels ---
  struct Scratch {
    float* trans;  // the head's packed K^T (forward) or V^T (backward) panels
    float* rows;   // the head's packed V (forward) or K (backward) panels
    float* blk;    // (mb, ldp): exp'd logits of a row block (forward), its A (backward)
    float* blk2;   // (mb, ldp): the previous block's exp'd logits, being written out (forward)
    float* chunk;  // (mb, kcp): dL of one key chunk of a row block (backward)
    float* qp;     // packed Q rows of a block (backward)
    float* dop;    // packed dO rows of a block (backward)
    float* stats;  // per row of two blocks: running max and sum, the max after each key chunk; or d
    float* qb;     // (mb, dk), contiguous: the block's Q rows (forward), its dQ accumulator (backward)
    float* ob;     // (mb, dv), contiguous: the block's O accumulator (forward), its dO rows (backward)
  };
  float* att_mut(int h) { return att_ + std::size_t(h) * shape_.N * shape_.M; }
  // The forward's packed K_h^T and V_h panels, one set per head, shared by the head's row ranges
  // (parallel items): the first item of head h packs them and marks them ready.
  float* fwd_trans(int h) { return packed_ + std::size_t(h) * packed_per_head_; }
  float* fwd_rows(int h) { return fwd_trans(h) + packed_trans_; }
  std::atomic<int>& packed_state(int h) { return packed_state_[h]; }  // 0 none, 1 packing, 2 ready
  float* out_copy() { return o_; }  // (N, H*dv): O of the last forward, for the backward's rowsum
  // Claims a free scratch slot for the calling head (at most `threads` are in flight).
  int acquire();
  void release(int slot) { busy_[slot].store(false, std::memory_order_release); }
  const Scratch& scratch(int slot) const { return slots_[slot]; }
  void set_forward(bool done, const MhaOptions& opt) {
    has_forward_ = done;
    fwd_opt_ = opt;
  }
  const MhaOptions& forward_options() const { return fwd_opt_; }

 private:
  MhaShape shape_;
  int mb_ = 0, threads_ = 0;
  bool has_forward_ = false;
  MhaOptions fwd_opt_;
  std::vector<float> buf_;
  float* att_ = nullptr;
  float* o_ = nullptr;
  float* packed_ = nullptr;
  std::size_t packed_trans_ = 0, packed_per_head_ = 0;
  std::unique_ptr<std::atomic<int>[]> packed_state_;
  std::vector<Scratch> slots_;
  std::unique_ptr<std::atomic<bool>[]> busy_;
};

// O: (N, H*dv) out; att kept in ws. Q: (N, H*dk), K: (M, H*dk), V: (M, H*dv); H heads.
void mha_forward(MatRM& O, MhaWorkspace& ws, const MatRM& Q, const MatRM& K, const MatRM& V, int H,
                 const MhaOptions& opt);

// dQ: (N, H*dk), dK: (M, H*dk), dV: (M, H*dv) out. dO: (N, H*dv). Reuses att from the last
// mha_forward on ws, which must have had the same Q, K, V (shapes and options are checked).
void mha_backward(MatRM& dQ, MatRM& dK, MatRM& dV, MhaWorkspace& ws, const MatRM& dO, const MatRM& Q,
                  const MatRM& K, const MatRM& V, int H, const MhaOptions& opt);

}  // namespace attn
