// A measured time-versus-N curve for the Cost tab: one forward + backward pass of multi-head
// attention (run_attention) on random cases of the current H, dk, dv, mask, score and relative
// encoding, for N = M = 32, 64, 96, ... up to a maximum (at most 32 sizes, evenly spaced, so the
// curve over N shows its parabola), the median of a few runs per size. It runs
// in its own thread so the window never waits; cancel() is honoured between heads of a run.
// Legend: N queries (= M keys), H heads, dk, dv.
#pragma once
#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/sandbox/case.h"

namespace attn::gui {

struct CostPoint {
  int N = 0;
  double ms = 0.0;     // median wall time of forward + backward
  double flops = 0.0;  // the cost model's forward + backward FLOPs at this N
};

// The sizes measured: step, 2 step, ... up to max_n, step = 32 (or the multiple of 32 that keeps
// it to 32 sizes); max_n below 32 counts as 32.
std::vector<int> cost_sizes(int max_n);

// A random direct-mode case shaped like `like` at N = M = n: same H, dk, dv, tau, scale, score
// kind and relative encoding (absolute ones need projections and are left out); per-token masks
// are stretched to n (padding flags, a custom pattern) or cut (global tokens); an MSE loss so the
// backward pass runs.
AttentionCase cost_case(const AttentionConfig& like, int n, uint64_t seed);

// The exponent p of time ~ N^p: least squares of log(ms) on log(N) over the points with
// N >= 128 (small sizes measure overhead), or all points when fewer than two are that large.
// NaN with fewer than two points.
double fit_exponent(const std::vector<CostPoint>& points);

class CostMeasure {
 public:
  struct Snapshot {
    std::vector<CostPoint> points;
    int sizes_total = 0;
    double progress = 0.0;  // 0..1 over all runs
    bool running = false, finished = false, cancelled = false;
    std::string note;       // why it stopped early (memory), or an error
  };

  ~CostMeasure() { stop(); }
  // Starts a measurement (a running one is stopped first). `wake` is called from the worker
  // after each run (e.g. glfwPostEmptyEvent) so the window redraws the progress.
  void start(const AttentionConfig& like, int max_n, int repeats, std::function<void()> wake);
  void cancel() { cancel_.store(true); }
  void stop();  // cancel and join
  bool running() const { return running_.load(); }
  Snapshot snapshot() const;

 private:
  void run(AttentionConfig like, std::vector<int> sizes, int repeats, std::function<void()> wake);

  mutable std::mutex mu_;
  Snapshot state_;  // guarded by mu_
  std::atomic<bool> cancel_{false}, running_{false};
  std::atomic<int> runs_done_{0}, heads_done_{0};  // progress, read by snapshot()
  int total_runs_ = 0, heads_ = 1;                  // set by start() before the thread runs
  std::thread thread_;                              // last: starts after every member above exists
};

}  // namespace attn::gui
