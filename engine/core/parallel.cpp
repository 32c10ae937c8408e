// A persistent pool: worker threads are started once (on the first parallel_for that needs them)
// and wait between calls, so a call does not pay for thread creation (tens of microseconds on an
// idle machine, milliseconds on a loaded one, where the new thread also waits to be scheduled).
// After a job a worker spins briefly before sleeping: the engine's calls come in quick
// succession (forward then backward, head after head) and a spinning worker starts at once.
// One job at a time: a parallel_for issued while the pool is busy (from another thread, or
// nested inside an item) runs on threads of its own, as before the pool existed.
#include "engine/core/parallel.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__SSE2__)
#include <immintrin.h>
#endif

namespace attn {

namespace {

std::atomic<int> g_threads{0};

// Items [0, count) handed out dynamically to whoever asks; the first exception is kept.
struct Job {
  const std::function<void(int)>* fn = nullptr;
  int count = 0;
  std::atomic<int> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr error;

  void run() {
    for (int i = next++; i < count && !failed.load(std::memory_order_relaxed); i = next++) {
      try {
        (*fn)(i);
      } catch (...) {
        if (!failed.exchange(true)) error = std::current_exception();
      }
    }
  }
};

inline void cpu_relax() {
#if defined(__SSE2__)
  _mm_pause();
#endif
}

class Pool {
 public:
  ~Pool() {
    {
      std::lock_guard<std::mutex> lk(m_);
      stop_.store(true);
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
  }

  // Runs the job on the caller plus `helpers` workers; false (nothing run) when the pool is busy.
  bool run(Job& job, int helpers) {
    std::unique_lock<std::mutex> busy(busy_, std::try_to_lock);
    if (!busy.owns_lock()) return false;
    while (int(workers_.size()) < helpers) {
      const int id = int(workers_.size());
      workers_.emplace_back([this, id] { loop(id); });
    }
    {
      std::lock_guard<std::mutex> lk(m_);
      job_ = &job;
      helpers_ = helpers;
      active_.store(helpers, std::memory_order_relaxed);
      generation_.fetch_add(1, std::memory_order_release);
    }
    cv_.notify_all();
    job.run();
    // Wait for the helpers to finish their last item (spin first: they are usually about done).
    for (int spin = 0; active_.load(std::memory_order_acquire) != 0; ++spin) {
      if (spin < 4096) {
        cpu_relax();
      } else {
        std::unique_lock<std::mutex> lk(m_);
        done_cv_.wait(lk, [&] { return active_.load(std::memory_order_acquire) == 0; });
      }
    }
    job_ = nullptr;
    return true;
  }

 private:
  void loop(int id) {
    unsigned seen = 0;
    for (;;) {
      // Spin a little (about 100 microseconds) for the next job, then sleep on the condition variable.
      unsigned g = generation_.load(std::memory_order_acquire);
      const auto t0 = std::chrono::steady_clock::now();
      for (int spin = 0; g == seen && !stop_.load(std::memory_order_relaxed); ++spin) {
        cpu_relax();
        if ((spin & 255) == 255 && std::chrono::steady_clock::now() - t0 > std::chrono::microseconds(100)) break;
        g = generation_.load(std::memory_order_acquire);
      }
      Job* job = nullptr;
      bool mine = false;
      {
        std::unique_lock<std::mutex> lk(m_);
        cv_.wait(lk, [&] { return stop_ || generation_.load(std::memory_order_relaxed) != seen; });
        if (stop_) return;
        seen = generation_.load(std::memory_order_relaxed);
        job = job_;
        mine = id < helpers_;
      }
      if (!mine) continue;
      job->run();
      if (active_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        std::lock_guard<std::mutex> lk(m_);  // the caller may be about to wait: notify under the lock
        done_cv_.notify_one();
      }
    }
  }

  std::mutex busy_;  // held by the caller of the job in flight
  std::mutex m_;
  std::condition_variable cv_, done_cv_;
  std::vector<std::thread> workers_;
  Job* job_ = nullptr;
  int helpers_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<unsigned> generation_{0};
  std::atomic<int> active_{0};
};

Pool& pool() {
  static Pool p;
  return p;
}

}  // namespace

int engine_threads() {
  int n = g_threads.load();
  if (n <= 0) n = std::max(1u, std::thread::hardware_concurrency());
  return n;
}

void set_engine_threads(int n) { g_threads.store(n); }

void parallel_for(int count, const std::function<void(int)>& fn) {
  const int threads = std::min(engine_threads(), count);
  if (threads <= 1) {
    for (int i = 0; i < count; ++i) fn(i);
    return;
  }
  // Dynamic pick-up of items: which thread takes an item varies, but each item is computed
  // whole by one thread with the same code, so the numbers do not change.
  Job job;
  job.fn = &fn;
  job.count = count;
  if (!pool().run(job, threads - 1)) {  // pool busy: threads of our own
    std::vector<std::thread> own;
    for (int t = 1; t < threads; ++t) own.emplace_back([&] { job.run(); });
    job.run();
    for (auto& t : own) t.join();
  }
  if (job.error) std::rethrow_exception(job.error);
}

}  // namespace attn
