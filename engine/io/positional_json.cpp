#include "engine/io/positional_json.h"

#include <cmath>

#include "engine/core/error.h"
#include "engine/sandbox/positional.h"

namespace attn {

namespace {

void check_keys(const json& obj, const std::string& field, std::initializer_list<const char*> allowed) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    bool ok = false;
    std::string list;
    for (const char* a : allowed) {
      ok = ok || it.key() == a;
      list += (list.empty() ? "" : ", ") + std::string(a);
    }
    require(ok, field + "." + it.key(), "is not a known field (allowed: " + list + ")");
  }
}

int int_field(const json& obj, const char* key, const std::string& field, int fallback) {
  if (!obj.contains(key)) return fallback;
  const json& v = obj.at(key);
  if (!v.is_number() || v.get<double>() != std::floor(v.get<double>()) || std::abs(v.get<double>()) > 1e9)
    throw InputError(field + "." + key, "is " + v.dump() + ", expected a whole number (at most 1e9 in size)");
  return v.get<int>();
}

double number_field(const json& obj, const char* key, const std::string& field, double fallback) {
  if (!obj.contains(key)) return fallback;
  const json& v = obj.at(key);
  if (!v.is_number()) throw InputError(field + "." + key, "is " + v.dump() + ", expected a number");
  return v.get<double>();
}

bool bool_field(const json& obj, const char* key, const std::string& field, bool fallback) {
  if (!obj.contains(key)) return fallback;
  const json& v = obj.at(key);
  if (!v.is_boolean()) throw InputError(field + "." + key, "is " + v.dump() + ", expected true or false");
  return v.get<bool>();
}

std::string string_field(const json& obj, const char* key, const std::string& field, const std::string& fallback) {
  if (!obj.contains(key)) return fallback;
  const json& v = obj.at(key);
  if (!v.is_string()) throw InputError(field + "." + key, "is " + v.dump() + ", expected a string");
  return v.get<std::string>();
}

json heads_json(const std::vector<MatRM>& v) {
  json arr = json::array();
  for (const auto& m : v) arr.push_back(matrix_to_json(m));
  return arr;
}

}  // namespace

PositionalConfig positional_from_json(const json& j) {
  const std::string f = "config.positional";
  PositionalConfig p;
  if (j.is_null()) return p;
  if (j.is_string()) {
    p.kind = pos_kind_from_name(j.get<std::string>());
    return p;
  }
  require(j.is_object(), f, "is " + j.dump() + R"(, expected a name like "rope" or an object like {"kind": "rope"})");
  check_keys(j, f,
             {"kind", "base", "combine", "dim", "offset", "max_len", "layout", "rotary_fraction", "bidirectional",
              "num_buckets", "max_distance", "clip"});
  p.kind = pos_kind_from_name(string_field(j, "kind", f, "none"));
  p.base = number_field(j, "base", f, p.base);
  p.combine = pos_combine_from_name(string_field(j, "combine", f, "add"));
  p.dim = int_field(j, "dim", f, 0);
  p.offset = int_field(j, "offset", f, 0);
  p.max_len = int_field(j, "max_len", f, 0);
  p.layout = rope_layout_from_name(string_field(j, "layout", f, "interleaved"));
  p.rotary_fraction = number_field(j, "rotary_fraction", f, 1.0);
  p.bidirectional = bool_field(j, "bidirectional", f, false);
  p.num_buckets = int_field(j, "num_buckets", f, p.num_buckets);
  p.max_distance = int_field(j, "max_distance", f, p.max_distance);
  p.clip = int_field(j, "clip", f, p.clip);
  require(p.max_len >= 0, f + ".max_len", "is " + std::to_string(p.max_len) + ", must be >= 1 (or 0 for offset + M)");
  return p;
}

json positional_to_json(const PositionalConfig& p) {
  json j = {{"kind", pos_kind_name(p.kind)}};
  if (p.kind != PosKind::None) j["offset"] = p.offset;
  switch (p.kind) {
    case PosKind::Sinusoidal:
    case PosKind::SinusoidalT2T:
    case PosKind::Geometric:
    case PosKind::Learned:
      if (p.kind == PosKind::Sinusoidal || p.kind == PosKind::SinusoidalT2T) j["base"] = p.base;
      j["combine"] = pos_combine_name(p.combine);
      if (p.dim > 0) j["dim"] = p.dim;
      if (p.kind == PosKind::Learned && p.max_len > 0) j["max_len"] = p.max_len;
      break;
    case PosKind::Rope:
      j["base"] = p.base;
      j["layout"] = rope_layout_name(p.layout);
      j["rotary_fraction"] = p.rotary_fraction;
      break;
    case PosKind::Alibi: j["bidirectional"] = p.bidirectional; break;
    case PosKind::T5:
      j["bidirectional"] = p.bidirectional;
      j["num_buckets"] = p.num_buckets;
      j["max_distance"] = p.max_distance;
      break;
    case PosKind::Shaw: j["clip"] = p.clip; break;
    case PosKind::None: break;
  }
  return j;
}

ScoreConfig score_from_json(const json& j) {
  const std::string f = "config.score";
  ScoreConfig s;
  if (j.is_null()) return s;
  if (j.is_string()) {
    s.kind = score_kind_from_name(j.get<std::string>());
    return s;
  }
  require(j.is_object(), f, "is " + j.dump() + R"(, expected a name like "cosine" or an object like {"kind": "additive", "dim": 8})");
  check_keys(j, f, {"kind", "dim"});
  s.kind = score_kind_from_name(string_field(j, "kind", f, "scaled_dot"));
  s.dim = int_field(j, "dim", f, 0);
  return s;
}

json score_to_json(const ScoreConfig& s) {
  json j = {{"kind", score_kind_name(s.kind)}};
  if (s.kind == ScoreKind::Additive && s.dim > 0) j["dim"] = s.dim;
  return j;
}

void positional_inputs_from_json(AttentionTensors& t, const json& in) {
  auto heads = [&](const char* key, std::vector<MatRM>& dst) {
    if (in.contains(key)) dst = matrices_from_json(in.at(key), std::string("inputs.") + key);
  };
  if (in.contains("pe_table")) t.pe_table = matrix_from_json(in.at("pe_table"), "inputs.pe_table");
  if (in.contains("t5_table")) t.t5_table = matrix_from_json(in.at("t5_table"), "inputs.t5_table");
  heads("shaw_aK", t.shaw_aK);
  heads("shaw_aV", t.shaw_aV);
  heads("W_score", t.W_score);
  heads("Wq_score", t.Wq_score);
  heads("Wk_score", t.Wk_score);
  if (in.contains("v_score")) t.v_score = rowvecs_from_json(in.at("v_score"), "inputs.v_score");
}

void positional_inputs_to_json(json& in, const AttentionCase& cs) {
  const AttentionConfig& c = cs.config;
  const AttentionTensors& t = cs.tensors;
  if (c.positional.kind == PosKind::Learned) in["pe_table"] = matrix_to_json(t.pe_table);
  if (c.positional.kind == PosKind::T5) in["t5_table"] = matrix_to_json(t.t5_table);
  if (c.positional.kind == PosKind::Shaw) {
    in["shaw_aK"] = heads_json(t.shaw_aK);
    in["shaw_aV"] = heads_json(t.shaw_aV);
  }
  if (c.score.kind == ScoreKind::General) in["W_score"] = heads_json(t.W_score);
  if (c.score.kind == ScoreKind::Additive) {
    in["Wq_score"] = heads_json(t.Wq_score);
    in["Wk_score"] = heads_json(t.Wk_score);
    json arr = json::array();
    for (const auto& v : t.v_score) arr.push_back(rowvec_to_json(v));
    in["v_score"] = arr;
  }
}

void infer_positional_dims(AttentionCase& cs, const json& cfg) {
  AttentionConfig& c = cs.config;
  const AttentionTensors& t = cs.tensors;
  const json pos = cfg.value("positional", json());
  if (c.positional.kind == PosKind::Learned && c.positional.combine == PosCombine::Concat &&
      !(pos.is_object() && pos.contains("dim")) && t.pe_table.cols() > 0)
    c.positional.dim = int(t.pe_table.cols());
  const json sc = cfg.value("score", json());
  if (c.score.kind == ScoreKind::Additive && !(sc.is_object() && sc.contains("dim")) && !t.Wq_score.empty())
    c.score.dim = int(t.Wq_score[0].cols());
}

}  // namespace attn
