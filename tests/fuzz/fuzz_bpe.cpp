// libFuzzer target: the GPT-2 byte-level BPE tokenizer. The first byte picks the mode:
//   even: encode the rest with the fixture vocabulary (tests/fixtures/bpe); decoding must give
//         the bytes back exactly, spans must tile the text, pre-tokenizer pieces must tile it too;
//   odd:  the rest, split at the first NUL, is a vocab.json and a merges.txt: loading either
//         succeeds (then encode/decode round-trips "hello wörld") or throws InputError.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "engine/core/error.h"
#include "engine/text/bpe.h"

namespace {

void check_round_trip(const attn::BpeTokenizer& bpe, const std::string& text) {
  const attn::Encoding e = bpe.encode(text);
  if (bpe.decode(e.ids) != text) std::abort();
  if (e.ids.size() != e.spans.size() || e.ids.size() != e.tokens.size()) std::abort();
  std::size_t pos = 0;
  for (const auto& [b, end] : e.spans) {
    if (b != pos || end <= b) std::abort();
    pos = end;
  }
  if (pos != text.size()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace attn;
  if (size == 0) return 0;
  const std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    static const BpeTokenizer bpe = BpeTokenizer::from_files(std::string(ATTNSCOPE_FIXTURES) + "/bpe/vocab.json",
                                                            std::string(ATTNSCOPE_FIXTURES) + "/bpe/merges.txt");
    check_round_trip(bpe, rest);
    std::size_t pos = 0;
    for (const auto& [b, end] : gpt2_pretokenize(rest)) {
      if (b != pos || end <= b) std::abort();
      pos = end;
    }
    if (pos != rest.size()) std::abort();
    return 0;
  }
  const std::size_t nul = rest.find('\0');
  try {
    const BpeTokenizer t = BpeTokenizer::from_text(rest.substr(0, nul), nul == std::string::npos ? "" : rest.substr(nul + 1));
    check_round_trip(t, "hello w\xC3\xB6rld 's 12");
  } catch (const InputError&) {
  }
  return 0;
}
