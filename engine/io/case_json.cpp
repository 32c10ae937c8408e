#include "engine/io/case_json.h"

#include "engine/core/error.h"
#include "engine/io/positional_json.h"
#include "engine/sandbox/init.h"
#include "engine/sandbox/positional.h"

namespace attn {

namespace {

int get_int(const json& obj, const char* key, const std::string& field, int fallback) {
  if (!obj.contains(key)) return fallback;
  const json& v = obj.at(key);
  if (!v.is_number_integer() && !(v.is_number_float() && v.get<double>() == double(long(v.get<double>()))))
    throw InputError(field, "is " + v.dump() + ", expected a whole number");
  return v.get<int>();
}

double get_number(const json& obj, const char* key, const std::string& field, double fallback) {
  if (!obj.contains(key)) return fallback;
  const json& v = obj.at(key);
  if (!v.is_number()) throw InputError(field, "is " + v.dump() + ", expected a number");
  return v.get<double>();
}

std::string get_string(const json& obj, const char* key, const std::string& field, const std::string& fallback) {
  if (!obj.contains(key)) return fallback;
  const json& v = obj.at(key);
  if (!v.is_string()) throw InputError(field, "is " + v.dump() + ", expected a string");
  return v.get<std::string>();
}

std::vector<int> get_int_list(const json& obj, const char* key, const std::string& field) {
  std::vector<int> out;
  if (!obj.contains(key)) return out;
  const json& v = obj.at(key);
  if (!v.is_array()) throw InputError(field, "is " + v.dump() + ", expected an array of whole numbers");
  for (const auto& e : v) {
    if (!e.is_number_integer()) throw InputError(field, "contains " + e.dump() + ", expected whole numbers");
    out.push_back(e.get<int>());
  }
  return out;
}

std::vector<std::string> get_string_list(const json& v, const std::string& field) {
  std::vector<std::string> out;
  if (!v.is_array()) throw InputError(field, "is " + std::string(v.type_name()) + ", expected an array of strings");
  for (const auto& e : v) {
    if (!e.is_string()) throw InputError(field, "contains " + e.dump() + ", expected strings");
    out.push_back(e.get<std::string>());
  }
  return out;
}

MaskPart mask_part_from_json(const json& j, const std::string& field) {
  if (!j.is_object()) throw InputError(field, "is " + j.dump() + ", expected an object like {\"kind\": \"causal\"}");
  MaskPart p;
  p.kind = mask_kind_from_name(get_string(j, "kind", field + ".kind", "none"));
  switch (p.kind) {
    case MaskKind::Padding: {
      const auto flags = get_int_list(j, "keys", field + ".keys");
      require(j.contains("keys"), field + ".keys", "is missing: give one flag per key (1 = token, 0 = padding)");
      for (int f : flags) {
        require(f == 0 || f == 1, field + ".keys", "flags must be 0 (padding) or 1 (token)");
        p.key_flags.push_back(uint8_t(f));
      }
      break;
    }
    case MaskKind::SlidingWindow:
      require(j.contains("width"), field + ".width", "is missing: the window width w >= 1");
      p.width = get_int(j, "width", field + ".width", 0);
      p.centered = j.value("centered", false);
      break;
    case MaskKind::Strided:
      require(j.contains("stride"), field + ".stride", "is missing: the stride >= 1");
      p.stride = get_int(j, "stride", field + ".stride", 0);
      p.width = get_int(j, "local_window", field + ".local_window", 0);
      break;
    case MaskKind::Global:
      p.tokens = get_int_list(j, "tokens", field + ".tokens");
      break;
    case MaskKind::Custom:
      require(j.contains("matrix"), field + ".matrix", "is missing: an N x M matrix of 0/1");
      p.custom = mask_from_json(j.at("matrix"), field + ".matrix");
      break;
    default:
      break;
  }
  return p;
}

json mask_part_to_json(const MaskPart& p) {
  json j = {{"kind", mask_kind_name(p.kind)}};
  switch (p.kind) {
    case MaskKind::Padding: {
      json flags = json::array();
      for (auto f : p.key_flags) flags.push_back(int(f));
      j["keys"] = flags;
      break;
    }
    case MaskKind::SlidingWindow:
      j["width"] = p.width;
      j["centered"] = p.centered;
      break;
    case MaskKind::Strided:
      j["stride"] = p.stride;
      j["local_window"] = p.width;
      break;
    case MaskKind::Global:
      j["tokens"] = p.tokens;
      break;
    case MaskKind::Custom:
      j["matrix"] = mask_to_json(p.custom);
      break;
    default:
      break;
  }
  return j;
}

template <class T>
bool first_dims(const std::vector<T>& v, long& rows, long& cols) {
  if (v.empty()) return false;
  rows = v[0].rows();
  cols = v[0].cols();
  return true;
}

// Fills N, M, D, dk, dv, H from the tensors where the config left them out, and checks the ones
// it gave against the tensors (validate_case then checks every tensor against them).
void infer_dims(AttentionCase& cs, const json& cfg) {
  AttentionConfig& c = cs.config;
  const AttentionTensors& t = cs.tensors;
  long r = 0, k = 0;
  auto set = [&](int& dim, const char* key, long value) {
    if (!cfg.contains(key)) dim = int(value);
  };
  if (c.mode == AttnMode::Direct) {
    set(c.H, "H", long(t.Q.size()));
    if (first_dims(t.Q, r, k)) { set(c.N, "N", r); set(c.dk, "dk", k); }
    if (first_dims(t.K, r, k)) set(c.M, "M", r);
    if (first_dims(t.V, r, k)) set(c.dv, "dv", k);
  } else {
    set(c.H, "H", long(t.Wq.size()));
    set(c.N, "N", t.X.rows());
    set(c.D, "D", t.X.cols());
    set(c.M, "M", c.self_attention ? t.X.rows() : t.Y.rows());
    if (first_dims(t.Wq, r, k)) set(c.dk, "dk", k);
    if (first_dims(t.Wv, r, k)) set(c.dv, "dv", k);
  }
}

}  // namespace

MaskSpec mask_spec_from_json(const json& j) {
  MaskSpec spec;
  if (j.is_null()) return spec;
  if (j.is_string()) {  // shorthand: "causal"
    MaskPart p;
    p.kind = mask_kind_from_name(j.get<std::string>());
    if (p.kind != MaskKind::None) spec.parts.push_back(p);
    return spec;
  }
  if (j.is_array()) {
    for (size_t k = 0; k < j.size(); ++k) {
      MaskPart p = mask_part_from_json(j[k], "config.mask[" + std::to_string(k) + "]");
      if (p.kind != MaskKind::None) spec.parts.push_back(std::move(p));
    }
    return spec;
  }
  MaskPart p = mask_part_from_json(j, "config.mask");
  if (p.kind != MaskKind::None) spec.parts.push_back(std::move(p));
  return spec;
}

json mask_spec_to_json(const MaskSpec& spec) {
  if (spec.parts.empty()) return json{{"kind", "none"}};
  if (spec.parts.size() == 1) return mask_part_to_json(spec.parts[0]);
  json arr = json::array();
  for (const auto& p : spec.parts) arr.push_back(mask_part_to_json(p));
  return arr;
}

AttentionCase case_from_json(const json& j) {
  if (!j.is_object()) throw InputError("input", "the case must be a JSON object with \"config\" and \"inputs\"");
  if (j.contains("schema_version")) {
    const int v = get_int(j, "schema_version", "schema_version", kSchemaVersion);
    require(v == kSchemaVersion, "schema_version",
            "is " + std::to_string(v) + "; this attnscope reads version " + std::to_string(kSchemaVersion));
  }
  AttentionCase cs;
  AttentionConfig& c = cs.config;
  const json cfg = j.value("config", json::object());
  require(cfg.is_object(), "config", "must be an object");
  c.mode = attn_mode_from_name(get_string(cfg, "mode", "config.mode", "direct"));
  c.H = get_int(cfg, "H", "config.H", 1);
  c.N = get_int(cfg, "N", "config.N", 0);
  c.M = get_int(cfg, "M", "config.M", 0);
  c.D = get_int(cfg, "D", "config.D", 0);
  c.dk = get_int(cfg, "dk", "config.dk", 0);
  c.dv = get_int(cfg, "dv", "config.dv", c.dk);
  c.self_attention = cfg.value("self_attention", true);
  c.positional = positional_from_json(cfg.value("positional", json()));
  c.score = score_from_json(cfg.value("score", json()));
  if (cfg.contains("scale")) {
    const json& s = cfg.at("scale");
    if (s.is_number()) {
      c.scale_mode = ScaleMode::Custom;
      c.custom_scale = s.get<float>();
    } else if (s.is_string()) {
      c.scale_mode = scale_mode_from_name(s.get<std::string>());
      c.custom_scale = float(get_number(cfg, "custom_scale", "config.custom_scale", 1.0));
    } else {
      throw InputError("config.scale", "is " + s.dump() + ", expected inv_sqrt_dk, inv_dk, one or a number");
    }
  }
  // Without a scale, only the scaled dot product scales (1/sqrt(dk)); the other scores use s = 1.
  if (!cfg.contains("scale") && c.score.kind != ScoreKind::ScaledDot) c.scale_mode = ScaleMode::One;
  if (c.score.kind == ScoreKind::Dot && cfg.contains("scale"))
    require(c.scale_mode == ScaleMode::One || (c.scale_mode == ScaleMode::Custom && c.custom_scale == 1.f),
            "config.scale", "the plain dot score has s = 1; use config.score = scaled_dot for another scale");
  c.tau = float(get_number(cfg, "tau", "config.tau", 1.0));
  c.axis = softmax_axis_from_name(get_string(cfg, "normalize", "config.normalize", "keys"));
  c.mask = mask_spec_from_json(cfg.value("mask", json()));
  for (const char* key : {"N", "M", "H", "D", "dk", "dv"}) {
    if (cfg.contains(key)) {
      const int v = get_int(cfg, key, std::string("config.") + key, 1);
      require(v >= 1, std::string("config.") + key, "is " + std::to_string(v) + ", must be >= 1");
    }
  }

  const json in = j.value("inputs", json::object());
  require(in.is_object(), "inputs", "must be an object");
  AttentionTensors& t = cs.tensors;
  if (in.contains("random")) {
    const json& rnd = in.at("random");
    require(rnd.is_object(), "inputs.random", "must be an object like {\"seed\": 1}");
    const int seed = get_int(rnd, "seed", "inputs.random.seed", 0);
    const float std = float(get_number(rnd, "std", "inputs.random.std", 1.0));
    require(c.N >= 1 && c.dk >= 1 && (c.mode == AttnMode::Direct || c.D >= 1), "inputs.random",
            "needs config.N, config.dk (and config.D in projection mode) to size the tensors");
    if (c.M == 0) c.M = c.N;
    if (c.dv == 0) c.dv = c.dk;
    init_random_tensors(cs, uint64_t(seed), std, rnd.value("biases", false));
    init_random_positional_and_score(cs, uint64_t(seed), std);
  }
  auto heads = [&](const char* key, std::vector<MatRM>& dst) {
    if (in.contains(key)) dst = matrices_from_json(in.at(key), key);
  };
  auto vecs = [&](const char* key, std::vector<RowVec>& dst) {
    if (in.contains(key)) dst = rowvecs_from_json(in.at(key), key);
  };
  heads("Q", t.Q);
  heads("K", t.K);
  heads("V", t.V);
  heads("Wq", t.Wq);
  heads("Wk", t.Wk);
  heads("Wv", t.Wv);
  heads("bias", t.bias);
  vecs("bq", t.bq);
  vecs("bk", t.bk);
  vecs("bv", t.bv);
  if (in.contains("X")) t.X = matrix_from_json(in.at("X"), "X");
  if (in.contains("Y")) t.Y = matrix_from_json(in.at("Y"), "Y");
  if (in.contains("Wo")) t.Wo = matrix_from_json(in.at("Wo"), "Wo");
  if (in.contains("bo")) t.bo = rowvec_from_json(in.at("bo"), "bo");
  positional_inputs_from_json(t, in);
  infer_dims(cs, cfg);
  infer_positional_dims(cs, cfg);
  if (c.dv == 0) c.dv = c.dk;

  if (j.contains("tokens")) {
    const json& tok = j.at("tokens");
    if (tok.is_array()) {
      cs.query_tokens = get_string_list(tok, "tokens");
      cs.key_tokens = cs.query_tokens;
    } else if (tok.is_object()) {
      if (tok.contains("queries")) cs.query_tokens = get_string_list(tok.at("queries"), "tokens.queries");
      if (tok.contains("keys")) cs.key_tokens = get_string_list(tok.at("keys"), "tokens.keys");
    } else {
      throw InputError("tokens", "expected an array of strings or {\"queries\": [...], \"keys\": [...]}");
    }
  }

  if (j.contains("loss")) {
    const json& l = j.at("loss");
    require(l.is_object(), "loss", "must be an object like {\"kind\": \"mse\", \"target\": [[...]]}");
    LossSpec& ls = cs.loss;
    ls.kind = loss_kind_from_name(get_string(l, "kind", "loss.kind", "none"));
    switch (ls.kind) {
      case LossKind::MSE:
        require(l.contains("target"), "loss.target", "is missing: the target output matrix");
        ls.target = matrix_from_json(l.at("target"), "loss.target");
        break;
      case LossKind::CrossEntropy:
        require(l.contains("target"), "loss.target", "is missing: one target distribution per listed row");
        ls.rows = get_int_list(l, "rows", "loss.rows");
        ls.heads = get_int_list(l, "heads", "loss.heads");
        ls.target_rows = matrix_from_json(l.at("target"), "loss.target");
        break;
      case LossKind::Cell:
        ls.head = get_int(l, "head", "loss.head", 0);
        ls.row = get_int(l, "row", "loss.row", 0);
        ls.col = get_int(l, "col", "loss.col", 0);
        break;
      case LossKind::None:
        break;
    }
  }
  validate_case(cs);
  if (!cs.query_tokens.empty())
    require(int(cs.query_tokens.size()) == c.N, "tokens",
            "has " + std::to_string(cs.query_tokens.size()) + " query labels, expected N = " + std::to_string(c.N));
  if (!cs.key_tokens.empty())
    require(int(cs.key_tokens.size()) == c.M, "tokens",
            "has " + std::to_string(cs.key_tokens.size()) + " key labels, expected M = " + std::to_string(c.M));
  return cs;
}

AttentionCase case_from_text(const std::string& text, const std::string& source) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    // e.what() looks like "[json.exception.parse_error.101] parse error at line 3, column 5: ..."
    std::string what = e.what();
    const size_t at = what.find("parse error");
    throw InputError(source, "is not valid JSON: " + (at == std::string::npos ? what : what.substr(at)));
  }
  return case_from_json(j);
}

json case_to_json(const AttentionCase& cs) {
  const AttentionConfig& c = cs.config;
  const AttentionTensors& t = cs.tensors;
  json cfg = {{"mode", attn_mode_name(c.mode)}, {"N", c.N},     {"M", c.M},     {"H", c.H},
              {"dk", c.dk},                     {"dv", c.dv},   {"tau", c.tau}, {"normalize", softmax_axis_name(c.axis)},
              {"mask", mask_spec_to_json(c.mask)}};
  if (c.scale_mode == ScaleMode::Custom)
    cfg["scale"] = c.custom_scale;
  else
    cfg["scale"] = scale_mode_name(c.scale_mode);
  if (c.positional.kind != PosKind::None) cfg["positional"] = positional_to_json(c.positional);
  if (c.score.kind != ScoreKind::ScaledDot) cfg["score"] = score_to_json(c.score);
  json in = json::object();
  auto heads = [&](const char* key, const std::vector<MatRM>& v) {
    if (v.empty()) return;
    json arr = json::array();
    for (const auto& m : v) arr.push_back(matrix_to_json(m));
    in[key] = arr;
  };
  auto vecs = [&](const char* key, const std::vector<RowVec>& v) {
    if (v.empty()) return;
    json arr = json::array();
    for (const auto& m : v) arr.push_back(rowvec_to_json(m));
    in[key] = arr;
  };
  if (c.mode == AttnMode::Direct) {
    heads("Q", t.Q);
    heads("K", t.K);
    heads("V", t.V);
  } else {
    cfg["D"] = c.D;
    cfg["self_attention"] = c.self_attention;
    in["X"] = matrix_to_json(t.X);
    if (!c.self_attention) in["Y"] = matrix_to_json(t.Y);
    heads("Wq", t.Wq);
    heads("Wk", t.Wk);
    heads("Wv", t.Wv);
    vecs("bq", t.bq);
    vecs("bk", t.bk);
    vecs("bv", t.bv);
    in["Wo"] = matrix_to_json(t.Wo);
    if (t.bo.size() > 0) in["bo"] = rowvec_to_json(t.bo);
  }
  heads("bias", t.bias);
  positional_inputs_to_json(in, cs);
  json j = {{"schema_version", kSchemaVersion}, {"config", cfg}, {"inputs", in}};
  if (!cs.query_tokens.empty() || !cs.key_tokens.empty())
    j["tokens"] = {{"queries", cs.query_tokens}, {"keys", cs.key_tokens}};
  const LossSpec& l = cs.loss;
  json lj = {{"kind", loss_kind_name(l.kind)}};
  switch (l.kind) {
    case LossKind::MSE: lj["target"] = matrix_to_json(l.target); break;
    case LossKind::CrossEntropy:
      lj["rows"] = l.rows;
      lj["heads"] = l.heads;
      lj["target"] = matrix_to_json(l.target_rows);
      break;
    case LossKind::Cell:
      lj["head"] = l.head;
      lj["row"] = l.row;
      lj["col"] = l.col;
      break;
    case LossKind::None: break;
  }
  j["loss"] = lj;
  return j;
}

}  // namespace attn
