// Attention masks: which (query i, key j) cells may carry weight.
// Legend: N queries, M keys. Query i sits at absolute position i' = i + M - N, so a causal
// mask for cross-attention with N < M is aligned bottom-right (the last query sees every key).
#pragma once
#include <string>
#include <vector>

#include "engine/core/tensor.h"

namespace attn {

enum class MaskKind { None, Causal, Padding, SlidingWindow, Strided, Global, Custom };

// One component of a mask. Components are combined: every non-global component must allow a
// cell (logical AND); then global tokens re-open their rows and columns (logical OR).
struct MaskPart {
  MaskKind kind = MaskKind::None;
  std::vector<uint8_t> key_flags;  // Padding: M flags, 1 = real token, 0 = padding.
  int width = 0;                   // SlidingWindow: width w >= 1. Strided: optional local window.
  bool centered = false;           // SlidingWindow: |i'-j| <= floor(w/2) instead of 0 <= i'-j < w.
  int stride = 0;                  // Strided: stride >= 1.
  std::vector<int> tokens;         // Global: absolute positions that attend to / are attended by all.
  MaskM custom;                    // Custom: N x M, 1 = allowed.
};

struct MaskSpec {
  std::vector<MaskPart> parts;  // empty = no mask
};

const char* mask_kind_name(MaskKind k);
MaskKind mask_kind_from_name(const std::string& name);  // throws InputError listing the names

// Builds the N x M allowed matrix. Throws InputError for parameters out of range.
MaskM build_mask(const MaskSpec& spec, int N, int M);

}  // namespace attn
