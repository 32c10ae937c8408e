#include "app/gui/frame_timer.h"

#include <algorithm>
#include <cstdio>

namespace attn::gui {

bool FrameTimer::frame_end() {
  ms_.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0_).count());
  // The first frames build the font atlas, shaders and textures: warm-up, not counted.
  constexpr size_t kWarmup = 10;
  if (ms_.size() < size_t(frames_) + kWarmup) return false;
  std::vector<double> v(ms_.begin() + kWarmup, ms_.end());
  std::sort(v.begin(), v.end());
  auto pct = [&](double p) { return v[std::min(v.size() - 1, size_t(p * double(v.size() - 1) + 0.5))]; };
  std::printf("{\"mode\": \"%s\", \"frames\": %zu, \"median_ms\": %.3f, \"p95_ms\": %.3f, \"max_ms\": %.3f}\n", mode_.c_str(),
              v.size(), pct(0.5), pct(0.95), v.back());
  std::fflush(stdout);
  return true;
}

}  // namespace attn::gui
