// The tokenizer interface shared by the byte-level BPE (GPT-2), word-level and character-level
// tokenizers, and the choice of tokenizer for a model folder.
//
// encode(text) gives, per token, its id, a display string (valid UTF-8) and its byte span in the
// text ([begin, end), spans are contiguous for BPE and char; word-level skips whitespace).
// decode(ids) gives text back: for BPE and char exactly the encoded text (any bytes, for BPE);
// for word-level the words joined by single spaces (no space before closing punctuation).
#pragma once
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace attn {

struct Encoding {
  std::vector<int> ids;
  std::vector<std::string> tokens;                          // display strings
  std::vector<std::pair<std::size_t, std::size_t>> spans;  // bytes [begin, end) of the text
};

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  virtual std::string kind() const = 0;  // "bpe", "word" or "char"
  virtual int vocab_size() const = 0;    // 1 + the largest id
  virtual Encoding encode(const std::string& text) const = 0;
  virtual std::string decode(const std::vector<int>& ids) const = 0;  // InputError for an unknown id
  virtual std::string token_text(int id) const = 0;                  // display string of one id
};

// The tokenizer of a model folder: config["attnscope_tokenizer"] = "bpe" (vocab.json +
// merges.txt), "word" or "char" (vocab.txt); without the field, BPE when vocab.json and
// merges.txt exist. InputError when the files are missing or bad, or when the tokenizer has
// more ids than the model's vocab_size (`model_vocab_size`, 0 = do not check).
std::unique_ptr<Tokenizer> load_tokenizer(const std::string& dir, const nlohmann::json& config,
                                          int model_vocab_size = 0);

}  // namespace attn
