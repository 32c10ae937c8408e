// safetensors files (the Hugging Face format), read and written.
//
// Layout: 8 bytes: N, the header length, unsigned little-endian; N bytes: a JSON object
// {"name": {"dtype": "F32", "shape": [r, c], "data_offsets": [begin, end]}, ..., "__metadata__":
// {"key": "value"}}; then the data section, where each tensor's bytes (row-major, little-endian)
// sit at [begin, end) relative to the start of the section.
//
// Reading checks everything before any byte is used, and each failure names the file and the
// problem (InputError with the file path as the field): a file too short for the length, a header
// length past the end of the file, a header that is not a JSON object, a bad entry (dtype, shape or
// offsets missing or of the wrong kind), an unknown dtype, offsets out of the data section or out
// of order (end < begin), a byte count that does not match shape x dtype size, and two tensors
// whose bytes overlap. Only F32, F16 and BF16 tensors convert to float32 (to_float); other known
// dtypes (I64, BOOL, ...) may be present (e.g. GPT-2's attn.bias buffers) as long as nobody reads them.
// Writing: F32 only, tensors in the given order, the header padded with spaces to 8 bytes.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace attn {

struct SafetensorsEntry {
  std::string name, dtype;
  std::vector<int64_t> shape;
  std::size_t begin = 0, end = 0;  // byte offsets inside the data section
  std::size_t numel() const;
};

class Safetensors {
 public:
  // `source` names the file in messages. Takes the whole file's bytes.
  static Safetensors parse(std::string bytes, const std::string& source);
  // Maps the file read-only (a regular file; others are read), then parses it.
  static Safetensors read(const std::string& path);

  const std::vector<SafetensorsEntry>& entries() const { return entries_; }  // in header order
  const SafetensorsEntry* find(const std::string& name) const;
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  const std::string& source() const { return source_; }
  // Converts the tensor to float32 into out (numel floats). Throws InputError for a dtype other
  // than F32, F16 or BF16.
  void to_float(const SafetensorsEntry& e, float* out) const;
  std::vector<float> to_float(const SafetensorsEntry& e) const;

 private:
  static Safetensors parse_view(std::shared_ptr<const char> data, std::size_t size, const std::string& source);
  std::shared_ptr<const char> bytes_;  // the whole file: a file mapping or an owned string
  std::string source_;
  std::size_t data_start_ = 0;
  std::vector<SafetensorsEntry> entries_;
  std::map<std::string, std::string> metadata_;
};

struct SafetensorsOut {
  std::string name;
  std::vector<int64_t> shape;
  const float* data;  // numel floats
};

std::string safetensors_serialize(const std::vector<SafetensorsOut>& tensors,
                                  const std::map<std::string, std::string>& metadata = {});
// Writes atomically (atomic_file.h).
void safetensors_write(const std::string& path, const std::vector<SafetensorsOut>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

// Half-precision conversions (IEEE binary16 and bfloat16 bit patterns to float32).
float f16_to_float(uint16_t h);
float bf16_to_float(uint16_t b);

}  // namespace attn
