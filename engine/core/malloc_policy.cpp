#include "engine/core/malloc_policy.h"

#include <cstdlib>  // defines __GLIBC__ on glibc systems

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace attn {

void use_interactive_malloc_policy() {
#if defined(__GLIBC__)
  // Blocks below 32 MiB (glibc's largest allowed threshold on 64-bit; a larger value is refused)
  // come from the heap (a 2048 x 2048 float matrix is 16 MiB), and the heap is given back to the
  // OS only when more than 256 MiB are free at its top. Setting either value also turns off
  // glibc's dynamic adjustment of both, so they stay put.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
}

}  // namespace attn
