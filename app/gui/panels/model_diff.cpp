// The Model tab's "Diff": the selected head's attention for two sentences with one model, or one
// sentence with two models of the same shape, side by side, and their signed difference when the
// maps have the same shape (different token counts: side by side only).
#include <imgui.h>
#include <imgui_stdlib.h>

#include "app/gui/panels/model_panels.h"
#include "app/gui/test_hooks.h"
#include "engine/analysis/rollout.h"

namespace attn::gui {

namespace {
struct DiffCache {
  uint64_t version = 0;
  int l = -1, h = -1;
  bool drop = false;
  MatRM b, d;  // B's map (first token dropped when asked) and A - B
  std::vector<std::string> labels_b;
};
DiffCache g_diff;
}  // namespace

void draw_model_diff(AppState& s, GuiContext& ctx, ModelRuntime& rt) {
  ImGui::TextUnformatted("Compare with:");
  ImGui::SameLine();
  bool changed = false;
  if (ImGui::RadioButton("nothing", s.model.diff_kind == "none")) {
    s.model.diff_kind = "none";
    changed = true;
  }
  ImGui::SameLine();
  if (ImGui::RadioButton("another sentence", s.model.diff_kind == "sentence")) {
    s.model.diff_kind = "sentence";
    changed = true;
  }
  hook_item("model_diff_sentence_mode");
  tip("The same model on a second sentence. With the same number of tokens the difference map is shown too.");
  ImGui::SameLine();
  if (ImGui::RadioButton("another model", s.model.diff_kind == "model")) {
    s.model.diff_kind = "model";
    changed = true;
  }
  hook_item("model_diff_model_mode");
  tip("A second model folder of the same shape (layers, heads) on the same sentence: e.g. two checkpoints");
  if (s.model.diff_kind == "sentence") {
    ImGui::SetNextItemWidth(-1);
    changed |= ImGui::InputTextWithHint("##diff_sentence", "second sentence", &s.model.diff_sentence);
    hook_item("model_diff_text");
  } else if (s.model.diff_kind == "model") {
    ImGui::SetNextItemWidth(-1);
    changed |= ImGui::InputTextWithHint("##diff_dir", "second model folder", &s.model.diff_dir,
                                        ImGuiInputTextFlags_EnterReturnsTrue);
    hook_item("model_diff_dir");
    tip("Type the folder and press Enter");
  }
  if (changed) touch(s);
  if (s.model.diff_kind == "none") {
    ImGui::TextDisabled("Pick a second sentence or a second model to compare the selected head.");
    return;
  }
  if (!rt.diff_error.empty()) error_text(rt.diff_error);
  if (!rt.ins || !rt.diff) {
    ImGui::TextDisabled(rt.worker.busy() ? "computing..." : "nothing to compare yet");
    return;
  }
  const Inspection& a = *rt.ins;
  const Inspection& b = *rt.diff;
  const int l = std::clamp(s.model.layer, 0, a.L - 1), h = std::clamp(s.model.head, 0, a.H - 1);
  const bool heads_ok = l < b.L && h < b.H;
  const bool same = heads_ok && a.T == b.T && a.L == b.L && a.H == b.H;
  ImGui::TextDisabled("%s, weights%s. Arrow keys and the Heads tab select the head.", head_name(l, h).c_str(),
                      s.model.drop_first ? " (first token dropped)" : "");
  if (!heads_ok) {
    error_text("the second model has no " + head_name(l, h) + " (it has " + std::to_string(b.L) + " layers x " +
               std::to_string(b.H) + " heads)");
    return;
  }
  if (!same) ImGui::TextDisabled("different token counts (%d and %d): side by side only", a.T, b.T);
  const MatRM* ma = rt.head_map("model-weights", l, h, s.model.drop_first);
  if (g_diff.version != rt.data_version || g_diff.l != l || g_diff.h != h || g_diff.drop != s.model.drop_first) {
    g_diff.version = rt.data_version;
    g_diff.l = l;
    g_diff.h = h;
    g_diff.drop = s.model.drop_first;
    MatRM mb = b.att[size_t(l)][size_t(h)];
    if (s.model.drop_first) mb = drop_first_token(mb);
    g_diff.labels_b.clear();
    for (const auto& t : b.tokens) g_diff.labels_b.push_back(t.text);
    g_diff.d = same ? signed_difference(*ma, mb) : MatRM();
    g_diff.b = std::move(mb);
  }
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float w = (avail.x - 2.f * ImGui::GetStyle().ItemSpacing.x) / (same ? 3.f : 2.f);
  const float side = std::min(w, avail.y - 10.f);
  const MapLook look = map_look(s, "model-weights");
  const uint64_t version = rt.data_version * 4096 + uint64_t(l) * 64 + uint64_t(h) * 2 + (s.model.drop_first ? 1 : 0);
  std::string title_a = "A: " + (s.model.diff_kind == "model" ? a.model_name : std::string("sentence 1"));
  std::string title_b = "B: " + (s.model.diff_kind == "model" ? b.model_name : std::string("sentence 2"));
  HeatmapSpec hs;
  hs.values = ma;
  hs.mask = &rt.causal_mask(a.T);
  hs.row_labels = hs.col_labels = &rt.labels();
  hs.title = title_a.c_str();
  hs.range = look.range;
  hs.cmap = look.cmap;
  hs.show_values = s.view.show_values;
  draw_heatmap("model_diff_a", ctx.heatmap("model_diff_a"), hs, version, ImVec2(w, side));
  ImGui::SameLine();
  HeatmapSpec hb = hs;
  hb.values = &g_diff.b;
  hb.mask = &rt.causal_mask(b.T);
  hb.row_labels = hb.col_labels = &g_diff.labels_b;
  hb.title = title_b.c_str();
  draw_heatmap("model_diff_b", ctx.heatmap("model_diff_b"), hb, version, ImVec2(w, side));
  if (same) {
    ImGui::SameLine();
    const MapLook dl = map_look(s, "model-grad");
    HeatmapSpec hd = hs;
    hd.values = &g_diff.d;
    hd.title = "A - B (signed)";
    hd.diverging = true;
    hd.range = dl.range;
    hd.cmap = dl.cmap;
    draw_heatmap("model_diff_d", ctx.heatmap("model_diff_d"), hd, version, ImVec2(w, side));
  }
  // Test hook: "both sentences are computed and on screen" (named by the second text, as a test
  // may compare two sentences of the same length one after the other).
  if (rt.settled() && s.model.diff_kind == "sentence" && b.text == s.model.diff_sentence)
    hook_rect("model_diff_ready:" + b.text, 0.f, 0.f, 1.f, 1.f);
}

}  // namespace attn::gui
