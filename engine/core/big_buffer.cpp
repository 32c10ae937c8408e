#include "engine/core/big_buffer.h"

#include <cstdlib>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace attn {

namespace {
constexpr std::size_t kHugePage = std::size_t(2) << 20;  // x86-64 and arm64 (4 KiB base pages)
constexpr std::size_t kHugeFrom = std::size_t(4) << 20;  // smaller blocks: not worth a 2 MiB round-up
}  // namespace

void BigBufferFree::operator()(void* p) const { std::free(p); }

BigBuffer big_buffer(std::size_t bytes) {
  const bool huge = bytes >= kHugeFrom;
  const std::size_t align = huge ? kHugePage : 64;
  const std::size_t size = (bytes + align - 1) / align * align;  // aligned_alloc wants a multiple
  void* p = std::aligned_alloc(align, size ? size : align);
  if (!p) throw std::bad_alloc();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  // Only advice: without THP (or with it off) the memory is ordinary pages.
  if (huge) madvise(p, size, MADV_HUGEPAGE);
#endif
  return BigBuffer(p);
}

}  // namespace attn
