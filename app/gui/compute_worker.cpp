#include "app/gui/compute_worker.h"

#include <chrono>

#include "engine/core/error.h"

namespace attn::gui {

ComputeWorker::ComputeWorker() { thread_ = std::thread([this] { loop(); }); }

ComputeWorker::~ComputeWorker() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
    pending_.reset();
  }
  cancel_ = true;
  wake_.notify_all();
  thread_.join();
}

void ComputeWorker::request(const AttentionCase& cs, uint64_t version) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_.emplace(cs, version);
  }
  if (busy_) cancel_ = true;  // the running job is stale now
  wake_.notify_all();
}

void ComputeWorker::cancel() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_.reset();
  }
  if (busy_) cancel_ = true;
}

std::optional<ComputeWorker::Done> ComputeWorker::take_done() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::optional<Done> d = std::move(done_);
  done_.reset();
  return d;
}

float ComputeWorker::progress() const {
  const int total = std::max(1, steps_total_.load());
  return std::min(1.f, float(steps_done_.load()) / float(total));
}

void ComputeWorker::loop() {
  for (;;) {
    std::pair<AttentionCase, uint64_t> job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stop_ || pending_.has_value(); });
      if (stop_) return;
      job = std::move(*pending_);
      pending_.reset();
      cancel_ = false;
      busy_ = true;
    }
    running_version_ = job.second;
    steps_done_ = 0;
    steps_total_ = job.first.config.H * (job.first.loss.kind == LossKind::None ? 1 : 2);
    Done d;
    d.version = job.second;
    const auto t0 = std::chrono::steady_clock::now();
    RunControl ctl;
    ctl.cancel = &cancel_;
    ctl.steps_done = &steps_done_;
    try {
      d.result = run_attention(job.first, true, &ctl);
      d.ok = true;
    } catch (const RunCancelled&) {
      d.cancelled = true;
    } catch (const InputError& e) {
      d.error = e.what();
    } catch (const std::bad_alloc&) {
      d.error = "out of memory: make N, M or H smaller";
    }
    d.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      // A cancelled job whose successor is already queued reports nothing.
      if (!(d.cancelled && pending_.has_value())) done_ = std::move(d);
      busy_ = false;
    }
  }
}

}  // namespace attn::gui
