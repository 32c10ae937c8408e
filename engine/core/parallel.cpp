#include "engine/core/parallel.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <thread>
#include <vector>

namespace attn {

namespace {
std::atomic<int> g_threads{0};
}

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
  std::atomic<int> next{0};
  std::exception_ptr error;
  std::atomic<bool> failed{false};
  auto worker = [&] {
    for (int i = next++; i < count && !failed.load(); i = next++) {
      try {
        fn(i);
      } catch (...) {
        if (!failed.exchange(true)) error = std::current_exception();
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace attn
