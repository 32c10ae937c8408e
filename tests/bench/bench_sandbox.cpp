// Benchmark of the GUI sandbox's compute (issue 5), in the `bench` target:
//   sandbox/run   run_attention of a direct-mode case with a causal mask and a one-cell loss
//                 (forward + backward, every intermediate the Sandbox tab shows kept: S, L, A,
//                 O and dS, dA, dQ, dK, dV per head), as the GUI runs it in the frame of an edit
//                 for N x M <= 256 x 256. H = 8, dk = dv = 64, random Q/K/V (seed 1): the case
//                 of tests/bench/gui_bench.sh's edit run.
// On 1 and 2 engine threads, under the app's allocator policy (engine/core/malloc_policy.h; the
// bench's main() fixes a 256 KiB mmap threshold for its memory figures, restored afterwards).
// Legend: N queries (= M keys), H heads.
#include <benchmark/benchmark.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "engine/core/malloc_policy.h"
#include "engine/core/parallel.h"
#include "engine/io/case_json.h"
#include "engine/sandbox/multihead.h"

namespace attn::bench {
namespace {

AttentionCase sandbox_case(int N) {
  json j = {{"schema_version", 1},
            {"config", {{"mode", "direct"}, {"mask", "causal"}, {"H", 8}, {"N", N}, {"dk", 64}}},
            {"inputs", {{"random", {{"seed", 1}}}}},
            {"loss", {{"kind", "cell"}, {"head", 0}, {"row", 1}, {"col", 0}}}};
  return case_from_json(j);
}

void sandbox_run(benchmark::State& st) {
  const int N = int(st.range(0));
  set_engine_threads(int(st.range(1)));
  const AttentionCase c = sandbox_case(N);
  use_interactive_malloc_policy();  // as app/main.cpp
  for (auto _ : st) {
    AttentionResult r = run_attention(c, true);
    benchmark::DoNotOptimize(r.loss);
  }
  set_engine_threads(0);
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);  // bench_attention.cpp's main()
  mallopt(M_TRIM_THRESHOLD, 128 * 1024);  // glibc's default
#endif
}

}  // namespace
}  // namespace attn::bench

BENCHMARK(attn::bench::sandbox_run)
    ->ArgNames({"N", "threads"})
    ->ArgsProduct({{64, 256}, {1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
