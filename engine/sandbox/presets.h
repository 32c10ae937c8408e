// Built-in example cases: what the GUI opens on and what `attnscope demo` prints.
#pragma once
#include <string>
#include <vector>

#include "engine/sandbox/case.h"

namespace attn {

struct PresetInfo {
  std::string name, description;
};

std::vector<PresetInfo> preset_list();
// Throws InputError("preset", ...) listing the names for an unknown one.
AttentionCase make_preset(const std::string& name);

// "the cat sat on the mat", causal, two heads with readable jobs: head 0 looks at the previous
// token, head 1 looks at the nouns. V is the position one-hot, so O shows where weight went.
AttentionCase default_example();

// The source article's worked example: one query 2, keys 1, 2, 3, no scaling:
// alpha_1j = e^(2 k_j) / (e^2 + e^4 + e^6).
AttentionCase article_example();

AttentionCase previous_token_example();
AttentionCase copy_example();
AttentionCase uniform_example();

}  // namespace attn
