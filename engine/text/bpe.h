// GPT-2's byte-level BPE tokenizer (vocab.json + merges.txt).
//
// 1. Pre-tokenization: the text is cut by GPT-2's pattern
//      's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//    implemented by hand over code points (gpt2_pretokenize), with Unicode letters and numbers
//    from libutf8proc. Bytes that are not valid UTF-8 count as "other" characters.
// 2. Each piece's bytes map to printable characters (the byte-to-unicode map: the 188 printable
//    Latin-1 bytes map to themselves, the other 68 to U+0100...), e.g. ' ' -> 'Ġ'.
// 3. Merges: repeatedly join the adjacent pair with the lowest merges.txt rank (every occurrence,
//    left to right) until no pair has a rank; each resulting symbol's id comes from vocab.json.
// Loading checks that every byte symbol and every merge result is in the vocabulary, so encode
// never meets an unknown symbol. Decoding maps the symbols back to bytes: any byte string
// round-trips exactly.
#pragma once
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/text/tokenizer.h"

namespace attn {

// Byte ranges [begin, end) of the pieces of GPT-2's pre-tokenization pattern.
std::vector<std::pair<std::size_t, std::size_t>> gpt2_pretokenize(const std::string& text);

// The byte-to-unicode map: byte b -> the UTF-8 of its printable stand-in.
const std::vector<std::string>& gpt2_byte_symbols();

class BpeTokenizer : public Tokenizer {
 public:
  // Reads the two files; `vocab_name`/`merges_name` name them in messages.
  static BpeTokenizer from_files(const std::string& vocab_path, const std::string& merges_path);
  static BpeTokenizer from_text(const std::string& vocab_json, const std::string& merges_txt,
                                const std::string& vocab_name = "vocab.json",
                                const std::string& merges_name = "merges.txt");

  std::string kind() const override { return "bpe"; }
  int vocab_size() const override { return int(id_to_symbol_.size()); }
  Encoding encode(const std::string& text) const override;
  std::string decode(const std::vector<int>& ids) const override;
  std::string token_text(int id) const override;
  // The vocabulary's own spelling of a token (byte-level symbols, e.g. "Ġworld").
  const std::string& symbol(int id) const;
  int id_of(const std::string& symbol) const;  // -1 when absent

 private:
  std::unordered_map<std::string, int> vocab_;
  std::vector<std::string> id_to_symbol_;
  std::vector<bool> has_id_;  // vocab.json may skip ids
  std::unordered_map<std::string, int> ranks_;  // key: left + ' ' + right
  std::unordered_map<int32_t, int> unicode_to_byte_;
  std::string symbol_bytes(const std::string& symbol) const;
  void bpe(const std::string& piece, std::vector<int>& ids, std::vector<std::size_t>& lens) const;
};

}  // namespace attn
