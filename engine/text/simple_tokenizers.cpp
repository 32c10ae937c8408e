#include "engine/text/simple_tokenizers.h"

#include <cstring>

#include "engine/core/error.h"
#include "engine/io/atomic_file.h"
#include "engine/text/utf8.h"
#include "engine/text/vocab_txt.h"

namespace attn {

VocabTokenizer::VocabTokenizer(Mode mode, std::vector<std::string> tokens, const std::string& source)
    : mode_(mode), tokens_(std::move(tokens)) {
  for (std::size_t i = 0; i < tokens_.size(); ++i) ids_.emplace(tokens_[i], int(i));
  const auto it = ids_.find("<unk>");
  require(it != ids_.end(), source, "the token <unk> is missing (unknown words map to it)");
  unk_ = it->second;
  if (mode == Mode::Char)
    for (const std::string& t : tokens_)
      require(t == "<unk>" || (utf8_decode(t).size() == 1 && utf8_decode(t)[0].cp >= 0), source,
              "a character-level vocabulary holds single characters (and <unk>); found '" + t + "'");
}

VocabTokenizer VocabTokenizer::from_file(Mode mode, const std::string& path) {
  return VocabTokenizer(mode, parse_vocab_txt(read_file(path, path), path), path);
}

int VocabTokenizer::id_of(const std::string& token) const {
  const auto it = ids_.find(token);
  return it == ids_.end() ? -1 : it->second;
}

int VocabTokenizer::lookup(const std::string& piece) const {
  int id = id_of(piece);
  if (id >= 0) return id;
  std::string lower;
  for (const CodePoint& c : utf8_decode(piece)) {
    if (c.cp < 0) return unk_;
    utf8_append(lower, to_lower(c.cp));
  }
  id = id_of(lower);
  return id >= 0 ? id : unk_;
}

Encoding VocabTokenizer::encode(const std::string& text) const {
  Encoding e;
  const std::vector<CodePoint> cps = utf8_decode(text);
  const std::size_t n = cps.size();
  auto word_char = [&](std::size_t k) { return k < n && (is_letter(cps[k].cp) || is_number(cps[k].cp) || is_mark(cps[k].cp)); };
  auto end_of = [&](std::size_t k) { return k < n ? std::size_t(cps[k].begin) : text.size(); };
  std::size_t i = 0;
  while (i < n) {
    std::size_t j = i + 1;
    if (mode_ == Mode::Word) {
      if (is_space(cps[i].cp)) {
        ++i;
        continue;
      }
      if (word_char(i)) {
        // An apostrophe or hyphen inside a word ("don't", "well-known") keeps the word together;
        // j < n first: the text may end right after the word.
        while (word_char(j) || (j < n && (cps[j].cp == '\'' || cps[j].cp == '-') && word_char(j - 1) && word_char(j + 1))) ++j;
      }
    }
    const std::size_t b = cps[i].begin, end = end_of(j);
    const int id = lookup(text.substr(b, end - b));
    e.ids.push_back(id);
    e.tokens.push_back(tokens_[id]);
    e.spans.emplace_back(b, end);
    i = j;
  }
  return e;
}

std::string VocabTokenizer::token_text(int id) const {
  require(id >= 0 && id < vocab_size(), "ids",
          "id " + std::to_string(id) + " is not in the vocabulary (0 to " + std::to_string(vocab_size() - 1) + ")");
  return tokens_[id];
}

std::string VocabTokenizer::decode(const std::vector<int>& ids) const {
  std::string out;
  bool no_space = true;  // at the start and after an opening bracket
  for (int id : ids) {
    token_text(id);  // checks the id
    const std::string& t = tokens_[id];
    if (mode_ == Mode::Char) {
      out += t;
      continue;
    }
    const bool closing = t.size() == 1 && std::strchr(".,;:!?)]}'", t[0]);
    if (!no_space && !closing) out += ' ';
    out += t;
    no_space = t.size() == 1 && std::strchr("([{", t[0]);
  }
  return out;
}

}  // namespace attn
