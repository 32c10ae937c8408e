#include "engine/model/gpt2_config.h"

#include <cmath>

#include "engine/core/error.h"

namespace attn {

void validate(const Gpt2Config& c, const std::string& field) {
  auto positive = [&](int v, const char* name) {
    require(v > 0, field, std::string(name) + " must be a positive integer, got " + std::to_string(v));
  };
  positive(c.n_layer, "n_layer");
  positive(c.n_head, "n_head");
  positive(c.n_embd, "n_embd");
  positive(c.n_positions, "n_positions");
  positive(c.vocab_size, "vocab_size");
  require(c.n_embd % c.n_head == 0, field,
          "n_embd (" + std::to_string(c.n_embd) + ") must be a multiple of n_head (" + std::to_string(c.n_head) + ")");
  require(std::isfinite(c.layer_norm_epsilon) && c.layer_norm_epsilon > 0.f, field,
          "layer_norm_epsilon must be a positive number");
  // Every tensor's element count must fit comfortably: (V + n_positions) C and 12 L C^2.
  const double big = double(c.vocab_size + c.n_positions) * c.n_embd + 12.0 * c.n_layer * double(c.n_embd) * c.n_embd;
  require(big < 4e9, field, "the model is too large (" + std::to_string(long(big)) + " parameters; at most 4e9)");
}

}  // namespace attn
