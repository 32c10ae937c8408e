// How the process's allocator treats freed memory (glibc malloc).
//
// Why: the engine allocates its result matrices anew for every run (a sandbox edit at N = 256,
// H = 8 makes about 16 MB of per-head S, L, A and gradient matrices). With glibc's defaults those
// buffers are mmap'ed or trimmed back to the OS when freed, so the next run takes a page fault on
// every 4 KiB page again. On the virtual machines we measured, faults dominate the run:
// run_attention at N = 256, H = 8, fwd + bwd took 25 ms with the defaults and 2.9 ms with this
// policy (tests/bench/bench_sandbox.cpp). Keeping freed memory in the heap trades a bounded amount
// of resident memory (see the thresholds in malloc_policy.cpp) for that.
#pragma once

namespace attn {

// Call once at the start of main(), before any thread starts. A no-op on non-glibc systems.
void use_interactive_malloc_policy();

}  // namespace attn
