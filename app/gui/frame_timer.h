// Frame timing for the GUI benchmarks (--bench-frames N --bench-mode M): wall time from the start
// of a frame to the end of its glFinish after the swap; prints median / p95 / max as one JSON line.
#pragma once
#include <chrono>
#include <string>
#include <vector>

namespace attn::gui {

class FrameTimer {
 public:
  FrameTimer(int frames, std::string mode) : frames_(frames), mode_(std::move(mode)) {}
  bool active() const { return frames_ > 0; }
  void frame_start() { t0_ = std::chrono::steady_clock::now(); }
  // Records the frame; returns true when enough frames were timed (the stats are printed).
  bool frame_end();

 private:
  int frames_;
  std::string mode_;
  std::chrono::steady_clock::time_point t0_;
  std::vector<double> ms_;
};

}  // namespace attn::gui
