// The small vocabulary format of the word- and character-level tokenizers: vocab.txt.
//
//   UTF-8 text, one token per line; the line number (from 0) is the token's id. Backslash escapes
//   keep every token on one visible line: \n newline, \t tab, \s space, \\ backslash. The token
//   "<unk>" must be present: unknown words (or characters) map to it. Empty lines and duplicate
//   tokens are errors. A final newline is optional.
#pragma once
#include <string>
#include <vector>

namespace attn {

// Parses vocab.txt text; `source` names the file in messages.
std::vector<std::string> parse_vocab_txt(const std::string& text, const std::string& source);
std::string format_vocab_txt(const std::vector<std::string>& tokens);

}  // namespace attn
