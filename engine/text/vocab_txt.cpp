#include "engine/text/vocab_txt.h"

#include <set>

#include "engine/core/error.h"
#include "engine/text/utf8.h"

namespace attn {

std::vector<std::string> parse_vocab_txt(const std::string& text, const std::string& source) {
  std::vector<std::string> tokens;
  std::set<std::string> seen;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::string where = "line " + std::to_string(tokens.size() + 1);
    if (line.empty()) throw InputError(source, where + " is empty (write a space as \\s, a newline as \\n)");
    if (!utf8_valid(line)) throw InputError(source, where + " is not valid UTF-8");
    std::string tok;
    for (std::size_t i = 0; i < line.size(); ++i) {
      if (line[i] != '\\') {
        tok += line[i];
        continue;
      }
      const char e = i + 1 < line.size() ? line[++i] : '\0';
      if (e == 'n') tok += '\n';
      else if (e == 't') tok += '\t';
      else if (e == 's') tok += ' ';
      else if (e == '\\') tok += '\\';
      else throw InputError(source, where + ": unknown escape (allowed: \\n, \\t, \\s, \\\\)");
    }
    if (!seen.insert(tok).second) throw InputError(source, where + ": the token '" + line + "' appears twice");
    tokens.push_back(tok);
  }
  if (!seen.count("<unk>")) throw InputError(source, "the token <unk> is missing (unknown words map to it)");
  return tokens;
}

std::string format_vocab_txt(const std::vector<std::string>& tokens) {
  std::string out;
  for (const std::string& t : tokens) {
    for (char c : t) {
      if (c == '\n') out += "\\n";
      else if (c == '\t') out += "\\t";
      else if (c == ' ') out += "\\s";
      else if (c == '\\') out += "\\\\";
      else out += c;
    }
    out += '\n';
  }
  return out;
}

}  // namespace attn
