#include "app/gui/workspace.h"

#include <algorithm>

#include "engine/core/error.h"
#include "engine/io/atomic_file.h"
#include "engine/io/case_json.h"
#include "engine/io/xdg_paths.h"

namespace attn::gui {

namespace {
const char* stage_name(Stage s) {
  switch (s) {
    case Stage::RawScores: return "scores_raw";
    case Stage::Scaled: return "scores";
    case Stage::Logits: return "logits";
    case Stage::Weights: return "weights";
    case Stage::Output: return "output";
    case Stage::Concat: return "output-all";
    case Stage::Projected: return "z";
  }
  return "weights";
}
Stage stage_from(const std::string& n) {
  for (Stage s : {Stage::RawScores, Stage::Scaled, Stage::Logits, Stage::Weights, Stage::Output, Stage::Concat,
                  Stage::Projected})
    if (n == stage_name(s)) return s;
  return Stage::Weights;
}
nlohmann::json range_json(const RangeSettings& r) {
  const char* mode = r.mode == RangeSettings::Mode::Fixed ? "fixed" : r.mode == RangeSettings::Mode::Auto ? "auto" : "percentile";
  return {{"mode", mode}, {"vmin", r.vmin}, {"vmax", r.vmax}, {"percentile", r.percentile}, {"log", r.log_scale}};
}
RangeSettings range_from(const nlohmann::json& j, RangeSettings r) {
  if (!j.is_object()) return r;
  const std::string mode = j.value("mode", "auto");
  r.mode = mode == "fixed" ? RangeSettings::Mode::Fixed : mode == "percentile" ? RangeSettings::Mode::Percentile : RangeSettings::Mode::Auto;
  r.vmin = j.value("vmin", r.vmin);
  r.vmax = j.value("vmax", r.vmax);
  r.percentile = j.value("percentile", r.percentile);
  r.log_scale = j.value("log", r.log_scale);
  return r;
}
nlohmann::json model_json(const ModelViewState& m) {
  return {{"dir", m.dir},           {"sentence", m.sentence},
          {"layer", m.layer},       {"head", m.head},
          {"map", m.map},           {"big", m.big},
          {"drop_first", m.drop_first}, {"color_by", m.color_by},
          {"order_by_similarity", m.order_by_similarity},
          {"target_position", m.target_position}, {"target_token", m.target_token},
          {"ig_steps", m.ig_steps}, {"diff_kind", m.diff_kind},
          {"diff_sentence", m.diff_sentence}, {"diff_dir", m.diff_dir},
          {"tab_open", m.tab_open}};
}
// Lenient: a field of the wrong type keeps its default (a hand-edited workspace must not stop the
// sandbox case from loading); the Model tab validates the values again when it uses them.
ModelViewState model_from(const nlohmann::json& j) {
  ModelViewState m;
  if (!j.is_object()) return m;
  auto str = [&](const char* k, std::string& v) { if (j.contains(k) && j[k].is_string()) v = j[k].get<std::string>(); };
  auto num = [&](const char* k, int& v) { if (j.contains(k) && j[k].is_number_integer()) v = j[k].get<int>(); };
  auto flag = [&](const char* k, bool& v) { if (j.contains(k) && j[k].is_boolean()) v = j[k].get<bool>(); };
  str("dir", m.dir); str("sentence", m.sentence); num("layer", m.layer); num("head", m.head);
  str("map", m.map); str("big", m.big); flag("drop_first", m.drop_first); str("color_by", m.color_by);
  flag("order_by_similarity", m.order_by_similarity); num("target_position", m.target_position);
  str("target_token", m.target_token); num("ig_steps", m.ig_steps); str("diff_kind", m.diff_kind);
  str("diff_sentence", m.diff_sentence); str("diff_dir", m.diff_dir); flag("tab_open", m.tab_open);
  m.layer = std::max(0, m.layer);
  m.head = std::max(0, m.head);
  m.ig_steps = std::clamp(m.ig_steps, 1, 256);
  return m;
}
}  // namespace

nlohmann::json workspace_to_json(const AppState& s) {
  nlohmann::json j = case_to_json(s.cs);
  const ViewSettings& v = s.view;
  j["view"] = {{"colormap", v.colormap},
               {"diverging", v.diverging},
               {"head", v.head},
               {"stage", stage_name(v.stage)},
               {"selected_row", v.selected_row},
               {"weights_range", range_json(v.weights_range)},
               {"scores_range", range_json(v.scores_range)},
               {"grad_range", range_json(v.grad_range)},
               {"learning_rate", v.learning_rate},
               {"show_values", v.show_values},
               {"sentence", s.sentence},
               {"model", model_json(s.model)}};
  return j;
}

void workspace_from_json(AppState& s, const nlohmann::json& j) {
  AttentionCase cs = case_from_json(j);  // validates; throws before anything changes
  ViewSettings v;
  std::string sentence;
  ModelViewState model;
  if (j.contains("view") && j["view"].is_object()) {
    const auto& vj = j["view"];
    v.colormap = vj.value("colormap", v.colormap);
    v.diverging = vj.value("diverging", v.diverging);
    v.head = std::clamp(vj.value("head", 0), 0, cs.config.H - 1);
    v.stage = stage_from(vj.value("stage", std::string("weights")));
    v.selected_row = std::clamp(vj.value("selected_row", -1), -1, cs.config.N - 1);
    v.weights_range = range_from(vj.value("weights_range", nlohmann::json()), v.weights_range);
    v.scores_range = range_from(vj.value("scores_range", nlohmann::json()), v.scores_range);
    v.grad_range = range_from(vj.value("grad_range", nlohmann::json()), v.grad_range);
    v.learning_rate = vj.value("learning_rate", v.learning_rate);
    v.show_values = vj.value("show_values", v.show_values);
    sentence = vj.value("sentence", std::string());
    if (vj.contains("model")) model = model_from(vj["model"]);
  }
  if (sentence.empty()) {
    for (size_t i = 0; i < cs.query_tokens.size(); ++i) sentence += (i ? " " : "") + cs.query_tokens[i];
  }
  s.cs = std::move(cs);
  s.view = v;
  s.sentence = sentence;
  model.version = s.model.version + 1;
  s.model = model;
  s.loss_history.clear();
  mark_edited(s);
}

void save_workspace(const AppState& s, const std::string& path) {
  write_file_atomic(path, workspace_to_json(s).dump(1) + "\n");
}

void load_workspace(AppState& s, const std::string& path) {
  const std::string text = read_file(path, "workspace");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError("workspace", "'" + path + "' is not valid JSON: " + e.what());
  }
  try {
    workspace_from_json(s, j);
  } catch (const nlohmann::json::exception& e) {
    throw InputError("workspace", "'" + path + "': " + e.what());
  }
}

std::string autosave_path() {
  const std::string dir = xdg_data_dir();
  return dir.empty() ? "" : dir + "/workspace.json";
}

std::string cli_command_for(const std::string& workspace_path) {
  std::string quoted = "'";
  for (char c : workspace_path) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  quoted += "'";
  return "attnscope compute --input " + quoted + " --output result.json --indent 2";
}

}  // namespace attn::gui
