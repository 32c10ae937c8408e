#include "engine/io/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

#include "engine/core/error.h"
#include "engine/io/atomic_file.h"

namespace attn {

namespace {

using json = nlohmann::json;

constexpr std::size_t kMaxHeader = 100u << 20;  // the reference implementation's limit

// Bytes per element of every dtype the format defines; 0 = unknown.
std::size_t dtype_size(const std::string& d) {
  static const std::map<std::string, std::size_t> sizes = {
      {"BOOL", 1}, {"U8", 1},  {"I8", 1},  {"F8_E4M3", 1}, {"F8_E5M2", 1}, {"I16", 2}, {"U16", 2}, {"F16", 2},
      {"BF16", 2}, {"I32", 4}, {"U32", 4}, {"F32", 4},     {"F64", 8},     {"I64", 8}, {"U64", 8}};
  const auto it = sizes.find(d);
  return it == sizes.end() ? 0 : it->second;
}

bool host_little_endian() {
  const uint16_t one = 1;
  unsigned char b;
  std::memcpy(&b, &one, 1);
  return b == 1;
}

std::string shape_text(const std::vector<int64_t>& s) {
  std::string t = "[";
  for (std::size_t i = 0; i < s.size(); ++i) t += (i ? ", " : "") + std::to_string(s[i]);
  return t + "]";
}

}  // namespace

std::size_t SafetensorsEntry::numel() const {
  std::size_t n = 1;
  for (int64_t d : shape) n *= std::size_t(d);
  return n;
}

float f16_to_float(uint16_t h) {
  const uint32_t sign = uint32_t(h & 0x8000u) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ffu;
  uint32_t bits;
  if (exp == 0) {
    if (man == 0) {
      bits = sign;
    } else {  // subnormal: renormalise
      int e = -1;
      uint32_t m = man;
      do {
        ++e;
        m <<= 1;
      } while ((m & 0x400u) == 0);
      bits = sign | uint32_t(127 - 15 - e) << 23 | (m & 0x3ffu) << 13;
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | man << 13;  // inf or NaN
  } else {
    bits = sign | (exp + 127 - 15) << 23 | man << 13;
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

float bf16_to_float(uint16_t b) {
  const uint32_t bits = uint32_t(b) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

namespace {

// A read-only private mapping of a whole regular file, or null when the file cannot be mapped
// (then it is read instead). Mapping a model's weights costs a fault per 64 KiB of page cache
// (the kernel maps neighbouring pages on each fault) instead of a copy of every byte into fresh
// memory that faults once per 4 KiB page.
std::shared_ptr<const char> map_file(const std::string& path, std::size_t* size) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return nullptr;
  struct stat sb;
  void* p = MAP_FAILED;
  if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0)
    p = mmap(nullptr, std::size_t(sb.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);  // the mapping keeps the file
  if (p == MAP_FAILED) return nullptr;
  *size = std::size_t(sb.st_size);
  const std::size_t n = *size;
  return std::shared_ptr<const char>(static_cast<const char*>(p), [n](const char* q) { munmap(const_cast<char*>(q), n); });
}

}  // namespace

Safetensors Safetensors::read(const std::string& path) {
  std::size_t size = 0;
  if (auto mapped = map_file(path, &size)) return parse_view(std::move(mapped), size, path);
  return parse(read_file(path, path), path);  // errors (missing file, a folder, ...) say why
}

Safetensors Safetensors::parse(std::string bytes, const std::string& source) {
  auto owned = std::make_shared<const std::string>(std::move(bytes));
  const std::size_t size = owned->size();
  return parse_view(std::shared_ptr<const char>(owned, owned->data()), size, source);
}

Safetensors Safetensors::parse_view(std::shared_ptr<const char> data, std::size_t size, const std::string& source) {
  struct View {
    const char* p;
    std::size_t n;
    std::size_t size() const { return n; }
    const char* begin() const { return p; }
    char operator[](std::size_t i) const { return p[i]; }
  } bytes{data.get(), size};
  Safetensors st;
  st.source_ = source;
  auto fail = [&](const std::string& why) { throw InputError(source, why); };
  if (!host_little_endian()) fail("safetensors files are little-endian; this machine is not");
  if (bytes.size() < 8)
    fail("not a safetensors file: " + std::to_string(bytes.size()) + " bytes, too short for the 8-byte header length");
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = n << 8 | uint8_t(bytes[i]);
  if (n > bytes.size() - 8)
    fail("header length " + std::to_string(n) + " runs past the end of the file (" + std::to_string(bytes.size()) +
         " bytes): not a safetensors file, or a truncated one");
  if (n > kMaxHeader) fail("header length " + std::to_string(n) + " is over the 100 MB limit");
  if (n < 2) fail("the header is empty; expected a JSON object");
  json header;
  try {
    header = json::parse(bytes.begin() + 8, bytes.begin() + 8 + std::ptrdiff_t(n));
  } catch (const json::exception& e) {
    fail(std::string("the header is not valid JSON (") + e.what() + ")");
  }
  if (!header.is_object()) fail("the header is not a JSON object");
  const std::size_t data_size = bytes.size() - 8 - n;
  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& name = it.key();
    const json& v = it.value();
    if (name == "__metadata__") {
      if (!v.is_object()) fail("__metadata__ must be an object of strings");
      for (auto m = v.begin(); m != v.end(); ++m) {
        if (!m.value().is_string()) fail("__metadata__." + m.key() + " must be a string");
        st.metadata_[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    const std::string where = "tensor '" + name + "': ";
    if (!v.is_object()) fail(where + "the entry must be an object with dtype, shape and data_offsets");
    if (!v.contains("dtype") || !v["dtype"].is_string()) fail(where + "dtype is missing or not a string");
    if (!v.contains("shape") || !v["shape"].is_array()) fail(where + "shape is missing or not an array");
    if (!v.contains("data_offsets") || !v["data_offsets"].is_array() || v["data_offsets"].size() != 2)
      fail(where + "data_offsets must be an array [begin, end]");
    SafetensorsEntry e;
    e.name = name;
    e.dtype = v["dtype"].get<std::string>();
    const std::size_t es = dtype_size(e.dtype);
    if (es == 0)
      fail(where + "unknown dtype '" + e.dtype + "' (safetensors dtypes: F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL, ...)");
    // numel with overflow checks: a header may claim anything
    std::size_t numel = 1;
    bool overflow = false;
    for (const json& d : v["shape"]) {
      if (!d.is_number_unsigned()) fail(where + "shape must hold non-negative integers, got " + v["shape"].dump());
      const uint64_t k = d.get<uint64_t>();
      if (k != 0 && numel > std::numeric_limits<std::size_t>::max() / k) overflow = true;
      numel *= std::size_t(k);
      e.shape.push_back(int64_t(std::min<uint64_t>(k, uint64_t(std::numeric_limits<int64_t>::max()))));
    }
    for (const json& d : v["data_offsets"])
      if (!d.is_number_unsigned()) fail(where + "data_offsets must be two non-negative integers, got " + v["data_offsets"].dump());
    const uint64_t b = v["data_offsets"][0].get<uint64_t>(), end = v["data_offsets"][1].get<uint64_t>();
    if (b > end || end > data_size)
      fail(where + "data_offsets [" + std::to_string(b) + ", " + std::to_string(end) +
           "] are out of range: the data section has " + std::to_string(data_size) + " bytes");
    if (overflow || numel > std::numeric_limits<std::size_t>::max() / es || numel * es != end - b)
      fail(where + "shape " + shape_text(e.shape) + " of " + e.dtype + " needs " +
           (overflow ? std::string("more bytes than fit in memory") : std::to_string(numel * es) + " bytes") +
           ", but data_offsets give " + std::to_string(end - b));
    e.begin = b;
    e.end = end;
    st.entries_.push_back(std::move(e));
  }
  // Overlaps: sort the byte ranges; each must end before the next non-empty one begins.
  std::vector<const SafetensorsEntry*> by_offset;
  for (const auto& e : st.entries_)
    if (e.end > e.begin) by_offset.push_back(&e);
  std::sort(by_offset.begin(), by_offset.end(),
            [](const SafetensorsEntry* a, const SafetensorsEntry* b) { return a->begin < b->begin; });
  for (std::size_t i = 1; i < by_offset.size(); ++i)
    if (by_offset[i]->begin < by_offset[i - 1]->end)
      fail("tensors '" + by_offset[i - 1]->name + "' (bytes " + std::to_string(by_offset[i - 1]->begin) + " to " +
           std::to_string(by_offset[i - 1]->end) + ") and '" + by_offset[i]->name + "' (bytes " +
           std::to_string(by_offset[i]->begin) + " to " + std::to_string(by_offset[i]->end) + ") overlap");
  st.data_start_ = 8 + n;
  st.bytes_ = std::move(data);
  return st;
}

const SafetensorsEntry* Safetensors::find(const std::string& name) const {
  for (const auto& e : entries_)
    if (e.name == name) return &e;
  return nullptr;
}

void Safetensors::to_float(const SafetensorsEntry& e, float* out) const {
  const char* p = bytes_.get() + data_start_ + e.begin;
  const std::size_t n = e.numel();
  if (n == 0) return;  // out may be null then
  if (e.dtype == "F32") {
    std::memcpy(out, p, n * 4);
  } else if (e.dtype == "F16" || e.dtype == "BF16") {
    const bool half = e.dtype == "F16";
    for (std::size_t i = 0; i < n; ++i) {
      uint16_t h;
      std::memcpy(&h, p + 2 * i, 2);
      out[i] = half ? f16_to_float(h) : bf16_to_float(h);
    }
  } else {
    throw InputError(source_, "tensor '" + e.name + "' has dtype " + e.dtype + "; attnscope reads F32, F16 and BF16");
  }
}

std::vector<float> Safetensors::to_float(const SafetensorsEntry& e) const {
  std::vector<float> v(e.numel());
  to_float(e, v.data());
  return v;
}

std::string safetensors_serialize(const std::vector<SafetensorsOut>& tensors,
                                  const std::map<std::string, std::string>& metadata) {
  require(host_little_endian(), "output", "safetensors files are little-endian; this machine is not");
  json header = json::object();
  std::size_t offset = 0;
  for (const auto& t : tensors) {
    std::size_t n = 1;
    for (int64_t d : t.shape) n *= std::size_t(d);
    header[t.name] = {{"dtype", "F32"}, {"shape", t.shape}, {"data_offsets", {offset, offset + 4 * n}}};
    offset += 4 * n;
  }
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::string h = header.dump();
  h.append((8 - h.size() % 8) % 8, ' ');
  std::string out(8, '\0');
  const uint64_t n = h.size();
  for (int i = 0; i < 8; ++i) out[i] = char((n >> (8 * i)) & 0xff);
  out += h;
  out.reserve(out.size() + offset);
  for (const auto& t : tensors) {
    std::size_t k = 1;
    for (int64_t d : t.shape) k *= std::size_t(d);
    if (k > 0) out.append(reinterpret_cast<const char*>(t.data), 4 * k);
  }
  return out;
}

void safetensors_write(const std::string& path, const std::vector<SafetensorsOut>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  write_file_atomic(path, safetensors_serialize(tensors, metadata));
}

}  // namespace attn
