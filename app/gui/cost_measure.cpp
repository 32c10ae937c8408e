// Legend: N queries (= M keys), H heads, dk, dv. See cost_measure.h.
#include "app/gui/cost_measure.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "engine/analysis/cost.h"
#include "engine/core/error.h"
#include "engine/sandbox/init.h"
#include "engine/sandbox/multihead.h"
#include "engine/sandbox/positional.h"

namespace attn::gui {

namespace {

// A run keeps about eight N x M float matrices per head alive (S, L, A and their gradients,
// the softmax and score buffers); sizes past this budget are not measured.
constexpr double kMemoryBudget = 2.0e9;
double run_bytes(int H, int n) { return 8.0 * 4.0 * H * double(n) * n; }

MaskSpec stretch_mask(const MaskSpec& m, int n) {
  MaskSpec out;
  for (MaskPart p : m.parts) {
    if (p.kind == MaskKind::Padding && !p.key_flags.empty()) {
      const std::vector<uint8_t> old = p.key_flags;
      p.key_flags.resize(size_t(n));
      for (int j = 0; j < n; ++j) p.key_flags[size_t(j)] = old[size_t(j) * old.size() / size_t(n)];
    } else if (p.kind == MaskKind::Custom && p.custom.size() > 0) {
      const MaskM old = p.custom;
      p.custom.resize(n, n);
      for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) p.custom(i, j) = old(long(i) * old.rows() / n, long(j) * old.cols() / n);
    } else if (p.kind == MaskKind::Global) {
      std::vector<int> keep;
      for (int t : p.tokens)
        if (t < n) keep.push_back(t);
      p.tokens = keep;
    }
    out.parts.push_back(p);
  }
  return out;
}

}  // namespace

std::vector<int> cost_sizes(int max_n) {
  max_n = std::max(max_n, 32);
  const int step = std::max(32, (max_n / 32 + 31) / 32 * 32);
  std::vector<int> v;
  for (int n = step; n <= max_n; n += step) v.push_back(n);
  return v;
}

AttentionCase cost_case(const AttentionConfig& like, int n, uint64_t seed) {
  AttentionCase cs;
  AttentionConfig& c = cs.config;
  c.mode = AttnMode::Direct;
  c.N = c.M = n;
  c.H = like.H;
  c.dk = like.dk;
  c.dv = like.dv;
  c.D = 0;
  c.self_attention = true;
  c.scale_mode = like.scale_mode;
  c.custom_scale = like.custom_scale;
  c.tau = like.tau;
  c.axis = like.axis;
  c.mask = stretch_mask(like.mask, n);
  c.score = like.score;
  if (!pos_is_absolute(like.positional.kind)) c.positional = like.positional;
  init_random_tensors(cs, seed, 1.f, false);
  init_random_positional_and_score(cs, seed, 1.f);
  cs.loss.kind = LossKind::MSE;
  cs.loss.target = MatRM::Zero(n, long(c.H) * c.dv);
  return cs;
}

double fit_exponent(const std::vector<CostPoint>& points) {
  std::vector<CostPoint> use;
  for (const auto& p : points)
    if (p.N >= 128 && p.ms > 0.0) use.push_back(p);
  if (use.size() < 2) {
    use.clear();
    for (const auto& p : points)
      if (p.ms > 0.0) use.push_back(p);
  }
  if (use.size() < 2) return std::numeric_limits<double>::quiet_NaN();
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (const auto& p : use) {
    const double x = std::log(double(p.N)), y = std::log(p.ms);
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  const double k = double(use.size());
  return (k * sxy - sx * sy) / (k * sxx - sx * sx);
}

void CostMeasure::start(const AttentionConfig& like, int max_n, int repeats, std::function<void()> wake) {
  stop();
  const std::vector<int> sizes = cost_sizes(max_n);
  {
    std::lock_guard<std::mutex> lock(mu_);
    state_ = Snapshot();
    state_.sizes_total = int(sizes.size());
    state_.running = true;
  }
  cancel_.store(false);
  running_.store(true);
  runs_done_.store(0);
  heads_done_.store(0);
  total_runs_ = int(sizes.size()) * std::max(1, repeats);
  heads_ = like.H;
  thread_ = std::thread(&CostMeasure::run, this, like, sizes, std::max(1, repeats), std::move(wake));
}

void CostMeasure::stop() {
  cancel_.store(true);
  if (thread_.joinable()) thread_.join();
  running_.store(false);
}

CostMeasure::Snapshot CostMeasure::snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  Snapshot s = state_;
  if (s.running && total_runs_ > 0) {
    // Whole runs, plus the heads done of the current one (H forward + H backward).
    const double part = std::min(1.0, double(heads_done_.load()) / (2.0 * std::max(1, heads_)));
    s.progress = (runs_done_.load() + part) / total_runs_;
  }
  return s;
}

void CostMeasure::run(AttentionConfig like, std::vector<int> sizes, int repeats, std::function<void()> wake) {
  // A lower priority for this thread (Linux: per thread, inherited by the engine's worker
  // threads it starts), so the window keeps drawing and reading keys while it measures.
  setpriority(PRIO_PROCESS, id_t(syscall(SYS_gettid)), 10);
  int runs_done = 0;
  std::string note;
  for (size_t k = 0; k < sizes.size() && !cancel_.load(); ++k) {
    const int n = sizes[k];
    if (run_bytes(like.H, n) > kMemoryBudget) {
      note = "stopped before N = " + std::to_string(n) + ": one run would need about " +
             std::to_string(int(run_bytes(like.H, n) / 1e9 + 0.5)) + " GB";
      break;
    }
    std::vector<double> times;
    CostPoint point;
    point.N = n;
    try {
      const AttentionCase cs = cost_case(like, n, 1000 + uint64_t(n));
      const CostReport cost = attention_cost(cs.config);
      point.flops = cost.forward_flops + cost.backward_flops;
      // The engine checks the cancel flag between heads, so a long run stops early too.
      RunControl ctl;
      ctl.cancel = &cancel_;
      ctl.steps_done = &heads_done_;
      for (int r = 0; r < repeats && !cancel_.load(); ++r) {
        heads_done_.store(0);
        const auto t0 = std::chrono::steady_clock::now();
        const AttentionResult res = run_attention(cs, true, &ctl);
        times.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
        ++runs_done;
        heads_done_.store(0);
        runs_done_.store(runs_done);
        if (wake) wake();
      }
    } catch (const RunCancelled&) {
      break;
    } catch (const InputError& e) {
      note = std::string("cannot measure this configuration: ") + e.what();
      break;
    } catch (const std::bad_alloc&) {
      note = "out of memory at N = " + std::to_string(n);
      break;
    }
    if (int(times.size()) < repeats) break;  // cancelled inside this size
    std::sort(times.begin(), times.end());
    point.ms = times[times.size() / 2];
    std::lock_guard<std::mutex> lock(mu_);
    state_.points.push_back(point);
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    state_.running = false;
    state_.cancelled = cancel_.load();
    state_.finished = !state_.cancelled;
    state_.progress = state_.finished ? 1.0 : double(runs_done) / std::max(1, total_runs_);
    state_.note = note;
  }
  running_.store(false);
  if (wake) wake();
}

}  // namespace attn::gui
