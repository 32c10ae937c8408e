// libFuzzer target: the safetensors reader. Any bytes either parse (and then every F32/F16/BF16
// tensor converts, and re-serialising the F32 values parses again to the same values) or throw
// InputError; nothing else may happen (ASan/UBSan watch for the rest).
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "engine/core/error.h"
#include "engine/io/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace attn;
  try {
    const Safetensors st = Safetensors::parse(std::string(reinterpret_cast<const char*>(data), size), "fuzz");
    std::vector<std::vector<float>> values;
    std::vector<SafetensorsOut> out;
    for (const SafetensorsEntry& e : st.entries()) {
      if (e.dtype != "F32" && e.dtype != "F16" && e.dtype != "BF16") continue;
      values.push_back(st.to_float(e));
      if (values.back().size() != e.numel()) std::abort();
    }
    std::size_t k = 0;
    for (const SafetensorsEntry& e : st.entries())
      if (e.dtype == "F32" || e.dtype == "F16" || e.dtype == "BF16") out.push_back({e.name, e.shape, values[k++].data()});
    const Safetensors back = Safetensors::parse(safetensors_serialize(out, st.metadata()), "again");
    if (back.entries().size() != out.size()) std::abort();
    for (std::size_t i = 0; i < out.size(); ++i) {
      const std::vector<float> v = back.to_float(*back.find(out[i].name));
      if (v.size() != values[i].size() || (!v.empty() && std::memcmp(v.data(), values[i].data(), 4 * v.size()) != 0))
        std::abort();
    }
  } catch (const InputError&) {
  }
  return 0;
}
