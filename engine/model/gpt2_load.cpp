// Legend: L layers, C model width, V vocabulary, P n_positions. Names and shapes in gpt2_load.h.
#include "engine/model/gpt2_load.h"

#include <cstring>
#include <map>
#include <set>

#include "engine/core/error.h"
#include "engine/io/atomic_file.h"
#include "engine/io/safetensors.h"

namespace attn {

namespace {

using json = nlohmann::json;

// One HF tensor: its name (without prefix), its shape and where it lives in the parameter block.
struct Slot {
  std::string name;
  std::vector<int64_t> shape;
  float* dst;
};

std::vector<Slot> slots(const Gpt2Params& p, const Gpt2Config& c) {
  const int64_t C = c.n_embd, V = c.vocab_size, P = c.n_positions;
  std::vector<Slot> s = {{"wte.weight", {V, C}, p.wte}, {"wpe.weight", {P, C}, p.wpe}};
  for (int l = 0; l < c.n_layer; ++l) {
    const std::string h = "h." + std::to_string(l) + ".";
    s.push_back({h + "ln_1.weight", {C}, p.ln1w + l * C});
    s.push_back({h + "ln_1.bias", {C}, p.ln1b + l * C});
    s.push_back({h + "attn.c_attn.weight", {C, 3 * C}, p.qkvw + l * C * 3 * C});
    s.push_back({h + "attn.c_attn.bias", {3 * C}, p.qkvb + l * 3 * C});
    s.push_back({h + "attn.c_proj.weight", {C, C}, p.attprojw + l * C * C});
    s.push_back({h + "attn.c_proj.bias", {C}, p.attprojb + l * C});
    s.push_back({h + "ln_2.weight", {C}, p.ln2w + l * C});
    s.push_back({h + "ln_2.bias", {C}, p.ln2b + l * C});
    s.push_back({h + "mlp.c_fc.weight", {C, 4 * C}, p.fcw + l * C * 4 * C});
    s.push_back({h + "mlp.c_fc.bias", {4 * C}, p.fcb + l * 4 * C});
    s.push_back({h + "mlp.c_proj.weight", {4 * C, C}, p.fcprojw + l * 4 * C * C});
    s.push_back({h + "mlp.c_proj.bias", {C}, p.fcprojb + l * C});
  }
  s.push_back({"ln_f.weight", {C}, p.lnfw});
  s.push_back({"ln_f.bias", {C}, p.lnfb});
  return s;
}

std::string shape_text(const std::vector<int64_t>& s) {
  std::string t = "[";
  for (std::size_t i = 0; i < s.size(); ++i) t += (i ? ", " : "") + std::to_string(s[i]);
  return t + "]";
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

Gpt2Config gpt2_config_from_json(const json& j, const std::string& source) {
  if (!j.is_object()) throw InputError(source, "config.json must hold a JSON object");
  Gpt2Config c;
  const char* required = "n_layer, n_head, n_embd, n_positions, vocab_size";
  auto get_int = [&](const char* key, int& out) {
    if (!j.contains(key)) throw InputError(source, std::string("'") + key + "' is missing (required: " + required + ")");
    const json& v = j[key];
    if (!v.is_number_integer() || v.get<int64_t>() <= 0 || v.get<int64_t>() > (1 << 30))
      throw InputError(source, std::string("'") + key + "' must be a positive integer, got " + v.dump());
    out = int(v.get<int64_t>());
  };
  get_int("n_layer", c.n_layer);
  get_int("n_head", c.n_head);
  get_int("n_embd", c.n_embd);
  get_int("n_positions", c.n_positions);
  get_int("vocab_size", c.vocab_size);
  if (j.contains("layer_norm_epsilon") && !j["layer_norm_epsilon"].is_null()) {
    if (!j["layer_norm_epsilon"].is_number())
      throw InputError(source, "'layer_norm_epsilon' must be a number, got " + j["layer_norm_epsilon"].dump());
    c.layer_norm_epsilon = j["layer_norm_epsilon"].get<float>();
  }
  if (j.contains("n_inner") && !j["n_inner"].is_null() &&
      !(j["n_inner"].is_number_integer() && j["n_inner"].get<int64_t>() == 4 * int64_t(c.n_embd)))
    throw InputError(source, "'n_inner' is " + j["n_inner"].dump() + "; attnscope supports only 4 * n_embd (" +
                                 std::to_string(4 * c.n_embd) + ") or null");
  if (j.contains("activation_function") && j["activation_function"] != "gelu_new" &&
      j["activation_function"] != "gelu_pytorch_tanh")
    throw InputError(source, "'activation_function' is " + j["activation_function"].dump() +
                                 "; attnscope supports GPT-2's tanh GELU (\"gelu_new\")");
  validate(c, source);
  return c;
}

json gpt2_config_to_json(const Gpt2Config& c) {
  return {{"model_type", "gpt2"},          {"n_layer", c.n_layer},        {"n_head", c.n_head},
          {"n_embd", c.n_embd},            {"n_positions", c.n_positions}, {"vocab_size", c.vocab_size},
          {"layer_norm_epsilon", c.layer_norm_epsilon}, {"activation_function", "gelu_new"}};
}

json gpt2_load(Gpt2& m, const std::string& dir) {
  const std::string cfg_path = dir + "/config.json";
  json j;
  try {
    j = json::parse(read_file(cfg_path, cfg_path));
  } catch (const json::exception& e) {
    throw InputError(cfg_path, std::string("not valid JSON (") + e.what() + ")");
  }
  const Gpt2Config c = gpt2_config_from_json(j, cfg_path);
  gpt2_load_safetensors(m, c, dir + "/model.safetensors");
  return j;
}

void gpt2_load_safetensors(Gpt2& m, const Gpt2Config& c, const std::string& path) {
  const Safetensors st = Safetensors::read(path);
  Gpt2 loaded;
  gpt2_init(loaded, c);
  const std::vector<Slot> want = slots(loaded.params, c);
  std::map<std::string, const Slot*> by_name;
  for (const Slot& s : want) by_name[s.name] = &s;
  std::set<std::string> seen;
  const SafetensorsEntry* lm_head = nullptr;
  for (const SafetensorsEntry& e : st.entries()) {
    std::string name = e.name;
    if (name.rfind("transformer.", 0) == 0) name = name.substr(12);
    if (name == "lm_head.weight") {
      lm_head = &e;
      continue;
    }
    if (ends_with(name, ".attn.bias") || ends_with(name, ".attn.masked_bias")) continue;  // causal-mask buffers
    const auto it = by_name.find(name);
    if (it == by_name.end())
      throw InputError(path, "unexpected tensor '" + e.name + "': not a GPT-2 tensor of this config (n_layer " +
                                 std::to_string(c.n_layer) + ")");
    if (!seen.insert(name).second) throw InputError(path, "tensor '" + name + "' appears twice (with and without the 'transformer.' prefix)");
    const Slot& s = *it->second;
    if (e.shape != s.shape)
      throw InputError(path, "tensor '" + e.name + "' has shape " + shape_text(e.shape) + "; the config needs " +
                                 shape_text(s.shape));
    st.to_float(e, s.dst);
  }
  for (const Slot& s : want)
    if (!seen.count(s.name))
      throw InputError(path, "tensor '" + s.name + "' (shape " + shape_text(s.shape) + ") is missing");
  if (lm_head) {
    const std::vector<int64_t> shape = {c.vocab_size, c.n_embd};
    if (lm_head->shape != shape)
      throw InputError(path, "lm_head.weight has shape " + shape_text(lm_head->shape) + "; expected " + shape_text(shape));
    const std::vector<float> w = st.to_float(*lm_head);
    if (std::memcmp(w.data(), loaded.params.wte, w.size() * sizeof(float)) != 0)
      throw InputError(path, "lm_head.weight differs from wte.weight; attnscope ties the logits to the token "
                             "embedding (an untied output layer is not supported)");
  }
  m = std::move(loaded);
}

void gpt2_save(const Gpt2& m, const std::string& dir, const json& extra) {
  const Gpt2Config& c = m.config;
  const std::vector<Slot> all = slots(m.params, c);
  std::vector<SafetensorsOut> out;
  for (const Slot& s : all) out.push_back({s.name, s.shape, s.dst});
  json cfg = extra.is_object() ? extra : json::object();
  const json model_fields = gpt2_config_to_json(c);
  for (auto it = model_fields.begin(); it != model_fields.end(); ++it) cfg[it.key()] = it.value();
  safetensors_write(dir + "/model.safetensors", out, {{"format", "pt"}});
  write_file_atomic(dir + "/config.json", cfg.dump(2) + "\n");
}

}  // namespace attn
