#include "engine/text/bpe.h"

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>

#include "engine/core/error.h"
#include "engine/io/atomic_file.h"
#include "engine/text/utf8.h"

namespace attn {

namespace {

bool is_other(int32_t cp) { return !is_space(cp) && !is_letter(cp) && !is_number(cp); }

}  // namespace

std::vector<std::pair<std::size_t, std::size_t>> gpt2_pretokenize(const std::string& text) {
  const std::vector<CodePoint> cps = utf8_decode(text);
  const std::size_t n = cps.size();
  std::vector<std::pair<std::size_t, std::size_t>> pieces;
  auto at = [&](std::size_t k) { return k < n ? cps[k].cp : -2; };
  // Extends a run of code points satisfying pred from index j.
  auto run = [&](std::size_t j, bool (*pred)(int32_t)) {
    while (j < n && pred(cps[j].cp)) ++j;
    return j;
  };
  static const char* const kContractions[] = {"'s", "'t", "'re", "'ve", "'m", "'ll", "'d"};
  std::size_t i = 0;
  while (i < n) {
    std::size_t m = 0;
    // 's|'t|'re|'ve|'m|'ll|'d   (ASCII, case-sensitive, as in GPT-2)
    if (at(i) == '\'') {
      for (const char* c : kContractions) {
        std::size_t k = 1;
        while (c[k] && at(i + k) == c[k]) ++k;
        if (!c[k]) {
          m = i + k;
          break;
        }
      }
    }
    //  ?\p{L}+ |  ?\p{N}+ |  ?[^\s\p{L}\p{N}]+   (the optional prefix is U+0020 only)
    if (!m) {
      const std::size_t j = at(i) == ' ' ? i + 1 : i;
      for (bool (*pred)(int32_t) : {&is_letter, &is_number, &is_other}) {
        if (j < n && pred(cps[j].cp)) {
          m = run(j, pred);
          break;
        }
      }
    }
    // \s+(?!\S) | \s+ : a whitespace run; when a non-space follows a run of 2 or more, the
    // run's last character is left for the next piece (it becomes the " " of " word").
    if (!m) {
      const std::size_t j = run(i, &is_space);
      m = (j == n || j - i == 1) ? j : j - 1;
    }
    pieces.emplace_back(cps[i].begin, m < n ? cps[m].begin : text.size());
    i = m;
  }
  return pieces;
}

const std::vector<std::string>& gpt2_byte_symbols() {
  static const std::vector<std::string> table = [] {
    std::vector<std::string> t(256);
    int extra = 0;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      utf8_append(t[b], printable ? b : 256 + extra++);
    }
    return t;
  }();
  return table;
}

BpeTokenizer BpeTokenizer::from_files(const std::string& vocab_path, const std::string& merges_path) {
  return from_text(read_file(vocab_path, vocab_path), read_file(merges_path, merges_path), vocab_path, merges_path);
}

BpeTokenizer BpeTokenizer::from_text(const std::string& vocab_json, const std::string& merges_txt,
                                     const std::string& vocab_name, const std::string& merges_name) {
  BpeTokenizer t;
  nlohmann::json v;
  try {
    v = nlohmann::json::parse(vocab_json);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(vocab_name, std::string("not valid JSON (") + e.what() + ")");
  }
  if (!v.is_object() || v.empty()) throw InputError(vocab_name, "must be a JSON object {\"token\": id, ...}");
  int max_id = -1;
  for (auto it = v.begin(); it != v.end(); ++it) {
    if (!it.value().is_number_integer() || it.value().get<int64_t>() < 0 || it.value().get<int64_t>() >= (1 << 24))
      throw InputError(vocab_name, "token " + nlohmann::json(it.key()).dump() + " has id " + it.value().dump() +
                                       "; ids are integers from 0 to 16777215");
    max_id = std::max(max_id, it.value().get<int>());
  }
  t.id_to_symbol_.assign(max_id + 1, std::string());
  std::vector<bool> used(max_id + 1, false);
  for (auto it = v.begin(); it != v.end(); ++it) {
    const int id = it.value().get<int>();
    if (used[id]) throw InputError(vocab_name, "id " + std::to_string(id) + " is used twice");
    used[id] = true;
    t.id_to_symbol_[id] = it.key();
    t.has_id_.resize(max_id + 1, false);
    t.has_id_[id] = true;
    t.vocab_[it.key()] = id;
  }
  const auto& bytes = gpt2_byte_symbols();
  for (int b = 0; b < 256; ++b) {
    if (!t.vocab_.count(bytes[b]))
      throw InputError(vocab_name, "the byte symbol " + nlohmann::json(bytes[b]).dump() + " (byte " + std::to_string(b) +
                                       ") is missing; a byte-level vocabulary has all 256");
    t.unicode_to_byte_[utf8_decode(bytes[b])[0].cp] = b;
  }
  // merges.txt: an optional "#version" line, then one "left right" pair per line, best first.
  std::size_t pos = 0, line_no = 0;
  int rank = 0;
  while (pos < merges_txt.size()) {
    std::size_t end = merges_txt.find('\n', pos);
    if (end == std::string::npos) end = merges_txt.size();
    std::string line = merges_txt.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || (line_no == 1 && line.rfind("#version", 0) == 0)) continue;
    const std::size_t sp = line.find(' ');
    if (sp == std::string::npos || sp == 0 || sp + 1 == line.size() || line.find(' ', sp + 1) != std::string::npos)
      throw InputError(merges_name, "line " + std::to_string(line_no) + " is not two symbols separated by one space");
    const std::string merged = line.substr(0, sp) + line.substr(sp + 1);
    if (!t.vocab_.count(merged))
      throw InputError(merges_name, "line " + std::to_string(line_no) + ": the merge result " +
                                        nlohmann::json(merged).dump() + " is not in " + vocab_name);
    t.ranks_.emplace(line, rank++);  // the first occurrence of a pair keeps its rank
  }
  return t;
}

void BpeTokenizer::bpe(const std::string& piece, std::vector<int>& ids, std::vector<std::size_t>& lens) const {
  const auto& bytes = gpt2_byte_symbols();
  std::vector<std::string> word;
  std::vector<std::size_t> word_len;  // bytes of the text behind each symbol
  for (unsigned char b : piece) {
    word.push_back(bytes[b]);
    word_len.push_back(1);
  }
  std::string key;
  while (word.size() > 1) {
    int best = std::numeric_limits<int>::max();
    std::size_t best_i = 0;
    for (std::size_t i = 0; i + 1 < word.size(); ++i) {
      key.assign(word[i]).append(1, ' ').append(word[i + 1]);
      const auto it = ranks_.find(key);
      if (it != ranks_.end() && it->second < best) best = it->second, best_i = i;
    }
    if (best == std::numeric_limits<int>::max()) break;
    // Merge every occurrence of the best pair, left to right.
    const std::string a = word[best_i], b = word[best_i + 1];
    std::size_t out = 0;
    for (std::size_t i = 0; i < word.size(); ++out) {
      if (i + 1 < word.size() && word[i] == a && word[i + 1] == b) {
        word[out] = a + b;
        word_len[out] = word_len[i] + word_len[i + 1];
        i += 2;
      } else {
        if (out != i) {
          word[out] = std::move(word[i]);
          word_len[out] = word_len[i];
        }
        ++i;
      }
    }
    word.resize(out);
    word_len.resize(out);
  }
  for (std::size_t i = 0; i < word.size(); ++i) {
    ids.push_back(vocab_.at(word[i]));  // present: checked when the files were loaded
    lens.push_back(word_len[i]);
  }
}

Encoding BpeTokenizer::encode(const std::string& text) const {
  Encoding e;
  std::vector<int> ids;
  std::vector<std::size_t> lens;
  for (const auto& [b, end] : gpt2_pretokenize(text)) {
    ids.clear();
    lens.clear();
    bpe(text.substr(b, end - b), ids, lens);
    std::size_t p = b;
    for (std::size_t k = 0; k < ids.size(); ++k) {
      e.ids.push_back(ids[k]);
      e.tokens.push_back(token_text(ids[k]));
      e.spans.emplace_back(p, p + lens[k]);
      p += lens[k];
    }
  }
  return e;
}

std::string BpeTokenizer::symbol_bytes(const std::string& symbol) const {
  std::string out;
  for (const CodePoint& c : utf8_decode(symbol)) {
    const auto it = unicode_to_byte_.find(c.cp);
    if (it != unicode_to_byte_.end())
      out += char(it->second);
    else
      out.append(symbol, c.begin, c.len);  // not a byte symbol (e.g. inside a special token): as is
  }
  return out;
}

const std::string& BpeTokenizer::symbol(int id) const {
  if (id < 0 || id >= vocab_size() || !has_id_[id])
    throw InputError("ids", "id " + std::to_string(id) + " is not in the vocabulary (0 to " +
                                std::to_string(vocab_size() - 1) + ")");
  return id_to_symbol_[id];
}

int BpeTokenizer::id_of(const std::string& s) const {
  const auto it = vocab_.find(s);
  return it == vocab_.end() ? -1 : it->second;
}

std::string BpeTokenizer::token_text(int id) const {
  const std::string& s = symbol(id);
  std::string b = symbol_bytes(s);
  return utf8_valid(b) ? b : s;  // part of a multi-byte character: show the byte-level spelling
}

std::string BpeTokenizer::decode(const std::vector<int>& ids) const {
  std::string out;
  for (int id : ids) out += symbol_bytes(symbol(id));
  return out;
}

}  // namespace attn
