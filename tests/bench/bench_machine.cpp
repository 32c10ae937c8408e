#include "tests/bench/bench_machine.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include "engine/core/parallel.h"
#include "engine/core/tensor.h"

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#endif

namespace attn::bench {

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// 12 independent accumulators hide the FMA latency (4 cycles x 2 pipes needs >= 8 in flight).
// Returns a value that depends on every step so nothing is optimised away.
float fma_loop(long iters) {
#if defined(__AVX2__) && defined(__FMA__)
  __m256 a[12];
  for (int i = 0; i < 12; ++i) a[i] = _mm256_set1_ps(1.f + 1e-3f * i);
  const __m256 b = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-7f);
  for (long t = 0; t < iters; ++t) {
#pragma GCC unroll 12
    for (int i = 0; i < 12; ++i) a[i] = _mm256_fmadd_ps(a[i], b, c);
  }
  __m256 s = a[0];
  for (int i = 1; i < 12; ++i) s = _mm256_add_ps(s, a[i]);
  float out[8];
  _mm256_storeu_ps(out, s);
  return out[0];
#else
  float a[12][8];
  for (int i = 0; i < 12; ++i)
    for (int l = 0; l < 8; ++l) a[i][l] = 1.f + 1e-3f * i;
  for (long t = 0; t < iters; ++t)
    for (int i = 0; i < 12; ++i)
      for (int l = 0; l < 8; ++l) a[i][l] = a[i][l] * 0.999999f + 1e-7f;
  float s = 0.f;
  for (int i = 0; i < 12; ++i) s += a[i][0];
  return s;
#endif
}

double status_field_bytes(const char* key) {
  std::ifstream f("/proc/self/status");
  std::string line;
  const std::size_t n = std::strlen(key);
  while (std::getline(f, line))
    if (line.compare(0, n, key) == 0) return std::stod(line.substr(n + 1)) * 1024.0;  // "VmRSS:  123 kB"
  return 0.0;
}

}  // namespace

double fma_peak_gflops(int threads) {
  const long iters = 20'000'000;  // 12 x 16 FLOP per step: ~0.04 s per thread at 100 GFLOP/s
  const int saved = engine_threads();
  set_engine_threads(threads);
  double best = 0.0;
  for (int trial = 0; trial < 5; ++trial) {
    volatile float sink = 0.f;
    const auto t0 = std::chrono::steady_clock::now();
    parallel_for(threads, [&](int) { sink = sink + fma_loop(iters); });
    best = std::max(best, threads * iters * 12.0 * 16.0 / seconds_since(t0) / 1e9);
  }
  set_engine_threads(saved);
  return best;
}

double eigen_gemm_gflops(int threads) {
  const int n = 1024;
  MatRM A = MatRM::Random(n, n), B = MatRM::Random(n, n), C(n, n);
  const int saved = engine_threads();
  set_engine_threads(threads);
  double best = 0.0;
  for (int trial = 0; trial < 5; ++trial) {
    const auto t0 = std::chrono::steady_clock::now();
    parallel_for(threads, [&](int t) {
      const int r0 = n * t / threads, r1 = n * (t + 1) / threads;
      C.middleRows(r0, r1 - r0).noalias() = A.middleRows(r0, r1 - r0) * B;
    });
    best = std::max(best, 2.0 * n * n * n / seconds_since(t0) / 1e9);
  }
  set_engine_threads(saved);
  if (!C.allFinite()) std::fprintf(stderr, "eigen_gemm_gflops: non-finite result\n");
  return best;
}

double rss_bytes() { return status_field_bytes("VmRSS:"); }
double rss_peak_bytes() { return status_field_bytes("VmHWM:"); }

bool reset_rss_peak() {
  std::ofstream f("/proc/self/clear_refs");
  f << "5";
  f.flush();
  return bool(f);
}

}  // namespace attn::bench
