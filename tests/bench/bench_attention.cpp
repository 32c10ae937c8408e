// Benchmarks of direct-mode multi-head attention (issue 2), forward and forward+backward:
//   fast        mha_forward / mha_backward (engine/ops/attention_fast.h), all heads at once
//   eigen_head  attention_forward / attention_backward per head (engine/ops/attention.h), plain
//               Eigen products, heads spread over the threads the same way
//   ref         the reference twins *_ref per head (triple loops in double): only N <= 512, they
//               take seconds per call beyond
// H = 12, dk = dv = 64, N = M in {64 .. 2048}, no mask, scale 1/8, on 1 and 2 threads. FLOPs are
// the matmul count of cost.h: 4 H N M dk forward, twice that backward.
// Before the benchmarks the run measures the FMA peak and an Eigen 1024^3 GEMM (bench_machine.h)
// for 1 and 2 threads; every benchmark reports its GFLOP/s as a fraction of both, and its peak
// memory (resident-set high-water mark during the timed loop, minus the RSS before its inputs).
// After the run a summary table is printed with PyTorch's times when given --torch=<json> from
// tests/bench/run_torch.sh. The machine is shared, so by default every benchmark runs 5
// repetitions of >= 0.2 s, interleaved in random order over the whole run, and the table takes
// the fastest repetition (the one least disturbed), plus the fastest single call of all of them
// (bench_torch.py reports PyTorch's fastest call, so the PyTorch ratio compares those); the FMA peak and the GEMM are measured
// before and after the benchmarks and the higher figure is kept. Any of these defaults can be
// overridden with the usual --benchmark_* flags.
// Legend: N queries, M keys, H heads, dk, dv.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include <unistd.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "engine/analysis/cost.h"
#include "engine/core/parallel.h"
#include "engine/ops/attention.h"
#include "engine/ops/attention_fast.h"
#include "tests/bench/bench_machine.h"

namespace attn::bench {
namespace {

constexpr int kH = 12, kD = 64;
constexpr int kSizes[] = {64, 128, 256, 512, 1024, 2048};
constexpr int kRefMaxN = 512;
constexpr float kScale = 0.125f;  // 1 / sqrt(dk)

struct Machine {
  double peak[3] = {0, 0, 0}, gemm[3] = {0, 0, 0};  // indexed by thread count 1, 2
} g_machine;

double flops(int N, bool backward) {
  const double fwd = attention_matmul_flops(kH, N, N, kD, kD, false);
  return backward ? fwd + attention_matmul_flops(kH, N, N, kD, kD, true) : fwd;
}

struct Inputs {
  MatRM Q, K, V, dO;
};

Inputs make_inputs(int N) {
  std::srand(1);  // Eigen's Random uses std::rand: the same inputs every run
  return {MatRM::Random(N, kH * kD), MatRM::Random(N, kH * kD), MatRM::Random(N, kH * kD),
          MatRM::Random(N, kH * kD)};
}

// Times `body` in the benchmark loop and sets the counters: GFLOP/s, fractions of the FMA peak
// and of the Eigen GEMM for the same thread count, peak memory.
template <class Body>
void timed(benchmark::State& st, int N, int T, bool backward, double base_rss, const Body& body) {
  body();  // warm-up: workspaces and outputs get their size here, never in the timed loop
  reset_rss_peak();
  const auto t0 = std::chrono::steady_clock::now();
  double call_min = 1e300;  // the fastest single call, seconds
  for (auto _ : st) {
    const auto c0 = std::chrono::steady_clock::now();
    body();
    benchmark::ClobberMemory();
    call_min = std::min(call_min, std::chrono::duration<double>(std::chrono::steady_clock::now() - c0).count());
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double gflops = flops(N, backward) * double(st.iterations()) / s / 1e9;
  st.counters["GFLOPs"] = gflops;
  st.counters["of_peak"] = gflops / g_machine.peak[T];
  st.counters["of_gemm"] = gflops / g_machine.gemm[T];
  st.counters["peak_MB"] = (rss_peak_bytes() - base_rss) / 1e6;
  st.counters["call_ms"] = call_min * 1e3;
}

void bm_fast(benchmark::State& st, int N, int T, bool backward) {
  set_engine_threads(T);
  const double base = rss_bytes();
  const Inputs in = make_inputs(N);
  MhaWorkspace ws;
  MatRM O, dQ, dK, dV;
  MhaOptions opt;
  opt.scale = kScale;
  timed(st, N, T, backward, base, [&] {
    mha_forward(O, ws, in.Q, in.K, in.V, kH, opt);
    if (backward) mha_backward(dQ, dK, dV, ws, in.dO, in.Q, in.K, in.V, kH, opt);
  });
  st.counters["ws_MB"] = ws.bytes() / 1e6;
}

void bm_eigen_head(benchmark::State& st, int N, int T, bool backward) {
  set_engine_threads(T);
  const double base = rss_bytes();
  const Inputs in = make_inputs(N);
  std::vector<AttentionCache> cache(kH);
  std::vector<AttentionGrads> grad(kH);
  std::vector<MatRM> O(kH);
  AttentionParams p;
  p.scale = kScale;
  timed(st, N, T, backward, base, [&] {
    parallel_for(kH, [&](int h) {
      const CHeadView Q = col_block(in.Q, h * kD, kD), K = col_block(in.K, h * kD, kD);
      const CHeadView V = col_block(in.V, h * kD, kD), dO = col_block(in.dO, h * kD, kD);
      attention_forward(cache[h], O[h], Q, K, V, p);
      if (backward) attention_backward(grad[h], dO, nullptr, nullptr, Q, K, V, cache[h], p);
    });
  });
}

void bm_ref(benchmark::State& st, int N, int T, bool backward) {
  set_engine_threads(T);
  const double base = rss_bytes();
  const Inputs in = make_inputs(N);
  std::vector<MatRM> Q(kH), K(kH), V(kH), dO(kH), O(kH);
  for (int h = 0; h < kH; ++h) {
    Q[h] = col_block(in.Q, h * kD, kD);
    K[h] = col_block(in.K, h * kD, kD);
    V[h] = col_block(in.V, h * kD, kD);
    dO[h] = col_block(in.dO, h * kD, kD);
  }
  std::vector<AttentionCache> cache(kH);
  std::vector<AttentionGrads> grad(kH);
  AttentionParams p;
  p.scale = kScale;
  timed(st, N, T, backward, base, [&] {
    parallel_for(kH, [&](int h) {
      attention_forward_ref(cache[h], O[h], Q[h], K[h], V[h], p);
      if (backward) attention_backward_ref(grad[h], dO[h], nullptr, nullptr, Q[h], K[h], V[h], cache[h], p);
    });
  });
}

std::string bench_name(const char* impl, bool backward, int N, int T) {
  return std::string(impl) + (backward ? "/fwd+bwd" : "/fwd") + "/N:" + std::to_string(N) + "/threads:" +
         std::to_string(T);
}

void register_all() {
  using Fn = void (*)(benchmark::State&, int, int, bool);
  const struct {
    const char* name;
    Fn fn;
    int max_n;
  } impls[] = {{"fast", bm_fast, 1 << 30}, {"eigen_head", bm_eigen_head, 1 << 30}, {"ref", bm_ref, kRefMaxN}};
  for (const auto& impl : impls)
    for (bool backward : {false, true})
      for (int N : kSizes)
        for (int T : {1, 2}) {
          if (N > impl.max_n) continue;
          benchmark::RegisterBenchmark(bench_name(impl.name, backward, N, T).c_str(), impl.fn, N, T, backward)
              ->UseRealTime()
              ->Unit(benchmark::kMillisecond);
        }
}

// Keeps every repetition's time per iteration (ms) and counters, by benchmark name.
struct Collected {
  double ms = 1e300;       // min over repetitions of the mean time per call
  double call_ms = 1e300;  // the fastest single call of all repetitions
  double peak_mb = 0;
};

class CollectingReporter : public benchmark::ConsoleReporter {
 public:
  CollectingReporter() : ConsoleReporter(isatty(fileno(stdout)) ? OO_ColorTabular : OO_Tabular) {}
  std::map<std::string, Collected> runs;
  void ReportRuns(const std::vector<Run>& reports) override {
    for (const Run& r : reports) {
      if (r.run_type != Run::RT_Iteration || r.error_occurred || r.iterations == 0) continue;
      Collected& c = runs[r.run_name.function_name];  // the registered name
      c.ms = std::min(c.ms, r.real_accumulated_time / double(r.iterations) * 1e3);
      const auto call = r.counters.find("call_ms");
      if (call != r.counters.end()) c.call_ms = std::min(c.call_ms, double(call->second));
      const auto it = r.counters.find("peak_MB");
      if (it != r.counters.end()) c.peak_mb = std::max(c.peak_mb, double(it->second));
    }
    ConsoleReporter::ReportRuns(reports);
  }
};

struct TorchTimes {
  double fwd_ms = 0, fwdbwd_ms = 0, fwd_mb = 0, fwdbwd_mb = 0;
};

// {"results": [{"N", "threads", "fwd_ms", "fwdbwd_ms", "fwd_peak_mb", "fwdbwd_peak_mb"}, ...]}
std::map<std::pair<int, int>, TorchTimes> read_torch(const std::string& path) {
  std::map<std::pair<int, int>, TorchTimes> out;
  if (path.empty()) return out;
  std::ifstream f(path);
  if (!f) {
    std::fprintf(stderr, "bench: cannot read --torch=%s; PyTorch columns left empty\n", path.c_str());
    return out;
  }
  const nlohmann::json j = nlohmann::json::parse(f);
  for (const auto& r : j.at("results")) {
    TorchTimes t;
    t.fwd_ms = r.at("fwd_ms");
    t.fwdbwd_ms = r.at("fwdbwd_ms");
    t.fwd_mb = r.value("fwd_peak_mb", 0.0);
    t.fwdbwd_mb = r.value("fwdbwd_peak_mb", 0.0);
    out[{r.at("N").get<int>(), r.at("threads").get<int>()}] = t;
  }
  return out;
}

std::string fmt(const char* f, double v) {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

// Milliseconds with 3 significant digits, never in exponent form.
std::string ms_str(double ms) { return fmt(ms >= 100 ? "%.0f" : "%.3g", ms); }

// "12.3 (4.5x)": their time and how many times faster we are; "-" when not measured.
std::string versus(const std::map<std::string, Collected>& runs, const std::string& name, double ours_ms) {
  const auto it = runs.find(name);
  if (it == runs.end()) return "-";
  return ms_str(it->second.ms) + " (" + fmt("%.1f", it->second.ms / ours_ms) + "x)";
}

void print_summary(const std::map<std::string, Collected>& runs,
                   const std::map<std::pair<int, int>, TorchTimes>& torch) {
  std::printf("\nMachine (higher of before/after): FMA peak %.1f GFLOP/s (1 thread), %.1f (2 threads); "
              "Eigen 1024^3 GEMM %.1f (1 thread), %.1f (2 threads)\n",
              g_machine.peak[1], g_machine.peak[2], g_machine.gemm[1], g_machine.gemm[2]);
  for (bool backward : {true, false}) {
    std::printf("\n%s, H = %d, dk = dv = %d, no mask; ms = mean per call of the fastest repetition (GFLOP/s and "
                "fractions from it); fastest call = the best single call, the statistic bench_torch.py reports "
                "for PyTorch, so the PyTorch ratio compares fastest calls; (Nx) = how many times faster fast is\n\n",
                backward ? "Forward + backward" : "Forward", kH, kD);
    std::printf("| N | threads | ms | fastest call ms | GFLOP/s | of FMA peak | of Eigen GEMM | PyTorch ms | "
                "eigen per head ms | reference ms | peak MB (fast / PyTorch) |\n");
    std::printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (int N : kSizes)
      for (int T : {1, 2}) {
        const auto it = runs.find(bench_name("fast", backward, N, T));
        if (it == runs.end()) continue;
        const double ms = it->second.ms, gf = flops(N, backward) / (ms * 1e-3) / 1e9, call = it->second.call_ms;
        std::string torch_ms = "-", torch_mb = "-";
        const auto t = torch.find({N, T});
        if (t != torch.end()) {
          const double tm = backward ? t->second.fwdbwd_ms : t->second.fwd_ms;
          torch_ms = ms_str(tm) + " (" + fmt("%.1f", tm / call) + "x)";
          torch_mb = fmt("%.0f", backward ? t->second.fwdbwd_mb : t->second.fwd_mb);
        }
        std::printf("| %d | %d | %s | %s | %.1f | %.0f%% | %.0f%% | %s | %s | %s | %.0f / %s |\n", N, T,
                    ms_str(ms).c_str(), ms_str(call).c_str(), gf,
                    100 * gf / g_machine.peak[T], 100 * gf / g_machine.gemm[T], torch_ms.c_str(),
                    versus(runs, bench_name("eigen_head", backward, N, T), ms).c_str(),
                    versus(runs, bench_name("ref", backward, N, T), ms).c_str(), it->second.peak_mb,
                    torch_mb.c_str());
      }
  }
  std::printf("\nreference: run for N <= %d only (triple loops in double).\n", kRefMaxN);
}

}  // namespace
}  // namespace attn::bench

int main(int argc, char** argv) {
  using namespace attn::bench;
#if defined(__GLIBC__)
  // A fixed mmap threshold: large buffers go back to the OS when freed, so one benchmark's peak
  // memory does not include what an earlier one left behind.
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
#endif
  // Our flag --torch=<json>; and the defaults above unless the caller set them.
  std::string torch_path;
  std::vector<char*> args;
  static char reps[] = "--benchmark_repetitions=5", min_time[] = "--benchmark_min_time=0.2",
              interleave[] = "--benchmark_enable_random_interleaving=true";
  std::vector<char*> defaults = {reps, min_time, interleave};
  for (int i = 0; i < argc; ++i) {
    if (std::strncmp(argv[i], "--torch=", 8) == 0) {
      torch_path = argv[i] + 8;
      continue;
    }
    for (auto& d : defaults)  // the caller's own setting wins
      if (d && std::strncmp(argv[i], d, std::strchr(d, '=') - d) == 0) d = nullptr;
    args.push_back(argv[i]);
  }
  for (char* d : defaults)
    if (d) args.insert(args.begin() + 1, d);
  int n = int(args.size());
  benchmark::Initialize(&n, args.data());
  if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 1;
  const auto torch = read_torch(torch_path);

  auto measure_machine = [](const char* when) {
    for (int T : {1, 2}) {
      const double peak = fma_peak_gflops(T), gemm = eigen_gemm_gflops(T);
      std::printf("%s, threads %d: FMA peak %.1f GFLOP/s, Eigen 1024^3 GEMM %.1f GFLOP/s\n", when, T, peak, gemm);
      g_machine.peak[T] = std::max(g_machine.peak[T], peak);
      g_machine.gemm[T] = std::max(g_machine.gemm[T], gemm);
    }
  };
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // our lines and the reporter's stay in order
  measure_machine("before");
  register_all();
  CollectingReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  measure_machine("after");
  print_summary(reporter.runs, torch);
  benchmark::Shutdown();
  return 0;
}
