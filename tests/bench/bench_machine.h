// What the machine can do, measured in the same run as the attention benchmarks: the FMA peak
// (a register-only loop), an Eigen 1024^3 GEMM, and the process's resident-memory high-water mark.
#pragma once

namespace attn::bench {

// GFLOP/s of independent 8-wide FMA chains in registers, on `threads` threads (best of a few runs).
double fma_peak_gflops(int threads);

// GFLOP/s of C = A B, 1024 x 1024 float row-major, Eigen on `threads` threads (rows of C split
// evenly, Eigen's own threading off; best of a few runs).
double eigen_gemm_gflops(int threads);

// Resident set size and its high-water mark in bytes (/proc/self/status VmRSS, VmHWM), and a
// reset of the high-water mark to the current RSS (/proc/self/clear_refs; false if refused).
double rss_bytes();
double rss_peak_bytes();
bool reset_rss_peak();

}  // namespace attn::bench
