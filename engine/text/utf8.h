// UTF-8 helpers for the tokenizers: decoding with byte offsets (invalid bytes kept, one by one,
// so any byte string round-trips), encoding, and Unicode classes from libutf8proc.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace attn {

struct CodePoint {
  int32_t cp;          // the code point, or -1 for a byte that is not part of valid UTF-8
  uint32_t begin, len; // its bytes in the text
};

// Strict UTF-8 (no overlong forms, no surrogates, at most U+10FFFF); each invalid byte becomes a
// CodePoint with cp = -1 and len = 1.
std::vector<CodePoint> utf8_decode(const std::string& s);
void utf8_append(std::string& out, int32_t cp);
bool utf8_valid(const std::string& s);

// Unicode general categories (libutf8proc): \p{L}, \p{N}, marks (Mn, Mc, Me), and White_Space
// (Zs, Zl, Zp and the controls U+0009..U+000D, U+0085). cp = -1 is none of them.
bool is_letter(int32_t cp);
bool is_number(int32_t cp);
bool is_mark(int32_t cp);
bool is_space(int32_t cp);
int32_t to_lower(int32_t cp);

}  // namespace attn
