// Word-level and UTF-8 character-level tokenizers over a vocab.txt vocabulary (vocab_txt.h).
//
// Word-level: whitespace separates; a word is a run of letters, numbers and combining marks,
// with an apostrophe or hyphen inside it kept ("don't", "well-known"); every other character
// (punctuation, symbols, invalid bytes) is a token of its own. A word missing from the vocabulary
// is tried in lower case, then maps to <unk> (shown as "<unk>"). Decoding joins tokens with one
// space, none before closing punctuation (. , ; : ! ? ) ] } ') or after opening ( [ {.
// Character-level: every code point is a token (each invalid byte too); unknown ones map to <unk>.
// Decoding concatenates; <unk> decodes to "<unk>".
#pragma once
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/text/tokenizer.h"

namespace attn {

class VocabTokenizer : public Tokenizer {
 public:
  enum class Mode { Word, Char };
  VocabTokenizer(Mode mode, std::vector<std::string> tokens, const std::string& source = "vocab.txt");
  static VocabTokenizer from_file(Mode mode, const std::string& path);

  std::string kind() const override { return mode_ == Mode::Word ? "word" : "char"; }
  int vocab_size() const override { return int(tokens_.size()); }
  Encoding encode(const std::string& text) const override;
  std::string decode(const std::vector<int>& ids) const override;
  std::string token_text(int id) const override;
  int unk_id() const { return unk_; }
  int id_of(const std::string& token) const;  // -1 when absent

 private:
  Mode mode_;
  std::vector<std::string> tokens_;
  std::unordered_map<std::string, int> ids_;
  int unk_ = -1;
  int lookup(const std::string& piece) const;
};

}  // namespace attn
