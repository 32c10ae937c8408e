// GPT-2 hyper-parameters, as in a Hugging Face config.json.
// Legend: L layers, H heads, C model width (n_embd), T tokens (<= n_positions), V vocabulary.
#pragma once
#include <string>

namespace attn {

struct Gpt2Config {
  int n_layer = 0;        // L
  int n_head = 0;         // H; C must be a multiple of H
  int n_embd = 0;         // C
  int n_positions = 0;    // the longest sequence (rows of wpe)
  int vocab_size = 0;     // V (rows of wte)
  float layer_norm_epsilon = 1e-5f;
};

// Throws InputError(field, ...) naming the first bad field: sizes > 0, C % H == 0, eps > 0.
void validate(const Gpt2Config& c, const std::string& field = "config");

}  // namespace attn
