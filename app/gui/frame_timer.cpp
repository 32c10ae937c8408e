#include "app/gui/frame_timer.h"

#include <algorithm>
#include <cstdio>

namespace attn::gui {

namespace {
double ms_between(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}
// The value at fraction p of the sorted list (nearest rank).
double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, size_t(p * double(v.size() - 1) + 0.5))];
}
}  // namespace

void FrameTimer::mark(Phase p) {
  const auto now = std::chrono::steady_clock::now();
  phase_now_[p] += ms_between(last_, now);
  last_ = now;
}

bool FrameTimer::frame_end() {
  mark(kPresent);
  ms_.push_back(ms_between(t0_, last_));
  for (int p = 0; p < kPhases; ++p) {
    phase_ms_[p].push_back(phase_now_[p]);
    phase_now_[p] = 0;
  }
  // The first frames build the font atlas, shaders and textures: warm-up, not counted.
  constexpr size_t kWarmup = 10;
  if (ms_.size() < size_t(frames_) + kWarmup) return false;
  auto counted = [&](const std::vector<double>& all) { return std::vector<double>(all.begin() + kWarmup, all.end()); };
  const std::vector<double> v = counted(ms_);
  std::printf(
      "{\"mode\": \"%s\", \"frames\": %zu, \"median_ms\": %.3f, \"p95_ms\": %.3f, \"max_ms\": %.3f, "
      "\"ui_median_ms\": %.3f, \"draw_median_ms\": %.3f, \"present_median_ms\": %.3f, \"vertices\": %.0f}\n",
      mode_.c_str(), v.size(), percentile(v, 0.5), percentile(v, 0.95), percentile(v, 1.0),
      percentile(counted(phase_ms_[kUi]), 0.5), percentile(counted(phase_ms_[kDraw]), 0.5),
      percentile(counted(phase_ms_[kPresent]), 0.5),
      vertices_.size() > kWarmup ? percentile(counted(vertices_), 0.5) : 0.0);
  std::fflush(stdout);
  return true;
}

}  // namespace attn::gui
