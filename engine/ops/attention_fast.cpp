// Legend: N queries, M keys, H heads, dk, dv; i query, j key; mb queries per row block, kc keys
// per chunk. Math and layouts in attention_fast.h; tiles and block products in gemm_tile.h.
//
// One head (backward) or one range of a head's row blocks (forward, see mha_forward) runs on one
// thread, row block by row block (rows i0 .. i0+mb-1), and inside a block
// key chunk by key chunk (keys j0 .. j0+kc-1), so what a chunk touches (a K^T and a V panel set
// of kc keys, the block's Q/dO rows, the chunk of E or dL) stays in L2 while the block's rows are
// many (mb = 96): every pass over the head's K and V serves 96 queries.
//
// Forward, an online softmax over the chunks (running max m_i and sum l_i per row):
//   E_c = (scale/tau) Q_rb K_c^T                     into blk (the block's row stride ldp)
//   m' = max(m, rowmax E_c);  O_rb *= exp(m - m');   E_c = exp(E_c - m');  l = l exp(m - m') + rowsum E_c
//   O_rb += E_c V_c
// then per row  O_i /= l_i  and  A_i,c = E_i,c exp(m_c - m_final) / l_i  (exact softmax: every
// chunk is rescaled to the final max and sum). A goes to the att buffer with non-temporal
// stores (read again only by the backward, it should not evict the working set), and a block's
// chunk c is written while the next block computes its chunk c (E and the row statistics of
// two blocks alternate), so the DRAM writes overlap the products.
// Backward, per block: d_i = rowsum(dA .* A)_i = dO_i . O_i (O kept from the forward), so the
// chunks are independent:
//   Ab = A[rows, :]  copied into blk (sequential rows, padded stride); the rows of the next
//                    block are prefetched while this one computes, a share per chunk
//   dL_c = dO_rb V_c^T;   dL_c = Ab_c .* (dL_c - d) * scale/tau           into chunk
//   dQ_rb (+)= dL_c K_c;   dK_c += dL_c^T Q_rb;   dV_c += Ab_c^T dO_rb
// dK_c and dV_c tiles (6 keys x 16 columns) sum over the block's 96 rows per visit; blocks are
// added in order 0, mb, 2 mb, ..., so the sums do not depend on the thread count.
// Row strides of blk and chunk are an odd number of cache lines: with a stride of 1024 floats
// every row would map to the same L1 set and the column walks of dL^T and A^T would miss L1.
// With a causal mask, chunks past a block's last visible key are skipped (half the work).
#include "engine/ops/attention_fast.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <thread>

#include "engine/core/error.h"
#include "engine/core/parallel.h"
#include "engine/ops/gemm_tile.h"
#include "engine/ops/softmax_rows.h"

#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace attn {

namespace {

using gemm::kMR;
using gemm::kNR;

constexpr int kRowBlock = 96;       // queries per row block, a multiple of kMR
constexpr int kChunk = 128;         // keys per chunk, a multiple of kNR
constexpr std::size_t kPad = 16;    // readable floats after buffers read as columns (ACols)
constexpr std::size_t kAlign = 16;  // floats (64 bytes) between sub-buffers

std::size_t round_up(std::size_t n, std::size_t a) { return (n + a - 1) / a * a; }

// A row stride for n floats: whole cache lines, an odd number of them.
int padded_stride(int n) {
  int ld = (n + 15) / 16 * 16;
  if ((ld / 16) % 2 == 0) ld += 16;
  return ld;
}

// Row ranges per head in the forward (see mha_forward): two when several threads share the heads
// and a head has at least two row blocks.
int forward_parts(int blocks, int threads) { return threads > 1 && blocks >= 2 ? 2 : 1; }

int row_block_for(int N) { return std::min<int>(kRowBlock, int(round_up(N, kMR))); }
int chunks_for(int M) { return (M + kChunk - 1) / kChunk; }

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
  int mb, ldp, kcp;
};

inline void prefetch_l2(const float* p) {
#if defined(__AVX2__)
  _mm_prefetch(reinterpret_cast<const char*>(p), _MM_HINT_T1);
#else
  (void)p;
#endif
}

// Rows of an (ld-strided) head slice set to zero.
void zero_rows(float* p, std::ptrdiff_t ld, int rows, int cols) {
  for (int r = 0; r < rows; ++r) std::fill(p + r * ld, p + r * ld + cols, 0.f);
}

// A row block whose exp'd logits E are complete but not yet written to the att buffer: its
// chunk c is streamed out while the next block computes its chunk c, so the DRAM writes of A
// (N x M floats per head) overlap the products instead of stalling the end of every block.
struct PendingBlock {
  int i0 = 0, rows = 0, jend = 0;
  const float* E = nullptr;  // (rows, ldp)
  const float* m = nullptr;  // final max per row
  const float* l = nullptr;  // final sum per row
  const float* mc = nullptr; // (rows, nch): the max chunk c's E is relative to
};

// A[i0 + r, chunk c] = E[r, chunk c] exp(m_c - m) / l  (exact softmax), zeros past jend.
void write_chunk_row(const Ctx& x, float* A, const PendingBlock& p, int c, int nch, int r) {
  const int j0 = c * kChunk, n = std::min(kChunk, x.s.M - j0);
  float* dst = A + std::ptrdiff_t(p.i0 + r) * x.s.M + j0;
  const int nv = std::clamp(p.jend - j0, 0, n);  // columns of this chunk the block computed
  if (nv > 0) {
    const float f = p.l[r] > 0.f ? std::exp(p.mc[r * nch + c] - p.m[r]) / p.l[r] : 0.f;
    scale_row(dst, p.E + std::ptrdiff_t(r) * x.ldp + j0, nv, f, true);
  }
  zero_row(dst + nv, n - nv, true);
}

void write_chunk(const Ctx& x, float* A, const PendingBlock& p, int c, int nch) {
  for (int r = 0; r < p.rows; ++r) write_chunk_row(x, A, p, c, nch, r);
}

// Row blocks [b0, b1) of head h.
void forward_rows(const Ctx& x, int h, int b0, int b1, const MhaWorkspace::Scratch& sc, float* O, const float* Q,
                  const float* K, const float* V) {
  const MhaShape& s = x.s;
  const std::ptrdiff_t ldq = std::ptrdiff_t(s.H) * s.dk, ldv = std::ptrdiff_t(s.H) * s.dv;
  const float* Qh = Q + h * s.dk;
  float* Oh = O + h * s.dv;
  float* Oc = x.ws.out_copy() + h * s.dv;
  float* A = x.ws.att_mut(h);
  // K_h^T panels (dk x 16 keys) and V_h panels (M keys x 16 columns), packed once per head by
  // whichever of its items runs first; the others wait for them (a few microseconds at most:
  // items are handed out range-major, so a head's second range starts long after its first).
  const float* Kt = x.ws.fwd_trans(h);
  const float* Vp = x.ws.fwd_rows(h);
  std::atomic<int>& state = x.ws.packed_state(h);
  int expected = 0;
  if (state.compare_exchange_strong(expected, 1, std::memory_order_acquire)) {
    gemm::pack_trans(x.ws.fwd_trans(h), K + h * s.dk, ldq, s.M, s.dk);
    gemm::pack_rows(x.ws.fwd_rows(h), V + h * s.dv, ldv, s.M, s.dv);
    state.store(2, std::memory_order_release);
  } else {
    while (state.load(std::memory_order_acquire) != 2) std::this_thread::yield();
  }
  const float alpha = x.opt.scale / x.opt.tau;
  const int nch = chunks_for(s.M);
  PendingBlock pending;  // the previous block, written out during this one
  for (int b = b0; b < b1; ++b) {
    const int i0 = b * x.mb;
    const int rows = std::min(x.mb, s.N - i0);
    const int jend = key_end(i0 + rows - 1, s, x.opt.mask);  // no row of the block sees past it
    // two sets of block buffers, alternating: this block's and the pending one's
    float* Eb = b % 2 ? sc.blk2 : sc.blk;
    float* m = sc.stats + (b % 2) * x.mb * std::ptrdiff_t(2 + nch);  // running max per row
    float* l = m + x.mb;                                              // running sum per row
    float* mc = l + x.mb;  // (mb, nch): the max each chunk's E is relative to
    // The block's Q rows and its O accumulator live in contiguous buffers (row stride dk, dv):
    // with the matrices' stride H*dk = 768 floats (48 cache lines) the 96 rows would fall on a
    // quarter of the L1 sets and evict each other between the k steps of a tile.
    float* Qb = sc.qb;
    float* Ob = sc.ob;
    const std::ptrdiff_t ldb = s.dv;
    for (int r = 0; r < rows; ++r) std::copy(Qh + (i0 + r) * ldq, Qh + (i0 + r) * ldq + s.dk, Qb + r * s.dk);
    std::fill(m, m + rows, -std::numeric_limits<float>::infinity());
    std::fill(l, l + rows, 0.f);
    zero_rows(Ob, ldb, rows, s.dv);
    int c = 0;
    for (int j0 = 0; j0 < jend; j0 += kChunk, ++c) {
      const int n = std::min(kChunk, jend - j0);
      float* E = Eb + j0;
      // E_c = (scale / tau) Q_rb K_c^T
      gemm::product_trans(E, x.ldp, Qb, s.dk, Kt + std::ptrdiff_t(j0) * s.dk, rows, n, s.dk, alpha);
      // E_c = exp(E_c - m'), with O rescaled where the running max moved
      for (int r = 0; r < rows; ++r) {
        const int jv = std::clamp(key_end(i0 + r, s, x.opt.mask) - j0, 0, n);
        const float f = softmax_chunk_forward(E + std::ptrdiff_t(r) * x.ldp, jv, n, m[r], l[r]);
        mc[r * nch + c] = m[r];
        if (f != 1.f) scale_row(Ob + r * ldb, Ob + r * ldb, s.dv, f, false);
      }
      // O_rb += E_c V_c
      gemm::product_rows(Ob, ldb, E, x.ldp, Vp + std::ptrdiff_t(j0) * kNR, s.M, rows, n, s.dv, true);
      if (pending.rows) write_chunk(x, A, pending, c, nch);
    }
    if (pending.rows)
      for (; c < nch; ++c) write_chunk(x, A, pending, c, nch);
    // O_i = O_i / l_i (zero rows where no key is visible)
    for (int r = 0; r < rows; ++r) {
      scale_row(Oh + (i0 + r) * ldv, Ob + r * ldb, s.dv, l[r] > 0.f ? 1.f / l[r] : 0.f, false);
      std::copy(Oh + (i0 + r) * ldv, Oh + (i0 + r) * ldv + s.dv, Oc + (i0 + r) * ldv);
    }
    pending = PendingBlock{i0, rows, jend, Eb, m, l, mc};
  }
  if (pending.rows)
    for (int c = 0; c < nch; ++c) write_chunk(x, A, pending, c, nch);
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
  const float* Oc = x.ws.out_copy() + h * s.dv;
  float* dQh = dQ + h * s.dk;
  float* dKh = dK + h * s.dk;
  float* dVh = dV + h * s.dv;
  const float* A = x.ws.att(h);
  gemm::pack_trans(sc.trans, V + h * s.dv, ldv, s.M, s.dv);  // V_h^T panels for dA = dO V^T
  gemm::pack_rows(sc.rows, K + h * s.dk, ldq, s.M, s.dk);     // K_h panels for dQ = dL K
  zero_rows(dKh, ldq, s.M, s.dk);
  zero_rows(dVh, ldv, s.M, s.dv);
  const float g = x.opt.scale / x.opt.tau;  // dL carries scale/tau, so dQ = dL K and dK = dL^T Q
  float* d = sc.stats;
  float* Ab = sc.blk;
  float* Lc = sc.chunk;
  for (int i0 = 0; i0 < s.N; i0 += x.mb) {
    const int rows = std::min(x.mb, s.N - i0);
    const int jend = key_end(i0 + rows - 1, s, x.opt.mask);
    if (jend == 0) {  // no visible key in the whole block: dQ rows are zero, dK and dV get nothing
      zero_rows(dQh + i0 * ldq, ldq, rows, s.dk);
      continue;
    }
    for (int r = 0; r < rows; ++r) {
      // d_i = rowsum(dA .* A) = sum_j (dO_i . V_j) A_ij = dO_i . O_i
      d[r] = dot_row(dOh + (i0 + r) * ldv, Oc + (i0 + r) * ldv, s.dv);
      std::copy(A + std::ptrdiff_t(i0 + r) * s.M, A + std::ptrdiff_t(i0 + r) * s.M + jend,
                Ab + std::ptrdiff_t(r) * x.ldp);
    }
    gemm::pack_rows(sc.qp, Qh + i0 * ldq, ldq, rows, s.dk);
    gemm::pack_rows(sc.dop, dOh + i0 * ldv, ldv, rows, s.dv);
    // dO rows and the dQ accumulator in contiguous buffers (row stride dv, dk), as in the forward:
    // at the matrices' stride H*dk the block's rows would share a quarter of the L1 sets.
    float* dQb = sc.qb;
    float* dOb = sc.ob;
    for (int r = 0; r < rows; ++r) std::copy(dOh + (i0 + r) * ldv, dOh + (i0 + r) * ldv + s.dv, dOb + r * s.dv);
    // The next block's rows of A come from DRAM: request them now, a share per chunk, so the
    // copy at the next block's start finds them in cache.
    const int next_rows = std::min(x.mb, s.N - i0 - rows);
    const int next_jend = next_rows > 0 ? key_end(i0 + rows + next_rows - 1, s, x.opt.mask) : 0;
    const std::size_t line_per_row = (std::size_t(next_jend) + 15) / 16, lines = line_per_row * next_rows;
    const int nc = (jend + kChunk - 1) / kChunk;
    for (int j0 = 0, ci = 0; j0 < jend; j0 += kChunk, ++ci) {
      const int n = std::min(kChunk, jend - j0);
      for (std::size_t q = lines * ci / nc; q < lines * (ci + 1) / nc; ++q)
        prefetch_l2(A + std::ptrdiff_t(i0 + rows + q / line_per_row) * s.M + 16 * (q % line_per_row));
      // forward: O = A V   ->   dA_c = dO_rb V_c^T
      gemm::product_trans(Lc, x.kcp, dOb, s.dv, sc.trans + std::ptrdiff_t(j0) * s.dv, rows, n, s.dv, 1.f);
      // forward: A = softmax(scale * S / tau)   ->   dL_c = A_c .* (dA_c - d) * scale/tau
      for (int r = 0; r < rows; ++r)
        softmax_chunk_backward(Lc + std::ptrdiff_t(r) * x.kcp, Ab + std::ptrdiff_t(r) * x.ldp + j0,
                               std::clamp(key_end(i0 + r, s, x.opt.mask) - j0, 0, n), n, d[r], g);
      // forward: S = Q K^T   ->   dQ_rb (+)= dL_c K_c,  dK_c += dL_c^T Q_rb
      gemm::product_rows(dQb, s.dk, Lc, x.kcp, sc.rows + std::ptrdiff_t(j0) * kNR, s.M, rows, n, s.dk, j0 > 0);
      gemm::product_tn(dKh + j0 * ldq, ldq, Lc, x.kcp, sc.qp, rows, n, s.dk);
      // forward: O = A V   ->   dV_c += A_c^T dO_rb
      gemm::product_tn(dVh + j0 * ldv, ldv, Ab + j0, x.ldp, sc.dop, rows, n, s.dv);
    }
    for (int r = 0; r < rows; ++r) std::copy(dQb + r * s.dk, dQb + (r + 1) * s.dk, dQh + (i0 + r) * ldq);
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

// Below this many multiply-adds per call (H N M (dk + dv)) the items run on the calling thread:
// handing them to the pool costs more than it saves. The small models of the Model tab (4 heads of
// 64 x 64 x 16: 0.5 M) ran 1.4x slower on 2 threads than on 1; the bench's smallest case (12 heads
// of 64 x 64 x 64: 6.3 M) gains 1.5x from the second thread. Items never depend on the thread
// count, so this changes no number.
constexpr double kMinParallelMacs = 4e6;

// Runs fn(item, scratch) for items 0 .. count-1 over the engine's threads (or serially for a
// small call, see kMinParallelMacs), each item holding one scratch slot.
template <class Fn>
void for_each_item(MhaWorkspace& ws, int count, const Fn& fn) {
  const MhaShape& s = ws.shape();
  const bool small = double(s.H) * s.N * s.M * (s.dk + s.dv) < kMinParallelMacs;
  auto run = [&](int h) {
    struct Slot {
      MhaWorkspace& ws;
      int id;
      ~Slot() { ws.release(id); }
    } slot{ws, ws.acquire()};
    fn(h, ws.scratch(slot.id));
  };
  if (small) {
    for (int i = 0; i < count; ++i) run(i);
  } else {
    parallel_for(count, run);
  }
}

}  // namespace

void MhaWorkspace::reserve(const MhaShape& s, int threads) {
  // Slots: at most this many items run at once (the forward has up to 2 H items, the backward H).
  const int blocks = s.N > 0 ? (s.N + row_block_for(s.N) - 1) / row_block_for(s.N) : 1;
  threads = std::max(1, std::min(threads, s.H * forward_parts(blocks, threads)));
  if (s == shape_ && threads <= threads_ && !buf_.empty()) return;
  // Same shape, more threads: keep the attention weights and O of the last forward (backward may
  // run with more threads than its forward did).
  const bool keep = s == shape_ && has_forward_;
  const int mb = row_block_for(s.N), dmax = std::max(s.dk, s.dv);
  const std::size_t att_n = std::size_t(s.H) * s.N * s.M, o_n = std::size_t(s.N) * s.H * s.dv;
  const std::size_t att = round_up(att_n + kPad, kAlign), o = round_up(o_n, kAlign);
  const std::size_t trans = round_up(gemm::packed_trans_size(s.M, dmax), kAlign);
  const std::size_t rows = round_up(gemm::packed_rows_size(s.M, dmax), kAlign);
  const std::size_t blk = round_up(std::size_t(mb) * padded_stride(s.M) + kPad, kAlign);
  const std::size_t chunk = round_up(std::size_t(mb) * padded_stride(std::min(kChunk, s.M)) + kPad, kAlign);
  const std::size_t qp = round_up(gemm::packed_rows_size(mb, s.dk), kAlign);
  const std::size_t dop = round_up(gemm::packed_rows_size(mb, s.dv), kAlign);
  const std::size_t stats = round_up(2 * std::size_t(mb) * (2 + chunks_for(s.M)), kAlign);
  const std::size_t qb = round_up(std::size_t(mb) * s.dk, kAlign), ob = round_up(std::size_t(mb) * s.dv, kAlign);
  const std::size_t per_slot = trans + rows + 2 * blk + chunk + qp + dop + stats + qb + ob;
  const std::size_t ptrans = round_up(gemm::packed_trans_size(s.M, s.dk), kAlign);
  const std::size_t packed = ptrans + round_up(gemm::packed_rows_size(s.M, s.dv), kAlign);
  const std::size_t total = att + o + packed * s.H + per_slot * threads + kAlign;  // + kAlign: room to align the base
  // 64-byte aligned base, then every sub-buffer on a multiple of 16 floats.
  auto aligned = [](float* b) {
    return b + (kAlign - (reinterpret_cast<std::uintptr_t>(b) / sizeof(float)) % kAlign) % kAlign;
  };
  if (total > buf_.size()) {
    std::vector<float> grown(total, 0.f);
    if (keep) {
      std::copy(att_, att_ + att_n, aligned(grown.data()));
      std::copy(o_, o_ + o_n, aligned(grown.data()) + att);
    }
    buf_.swap(grown);
  }
  att_ = aligned(buf_.data());
  o_ = att_ + att;
  std::fill(att_ + att_n, att_ + att, 0.f);  // read past the last head's rows
  slots_.clear();
  packed_ = o_ + o;
  packed_trans_ = ptrans;
  packed_per_head_ = packed;
  packed_state_.reset(new std::atomic<int>[s.H]);
  for (int h = 0; h < s.H; ++h) packed_state_[h].store(0);
  float* p = packed_ + packed * s.H;
  for (int t = 0; t < threads; ++t) {
    Scratch sc;
    sc.trans = p;
    sc.rows = sc.trans + trans;
    sc.blk = sc.rows + rows;
    sc.blk2 = sc.blk + blk;
    sc.chunk = sc.blk2 + blk;
    sc.qp = sc.chunk + chunk;
    sc.dop = sc.qp + qp;
    sc.stats = sc.dop + dop;
    sc.qb = sc.stats + stats;
    sc.ob = sc.qb + qb;
    p = sc.ob + ob;
    std::fill(sc.blk, sc.blk + 2 * blk + chunk, 0.f);  // columns read past a chunk's last key: finite
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
  const Ctx x{s, opt, ws, ws.row_block(), padded_stride(s.M), padded_stride(std::min(kChunk, s.M))};
  for (int h = 0; h < H; ++h) ws.packed_state(h).store(0, std::memory_order_relaxed);
  // Items: (row range, head), range-major. With several threads each head's row blocks are cut
  // in two ranges: 2H smaller items even out the threads' finishing times (with H items of ~4 ms
  // one thread often idles for most of one at the end). Rows are independent in the forward, so
  // the cut does not change a number.
  const int nb = (s.N + x.mb - 1) / x.mb, parts = forward_parts(nb, engine_threads());
  for_each_item(ws, parts * H, [&](int item, const MhaWorkspace::Scratch& sc) {
    const int h = item % H, part = item / H;
    forward_rows(x, h, nb * part / parts, nb * (part + 1) / parts, sc, O.data(), Q.data(), K.data(), V.data());
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
  ws.reserve(s, engine_threads());  // more threads than at forward time: more slots (att, O kept)
  dQ.resize(s.N, std::ptrdiff_t(H) * s.dk);
  dK.resize(s.M, std::ptrdiff_t(H) * s.dk);
  dV.resize(s.M, std::ptrdiff_t(H) * s.dv);
  const Ctx x{s, opt, ws, ws.row_block(), padded_stride(s.M), padded_stride(std::min(kChunk, s.M))};
  for_each_item(ws, H, [&](int h, const MhaWorkspace::Scratch& sc) {
    backward_head(x, h, sc, dQ.data(), dK.data(), dV.data(), dO.data(), Q.data(), K.data(), V.data());
  });
}

}  // namespace attn
