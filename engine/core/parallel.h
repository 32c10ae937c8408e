// Deterministic parallel loop: item i is computed by exactly one thread, and the work each item
// does never depends on the thread count, so results are bit-identical for 1 or many threads.
#pragma once
#include <functional>

namespace attn {

// Number of worker threads the engine uses (default: hardware concurrency; set to 1 for serial).
int engine_threads();
void set_engine_threads(int n);

// Runs fn(i) for i in [0, count) over up to engine_threads() threads; items are picked up dynamically.
void parallel_for(int count, const std::function<void(int)>& fn);

}  // namespace attn
