// GPT-2 model folders: config.json + model.safetensors with Hugging Face GPT-2 tensor names.
// Legend: L layers, C model width, V vocabulary, P n_positions.
//
// config.json: n_layer, n_head, n_embd, n_positions, vocab_size (required integers),
// layer_norm_epsilon (default 1e-5); n_inner must be null/absent or 4 n_embd and
// activation_function "gelu_new" (or absent) when present. Other fields (the tokenizer choice,
// "attnscope_tokenizer") are kept for the caller.
// model.safetensors (F32, F16 or BF16; converted to float32), names with or without the
// "transformer." prefix:
//   wte.weight (V, C)  wpe.weight (P, C)  ln_f.weight (C)  ln_f.bias (C)
//   h.{l}.ln_1.weight / .bias (C)          h.{l}.ln_2.weight / .bias (C)
//   h.{l}.attn.c_attn.weight (C, 3C) .bias (3C)    h.{l}.attn.c_proj.weight (C, C) .bias (C)
//   h.{l}.mlp.c_fc.weight (C, 4C) .bias (4C)       h.{l}.mlp.c_proj.weight (4C, C) .bias (C)
// Conv1D weights are stored input x output, as attnscope keeps them. lm_head.weight may be
// present and must equal wte (logits are tied); h.{l}.attn.bias / masked_bias buffers are ignored;
// any other name is an error (it usually means a different architecture or a wrong n_layer).
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "engine/model/gpt2.h"

namespace attn {

// Reads the model fields of a config.json object; `source` names the file in messages.
Gpt2Config gpt2_config_from_json(const nlohmann::json& j, const std::string& source);
nlohmann::json gpt2_config_to_json(const Gpt2Config& c);

// Loads config.json and model.safetensors from `dir` into m (parameters only; call gpt2_setup
// next). Returns the whole config.json object (for the tokenizer choice).
nlohmann::json gpt2_load(Gpt2& m, const std::string& dir);
// Loads the parameters of a safetensors file for an already-known config.
void gpt2_load_safetensors(Gpt2& m, const Gpt2Config& c, const std::string& path);

// Writes dir/config.json (the model fields merged into `extra`, e.g. the tokenizer choice) and
// dir/model.safetensors (F32, HF names without prefix, no lm_head), each atomically.
void gpt2_save(const Gpt2& m, const std::string& dir, const nlohmann::json& extra = nlohmann::json::object());

}  // namespace attn
