// Memory for the engine's large blocks (a model's parameters, gradients and activations):
// 64-byte aligned, and for blocks of 4 MiB or more backed by transparent huge pages where the
// kernel offers them (madvise(MADV_HUGEPAGE); Debian's default THP mode is "madvise").
//
// Why: the first touch of fresh memory takes one page fault per 4 KiB page, and on the virtual
// machines we measured those faults dominated opening a model: `attnscope run` on a 12-layer x
// 12-head, width-384 model (85 MB of weights) took 1.6 - 1.8 s, 40% of it in the kernel's fault
// handler. With the model's blocks here (one fault per 2 MiB) it took 1.2 s, and 0.2 s once the
// weights file was also mapped instead of read (engine/io/safetensors.cpp).
#pragma once
#include <cstddef>
#include <memory>

namespace attn {

struct BigBufferFree {
  void operator()(void* p) const;
};
using BigBuffer = std::unique_ptr<void, BigBufferFree>;

// Allocates `bytes` (uninitialised). Throws std::bad_alloc when the memory is not there.
BigBuffer big_buffer(std::size_t bytes);

}  // namespace attn
