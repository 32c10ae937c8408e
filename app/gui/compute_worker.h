// Runs run_attention off the UI thread for cases too large for one frame. One long-lived thread
// takes the newest request; a request made while a job runs cancels that job (the engine checks
// between heads), so a stale job never delays the fresh one for long and the UI never waits.
#pragma once
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "engine/sandbox/multihead.h"

namespace attn::gui {

class ComputeWorker {
 public:
  ComputeWorker();
  ~ComputeWorker();
  ComputeWorker(const ComputeWorker&) = delete;
  ComputeWorker& operator=(const ComputeWorker&) = delete;

  // Computes a copy of `cs` for edit `version`, cancelling whatever runs now.
  void request(const AttentionCase& cs, uint64_t version);
  // Cancels the running job and drops any pending one.
  void cancel();

  struct Done {
    uint64_t version = 0;
    bool ok = false;
    bool cancelled = false;
    AttentionResult result;
    std::string error;
    double ms = 0.0;
  };
  // The finished job, if one finished since the last call.
  std::optional<Done> take_done();

  bool busy() const { return busy_.load(); }
  uint64_t running_version() const { return running_version_.load(); }
  // Progress of the running job in [0, 1] (heads done of forward + backward).
  float progress() const;

 private:
  void loop();

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::optional<std::pair<AttentionCase, uint64_t>> pending_;
  std::optional<Done> done_;
  std::atomic<bool> cancel_{false};
  std::atomic<bool> busy_{false};
  std::atomic<uint64_t> running_version_{0};
  std::atomic<int> steps_done_{0};
  std::atomic<int> steps_total_{1};
  // Last: members are constructed in declaration order, and the thread must not start before
  // the mutex, the condition variable and the flags it uses exist.
  std::thread thread_;
};

}  // namespace attn::gui
