// Legend: N queries, M keys, H heads, dk, dv; i query, j key; mb queries per row block.
// Math and layouts in attention_fast.h; the tile and its packed panels in gemm_tile.h.
//
// Tiling of one head (one thread), row block by row block (rows i0 .. i0+mb-1). A row block of
// the N x M matrix lives in a per-thread scratch with a padded row stride ldp (an odd number of
// cache lines: with ldp = M = 1024 every row of a block would fall in the same L1 set, and the
// column walks of the dK/dV products below would miss L1 on every step).
//   forward:   Sb = (scale/tau) Q_rb K^T  key panel by key panel: a packed K^T panel (dk x 16)
//                                         stays in L1 while every 6-row tile of the block uses it
//              Sb = softmax rows          (vector exp), in place
//              O_rb = Sb V                kKc keys at a time, 16 output columns at a time: the packed
//                                         V panel (kKc x 16) stays in L1 across the block's row tiles
//              A_h[rows] = Sb             streamed out (non-temporal stores: it is read again only by
//                                         the backward, so it should not evict the working set)
//   backward:  Ab = A_h[rows]             copied into the padded scratch
//              Lb = dO_rb V^T             like the logits
//              Lb = Ab .* (Lb - rowsum(Lb .* Ab)) * scale/tau   (softmax backward, in place)
//              dQ_rb = Lb K               like O_rb = Sb V
//              dK += Lb^T Q_rb;  dV += Ab^T dO_rb   (6 keys x 16 columns per tile, summed over the
//                                         block's rows; blocks are added in order 0, mb, 2mb, ...)
// With a causal mask, keys past the block's last visible key are skipped everywhere (their
// weights are exactly 0), which halves the work.
#include "engine/ops/attention_fast.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

#include "engine/core/error.h"
#include "engine/core/parallel.h"
#include "engine/ops/gemm_tile.h"
#include "engine/ops/softmax_rows.h"

#if defined(__AVX2__)
#include <immintrin.h>
#else
#define _mm_prefetch(p, hint) ((void)(p))
#endif

namespace attn {

namespace {

using gemm::ALayout;
using gemm::kMR;
using gemm::kNR;
using gemm::tile;

constexpr std::size_t kRowBlockBytes = 160 * 1024;  // one row block of A (L2 is 512 KiB on Zen 3)
constexpr int kMaxRowBlock = 120;                   // rows; a multiple of kMR
constexpr int kKc = 256;                            // keys per step of the A V and dL K products
constexpr std::size_t kPad = 16;                    // readable floats after buffers read as ACols
constexpr std::size_t kAlign = 16;                  // floats (64 bytes) between sub-buffers

std::size_t round_up(std::size_t n, std::size_t a) { return (n + a - 1) / a * a; }

// Row stride of the scratch blocks: M rounded up to whole cache lines, made an odd number of lines.
int padded_stride(int M) {
  int ld = (M + 15) / 16 * 16;
  if ((ld / 16) % 2 == 0) ld += 16;
  return ld;
}

int row_block_for(int M) {
  int mb = int(kRowBlockBytes / (sizeof(float) * std::size_t(padded_stride(M)))) / kMR * kMR;
  return std::clamp(mb, kMR, kMaxRowBlock);
}

// One past the last key query i may see: M without a mask, i + M - N + 1 (clipped to [0, M])
// with the bottom-right-aligned causal mask.
inline int key_end(int i, const MhaShape& s, MhaMask mask) {
  if (mask == MhaMask::None) return s.M;
  return int(std::clamp<long>(long(i) + s.M - s.N + 1, 0, s.M));
}

struct Ctx {
  const MhaShape& s;
  const MhaOptions& opt;
  MhaWorkspace& ws;
  int mb, ldp;
};

// dst[r * ldd + j] = src[r * lds + j] for r < rows, j < cols. With `stream`, the destination is
// written with non-temporal stores where it is 32-byte aligned (it bypasses the caches).
void copy_rows(float* dst, std::ptrdiff_t ldd, const float* src, std::ptrdiff_t lds, int rows, int cols, bool stream) {
  for (int r = 0; r < rows; ++r) {
    float* d = dst + r * ldd;
    const float* p = src + r * lds;
    int j = 0;
#if defined(__AVX2__)
    if (stream) {
      for (; j < cols && (reinterpret_cast<std::uintptr_t>(d + j) & 31) != 0; ++j) d[j] = p[j];
      for (; j + 8 <= cols; j += 8) _mm256_stream_ps(d + j, _mm256_loadu_ps(p + j));
    }
#endif
    std::copy(p + j, p + cols, d + j);
  }
}

// Rows [i0, i0+rows) of a (ld-strided) head slice set to zero.
void zero_rows(float* p, std::ptrdiff_t ld, int rows, int cols) {
  for (int r = 0; r < rows; ++r) std::fill(p + r * ld, p + r * ld + cols, 0.f);
}

// Prefetches part `t` of `parts` of the `bytes` starting at p (the next B panel, spread over the
// row tiles of the current one): per row block the forward and backward stream all of a head's
// packed K and V (2 x M x 64 floats, more than L2 holds next to the block), so the next panel is
// requested from L3 while the current one is in use.
inline void prefetch_part(const float* p, std::size_t bytes, int t, int parts) {
  const char* c = reinterpret_cast<const char*>(p);
  const std::size_t lines = (bytes + 63) / 64, l0 = lines * t / parts, l1 = lines * (t + 1) / parts;
  for (std::size_t l = l0; l < l1; ++l) _mm_prefetch(c + 64 * l, _MM_HINT_T0);
}

// C (rows x cols, ldc) = Ab (rows x kend, lda) * B, B given as packed row panels of M keys
// (pack_rows of an M x cols matrix); used for O = A V and dQ = dL K.
void product_rows_by_panels(float* c, std::ptrdiff_t ldc, const float* a, std::ptrdiff_t lda, const float* panels,
                            int M, int rows, int kend, int cols) {
  const int tiles = (rows + kMR - 1) / kMR;
  for (int k0 = 0; k0 < kend; k0 += kKc) {
    const int kc = std::min(kKc, kend - k0);
    for (int c0 = 0; c0 < cols; c0 += kNR) {
      const float* bp = panels + std::ptrdiff_t(c0 / kNR) * M * kNR + std::ptrdiff_t(k0) * kNR;
      // the panel used next: same keys, next 16 columns; or the next keys, first columns
      const bool last_c = c0 + kNR >= cols;
      const int k1 = last_c ? k0 + kKc : k0;
      const float* next = last_c ? panels + std::ptrdiff_t(k1) * kNR : bp + std::ptrdiff_t(M) * kNR;
      const std::size_t next_bytes = k1 < kend ? sizeof(float) * kNR * std::min(kKc, kend - k1) : 0;
      const int nr = std::min(kNR, cols - c0);
      for (int r0 = 0, t = 0; r0 < rows; r0 += kMR, ++t) {
        prefetch_part(next, next_bytes, t, tiles);
        tile<ALayout::Rows>(kc, a + r0 * lda + k0, lda, bp, c + r0 * ldc + c0, ldc, std::min(kMR, rows - r0), nr,
                            1.f, k0 > 0);
      }
    }
  }
}

// C (rows x jend, ldc) = alpha * X_rb (rows x kdim, ldx) B^T, B^T given as packed transposed
// panels (pack_trans of an M x kdim matrix); used for the logits Q K^T and dA = dO V^T.
void product_by_trans_panels(float* c, std::ptrdiff_t ldc, const float* x, std::ptrdiff_t ldx, const float* panels,
                             int M, int rows, int jend, int kdim, float alpha) {
  const int tiles = (rows + kMR - 1) / kMR;
  const std::size_t panel_bytes = sizeof(float) * kdim * kNR;
  for (int j0 = 0; j0 < jend; j0 += kNR) {
    const float* bp = panels + std::ptrdiff_t(j0 / kNR) * kdim * kNR;
    const std::size_t next_bytes = j0 + kNR < jend ? panel_bytes : 0;
    const int nr = std::min(kNR, M - j0);
    for (int r0 = 0, t = 0; r0 < rows; r0 += kMR, ++t) {
      prefetch_part(bp + std::ptrdiff_t(kdim) * kNR, next_bytes, t, tiles);
      tile<ALayout::Rows>(kdim, x + r0 * ldx, ldx, bp, c + r0 * ldc + j0, ldc, std::min(kMR, rows - r0), nr, alpha,
                          false);
    }
  }
}

// C (jend x cols, ldc) += Xb^T (jend x rows; Xb is rows x jend, row stride ldx) * packed rows
// (rows x cols); used for dK += dL^T Q_rb and dV += A^T dO_rb.
void accumulate_trans_product(float* c, std::ptrdiff_t ldc, const float* xb, std::ptrdiff_t ldx, const float* packed,
                              int rows, int jend, int cols) {
  for (int j0 = 0; j0 < jend; j0 += kMR) {
    const int mr = std::min(kMR, jend - j0);
    for (int c0 = 0; c0 < cols; c0 += kNR)
      tile<ALayout::Cols>(rows, xb + j0, ldx, packed + std::ptrdiff_t(c0 / kNR) * rows * kNR, c + j0 * ldc + c0, ldc,
                          mr, std::min(kNR, cols - c0), 1.f, true);
  }
}

void forward_head(const Ctx& x, int h, const MhaWorkspace::Scratch& sc, float* O, const float* Q, const float* K,
                  const float* V) {
  const MhaShape& s = x.s;
  const std::ptrdiff_t ldq = std::ptrdiff_t(s.H) * s.dk, ldv = std::ptrdiff_t(s.H) * s.dv;
  const float* Qh = Q + h * s.dk;
  float* Oh = O + h * s.dv;
  gemm::pack_trans(sc.trans, K + h * s.dk, ldq, s.M, s.dk);  // K_h^T panels (dk x 16 keys)
  gemm::pack_rows(sc.rows, V + h * s.dv, ldv, s.M, s.dv);     // V_h panels (M keys x 16 columns)
  float* A = x.ws.att_mut(h);
  float* Sb = sc.blk;
  const float alpha = x.opt.scale / x.opt.tau;
  for (int i0 = 0; i0 < s.N; i0 += x.mb) {
    const int rows = std::min(x.mb, s.N - i0);
    const int jend = key_end(i0 + rows - 1, s, x.opt.mask);  // no row of the block sees past it
    // logits: Sb = (scale / tau) * Q_rb K^T
    product_by_trans_panels(Sb, x.ldp, Qh + i0 * ldq, ldq, sc.trans, s.M, rows, jend, s.dk, alpha);
    // A = softmax(logits) over each row's visible keys
    for (int r = 0; r < rows; ++r) softmax_row_forward(Sb + std::ptrdiff_t(r) * x.ldp, key_end(i0 + r, s, x.opt.mask), s.M);
    // O_rb = A_rb V
    if (jend == 0)
      zero_rows(Oh + i0 * ldv, ldv, rows, s.dv);
    else
      product_rows_by_panels(Oh + i0 * ldv, ldv, Sb, x.ldp, sc.rows, s.M, rows, jend, s.dv);
    copy_rows(A + std::ptrdiff_t(i0) * s.M, s.M, Sb, x.ldp, rows, s.M, true);
  }
#if defined(__AVX2__)
  _mm_sfence();  // the streamed A is complete before the thread hands the head back
#endif
}

void backward_head(const Ctx& x, int h, const MhaWorkspace::Scratch& sc, float* dQ, float* dK, float* dV,
                   const float* dO, const float* Q, const float* K, const float* V) {
  const MhaShape& s = x.s;
  const std::ptrdiff_t ldq = std::ptrdiff_t(s.H) * s.dk, ldv = std::ptrdiff_t(s.H) * s.dv;
  const float* Qh = Q + h * s.dk;
  const float* dOh = dO + h * s.dv;
  float* dQh = dQ + h * s.dk;
  float* dKh = dK + h * s.dk;
  float* dVh = dV + h * s.dv;
  gemm::pack_trans(sc.trans, V + h * s.dv, ldv, s.M, s.dv);  // V_h^T panels for dA = dO V^T
  gemm::pack_rows(sc.rows, K + h * s.dk, ldq, s.M, s.dk);     // K_h panels for dQ = dL K
  zero_rows(dKh, ldq, s.M, s.dk);
  zero_rows(dVh, ldv, s.M, s.dv);
  const float* A = x.ws.att(h);
  const float c = x.opt.scale / x.opt.tau;  // dL carries scale/tau, so dQ = dL K and dK = dL^T Q
  float* Lb = sc.blk;
  float* Ab = sc.blk2;
  for (int i0 = 0; i0 < s.N; i0 += x.mb) {
    const int rows = std::min(x.mb, s.N - i0);
    const int jend = key_end(i0 + rows - 1, s, x.opt.mask);
    if (jend == 0) {  // no visible key in the whole block: dQ rows are zero, dK and dV get nothing
      zero_rows(dQh + i0 * ldq, ldq, rows, s.dk);
      continue;
    }
    copy_rows(Ab, x.ldp, A + std::ptrdiff_t(i0) * s.M, s.M, rows, jend, false);
    // forward: O = A V   ->   dA = dO V^T   (into Lb)
    product_by_trans_panels(Lb, x.ldp, dOh + i0 * ldv, ldv, sc.trans, s.M, rows, jend, s.dv, 1.f);
    // forward: A = softmax(scale * S / tau)   ->   dL = A .* (dA - rowsum(dA .* A)) * scale/tau
    for (int r = 0; r < rows; ++r)
      softmax_row_backward(Lb + std::ptrdiff_t(r) * x.ldp, Ab + std::ptrdiff_t(r) * x.ldp,
                           key_end(i0 + r, s, x.opt.mask), jend, c);
    // forward: S = Q K^T   ->   dQ_rb = dL K,  dK += dL^T Q_rb
    product_rows_by_panels(dQh + i0 * ldq, ldq, Lb, x.ldp, sc.rows, s.M, rows, jend, s.dk);
    gemm::pack_rows(sc.qp, Qh + i0 * ldq, ldq, rows, s.dk);
    accumulate_trans_product(dKh, ldq, Lb, x.ldp, sc.qp, rows, jend, s.dk);
    // forward: O = A V   ->   dV += A^T dO_rb
    gemm::pack_rows(sc.dop, dOh + i0 * ldv, ldv, rows, s.dv);
    accumulate_trans_product(dVh, ldv, Ab, x.ldp, sc.dop, rows, jend, s.dv);
  }
}

// Shape checks; the messages are built only on failure (no allocation on the good path).
template <class Msg>
void need(bool ok, const char* field, const Msg& msg) {
  if (!ok) throw InputError(field, msg());
}

MhaShape check_shapes(const MatRM& Q, const MatRM& K, const MatRM& V, int H, const MhaOptions& opt) {
  using std::to_string;
  need(H >= 1, "H", [&] { return "must be >= 1, got " + to_string(H); });
  need(Q.rows() >= 1 && Q.cols() >= H && Q.cols() % H == 0, "Q", [&] {
    return "expected (N, H*dk) with N >= 1 and dk >= 1 for H = " + to_string(H) + ", got " +
           shape_str(Q.rows(), Q.cols());
  });
  need(K.rows() >= 1 && K.cols() == Q.cols(), "K", [&] {
    return "expected (M, " + to_string(Q.cols()) + ") with M >= 1, got " + shape_str(K.rows(), K.cols());
  });
  need(V.rows() == K.rows() && V.cols() >= H && V.cols() % H == 0, "V", [&] {
    return "expected (" + to_string(K.rows()) + ", H*dv) with dv >= 1, got " + shape_str(V.rows(), V.cols());
  });
  need(opt.tau > 0.f && std::isfinite(opt.tau), "tau", [] { return std::string("must be a finite number > 0"); });
  need(std::isfinite(opt.scale), "scale", [] { return std::string("must be finite"); });
  MhaShape s;
  s.N = int(Q.rows());
  s.M = int(K.rows());
  s.H = H;
  s.dk = int(Q.cols() / H);
  s.dv = int(V.cols() / H);
  return s;
}

// Runs fn(h, scratch) for every head over the engine's threads, each head holding one scratch slot.
template <class Fn>
void for_each_head(MhaWorkspace& ws, int H, const Fn& fn) {
  parallel_for(H, [&](int h) {
    struct Slot {
      MhaWorkspace& ws;
      int id;
      ~Slot() { ws.release(id); }
    } slot{ws, ws.acquire()};
    fn(h, ws.scratch(slot.id));
  });
}

}  // namespace

void MhaWorkspace::reserve(const MhaShape& s, int threads) {
  threads = std::max(1, std::min(threads, s.H));
  if (s == shape_ && threads <= threads_ && !buf_.empty()) return;
  // Same shape, more threads: keep the attention weights of the last forward (backward may run
  // with more threads than its forward did).
  const bool keep = s == shape_ && has_forward_;
  const int mb = row_block_for(s.M);
  const int dmax = std::max(s.dk, s.dv);
  const std::size_t att = round_up(std::size_t(s.H) * s.N * s.M + kPad, kAlign);
  const std::size_t trans = round_up(gemm::packed_trans_size(s.M, dmax), kAlign);
  const std::size_t rows = round_up(gemm::packed_rows_size(s.M, dmax), kAlign);
  const std::size_t blk = round_up(std::size_t(mb) * padded_stride(s.M) + kPad, kAlign);
  const std::size_t qp = round_up(gemm::packed_rows_size(mb, s.dk), kAlign);
  const std::size_t dop = round_up(gemm::packed_rows_size(mb, s.dv), kAlign);
  const std::size_t per_slot = trans + rows + 2 * blk + qp + dop;
  const std::size_t total = att + per_slot * threads + kAlign;  // + kAlign: room to align the base
  // 64-byte aligned base, then every sub-buffer on a multiple of 16 floats.
  auto aligned = [](float* b) {
    return b + (kAlign - (reinterpret_cast<std::uintptr_t>(b) / sizeof(float)) % kAlign) % kAlign;
  };
  if (total > buf_.size()) {
    std::vector<float> grown(total, 0.f);
    if (keep) std::copy(att_, att_ + std::size_t(s.H) * s.N * s.M, aligned(grown.data()));
    buf_.swap(grown);
  }
  float* base = aligned(buf_.data());
  att_ = base;
  std::fill(att_ + std::size_t(s.H) * s.N * s.M, att_ + att, 0.f);  // read past the last head's rows
  slots_.clear();
  float* p = base + att;
  for (int t = 0; t < threads; ++t) {
    Scratch sc;
    sc.trans = p;
    sc.rows = sc.trans + trans;
    sc.blk = sc.rows + rows;
    sc.blk2 = sc.blk + blk;
    sc.qp = sc.blk2 + blk;
    sc.dop = sc.qp + qp;
    p = sc.dop + dop;
    std::fill(sc.blk, sc.blk + 2 * blk, 0.f);  // columns read past a block's last key must be finite
    slots_.push_back(sc);
  }
  busy_.reset(new std::atomic<bool>[threads]);
  for (int t = 0; t < threads; ++t) busy_[t].store(false);
  shape_ = s;
  mb_ = mb;
  threads_ = threads;
  has_forward_ = keep;
}

int MhaWorkspace::acquire() {
  // parallel_for runs at most threads_ heads at once, so a free slot always exists.
  for (;;)
    for (int t = 0; t < threads_; ++t) {
      bool expected = false;
      if (busy_[t].compare_exchange_strong(expected, true, std::memory_order_acquire)) return t;
    }
}

void mha_forward(MatRM& O, MhaWorkspace& ws, const MatRM& Q, const MatRM& K, const MatRM& V, int H,
                 const MhaOptions& opt) {
  const MhaShape s = check_shapes(Q, K, V, H, opt);
  ws.reserve(s, engine_threads());
  ws.set_forward(false, opt);
  O.resize(s.N, std::ptrdiff_t(H) * s.dv);
  const Ctx x{s, opt, ws, ws.row_block(), padded_stride(s.M)};
  for_each_head(ws, H, [&](int h, const MhaWorkspace::Scratch& sc) {
    forward_head(x, h, sc, O.data(), Q.data(), K.data(), V.data());
  });
  ws.set_forward(true, opt);
}

void mha_backward(MatRM& dQ, MatRM& dK, MatRM& dV, MhaWorkspace& ws, const MatRM& dO, const MatRM& Q,
                  const MatRM& K, const MatRM& V, int H, const MhaOptions& opt) {
  const MhaShape s = check_shapes(Q, K, V, H, opt);
  need(ws.has_forward() && ws.shape() == s, "workspace", [] {
    return std::string("mha_backward needs the attention weights of mha_forward on the same shapes; run mha_forward first");
  });
  const MhaOptions& f = ws.forward_options();
  need(f.scale == opt.scale && f.tau == opt.tau && f.mask == opt.mask, "options",
       [] { return std::string("mha_backward must get the scale, tau and mask its mha_forward used"); });
  need(dO.rows() == s.N && dO.cols() == std::ptrdiff_t(H) * s.dv, "dO", [&] {
    return "expected " + shape_str(s.N, std::ptrdiff_t(H) * s.dv) + ", got " + shape_str(dO.rows(), dO.cols());
  });
  ws.reserve(s, engine_threads());  // more threads than at forward time: more slots (att is kept)
  dQ.resize(s.N, std::ptrdiff_t(H) * s.dk);
  dK.resize(s.M, std::ptrdiff_t(H) * s.dk);
  dV.resize(s.M, std::ptrdiff_t(H) * s.dv);
  const Ctx x{s, opt, ws, ws.row_block(), padded_stride(s.M)};
  for_each_head(ws, H, [&](int h, const MhaWorkspace::Scratch& sc) {
    backward_head(x, h, sc, dQ.data(), dK.data(), dV.data(), dO.data(), Q.data(), K.data(), V.data());
  });
}

}  // namespace attn
