// Frame timing for the GUI benchmarks (--bench-frames N --bench-mode M): wall time from the start
// of a frame to the end of its glFinish after the swap; prints median / p95 / max as one JSON line,
// with the median of each phase: "ui" (events, compute, building the ImGui frame and the heatmap
// render targets it asks for), "draw" (submitting ImGui's draw lists) and "present" (swap and
// glFinish: on a software rasterizer most of the pixel work lands here).
#pragma once
#include <chrono>
#include <string>
#include <vector>

namespace attn::gui {

class FrameTimer {
 public:
  enum Phase { kUi = 0, kDraw = 1, kPresent = 2, kPhases = 3 };
  FrameTimer(int frames, std::string mode) : frames_(frames), mode_(std::move(mode)) {}
  bool active() const { return frames_ > 0; }
  void frame_start() { t0_ = last_ = std::chrono::steady_clock::now(); }
  // Ends the phase that ran since the frame start or the previous mark.
  void mark(Phase p);
  // The frame's ImGui vertex count (printed as the median: what llvmpipe transforms and bins).
  void note_vertices(int n) { vertices_.push_back(n); }
  // Records the frame (its last phase is "present"); returns true when enough frames were timed
  // (the stats are printed).
  bool frame_end();

 private:
  int frames_;
  std::string mode_;
  std::chrono::steady_clock::time_point t0_, last_;
  std::vector<double> ms_;
  double phase_now_[kPhases] = {0, 0, 0};
  std::vector<double> phase_ms_[kPhases];
  std::vector<double> vertices_;
};

}  // namespace attn::gui
