// The Model tab (issue 7): a side column (model, sentence, tokens, next token, target) and views:
// "Heads" = the layers x heads grid of thumbnails beside the selected head (or an aggregate)
// large, with labels, zoom and hover; arrow keys move between heads. The other views (head view,
// summaries, diff) and the export popup are in the model_*.cpp files next to this one.
#include <GLFW/glfw3.h>
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <functional>

#include "app/gui/key_events.h"
#include "app/gui/panels/model_panels.h"
#include "app/gui/test_hooks.h"
#include "app/gui/widgets/thumbnail_grid.h"
#include "engine/figure/colormap.h"

namespace attn::gui {

namespace {

constexpr float kSideWidth = 360.f;
float g_cell_px = 96.f;  // thumbnail side (the grid's size slider)

const Colormap& cmap_or(const std::string& name, ColormapId fallback) {
  try {
    return colormap_from_name(name);
  } catch (...) {
    return colormap(fallback);
  }
}

struct BigChoice {
  const char* key;
  const char* label;
  const char* tooltip;
};
const BigChoice kBig[] = {
    {"head", "selected head", "The selected head's map (the grid's map kind)"},
    {"mean-heads", "mean over heads", "The mean of the selected layer's attention maps"},
    {"max-heads", "max over heads", "The cell-wise maximum of the selected layer's attention maps"},
    {"rollout", "attention rollout", "Abnar & Zuidema: A_l = 0.5 mean_h A + 0.5 I (rows renormalised), R = A_L ... A_1"},
    {"grad-rollout", "gradient rollout", "Chefer et al.: R = I; per layer R += mean_h(max(dF/dA .* A, 0)) R"},
};

// Moves the selection with the arrow keys: left/right = head, up/down = layer (in the
// similarity order: left/right walk the list, up/down jump a row).
void handle_arrows(AppState& s, const ModelRuntime& rt) {
  if (!rt.ins || ImGui::GetIO().WantTextInput || ImGui::IsPopupOpen(nullptr, ImGuiPopupFlags_AnyPopupId)) return;
  const int L = rt.ins->L, H = rt.ins->H;
  // Every press (and auto-repeat) since the last frame counts (key_events.h).
  const int dh = key_presses(GLFW_KEY_RIGHT) - key_presses(GLFW_KEY_LEFT);
  const int dl = key_presses(GLFW_KEY_DOWN) - key_presses(GLFW_KEY_UP);
  if (!dl && !dh) return;
  int l = std::clamp(s.model.layer, 0, L - 1), h = std::clamp(s.model.head, 0, H - 1);
  if (s.model.order_by_similarity && int(rt.ins->head_order.size()) == L * H) {
    const auto& order = rt.ins->head_order;
    const int at = int(std::find(order.begin(), order.end(), l * H + h) - order.begin());
    const int next = std::clamp(at + dh + dl * H, 0, L * H - 1);
    l = order[size_t(next)] / H;
    h = order[size_t(next)] % H;
  } else {
    // Left from head 0 goes to the previous layer's last head (reading order).
    int flat = std::clamp(l * H + h + dh, 0, L * H - 1);
    l = flat / H;
    h = flat % H;
    l = std::clamp(l + dl, 0, L - 1);
  }
  if (l != s.model.layer || h != s.model.head) {
    s.model.layer = l;
    s.model.head = h;
    touch(s);
  }
}

void summary_tooltip(const Inspection& in, int l, int h) {
  const HeadSummary& sm = in.summaries[size_t(l)][size_t(h)];
  ImGui::Separator();
  ImGui::Text("%s", head_name(l, h).c_str());
  for (const SummaryField& f : summary_fields()) ImGui::Text("%-15s %.3f", f.label, sm.*f.member);
  ImGui::TextDisabled("click: open large");
}

void draw_toolbar(AppState& s, ModelRuntime& rt) {
  ImGui::SetNextItemWidth(190.f);
  const ModelMapKind& mk = model_map_kind(s.model.map);
  if (ImGui::BeginCombo("##model_map", mk.label)) {
    for (const ModelMapKind& k : model_map_kinds()) {
      if (ImGui::Selectable(k.label, s.model.map == k.view)) {
        s.model.map = k.view;
        touch(s);
      }
      hook_item("model_map_" + std::string(k.view));
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", k.tooltip);
    }
    ImGui::EndCombo();
  }
  hook_item("model_map");
  tip("What every thumbnail and the big view show per head");
  if (s.model.map == "model-ig") {
    ImGui::SameLine();
    ImGui::SetNextItemWidth(90.f);
    int steps = s.model.ig_steps;
    if (ImGui::InputInt("steps", &steps, 4, 16)) {
      s.model.ig_steps = std::clamp(steps, 1, 256);
      touch(s);
    }
    tip("Riemann steps of the integrated gradients (each one a forward and a backward of the model). Computed for the "
        "selected layer only: pick a head of another layer to compute that layer.");
  }
  ImGui::SameLine();
  ImGui::SetNextItemWidth(150.f);
  const char* color_label = "no colour";
  for (const SummaryField& f : summary_fields())
    if (s.model.color_by == f.key) color_label = f.label;
  if (ImGui::BeginCombo("##model_color_by", color_label)) {
    if (ImGui::Selectable("no colour", s.model.color_by == "none")) {
      s.model.color_by = "none";
      touch(s);
    }
    for (const SummaryField& f : summary_fields()) {
      if (ImGui::Selectable(f.label, s.model.color_by == f.key)) {
        s.model.color_by = f.key;
        touch(s);
      }
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", f.tooltip);
    }
    ImGui::EndCombo();
  }
  tip("The thumbnails' frame colour: this summary of each head, from low (dark) to high (bright) over all heads (magma)");
  ImGui::SameLine();
  if (ImGui::Checkbox("order by similarity", &s.model.order_by_similarity)) touch(s);
  hook_item("model_order_similarity");
  tip("Lay the heads out as one list, each next to the head whose map is closest (Jensen-Shannon distance between "
      "the maps, greedy nearest-neighbour chain)");
  ImGui::SameLine();
  if (ImGui::Checkbox("drop first token", &s.model.drop_first)) touch(s);
  tip("Set the attention to the first token to 0 and renormalise each row: shows what a head does besides parking "
      "attention on the first token. Applies to attention maps, aggregates and rollout.");
  ImGui::SameLine();
  if (ImGui::Button("Export...")) open_model_export();
  hook_item("model_export");
  tip("Save the big view, a layer, the whole grid (PNG, SVG, PDF) or all matrices (JSON, NPY)");
  (void)rt;
}

void draw_grid(AppState& s, GuiContext& ctx, ModelRuntime& rt, float width, float height) {
  const Inspection& in = *rt.ins;
  const int L = in.L, H = in.H;
  const std::string map = s.model.map;
  const MapLook look = map_look(s, map);
  // Frame colours: the chosen summary over all heads, min..max -> magma.
  const SummaryField* field = nullptr;
  for (const SummaryField& f : summary_fields())
    if (s.model.color_by == f.key) field = &f;
  double lo = 0, hi = 1;
  if (field) {
    lo = 1e300;
    hi = -1e300;
    for (const auto& row : in.summaries)
      for (const HeadSummary& sm : row) {
        lo = std::min(lo, sm.*(field->member));
        hi = std::max(hi, sm.*(field->member));
      }
  }
  const bool ordered = s.model.order_by_similarity && int(in.head_order.size()) == L * H;
  float& cell_px = g_cell_px;
  ThumbnailGridSpec g;
  g.count = L * H;
  g.cols = H;
  g.cell_px = cell_px;
  g.range = look.range;
  g.diverging = look.diverging;
  g.cmap = look.cmap;
  // One texture version per (inspection, map kind, drop_first): switching back re-uploads.
  g.data_version = rt.data_version * 16 + uint64_t(&model_map_kind(map) - &model_map_kinds()[0]) * 2 + (s.model.drop_first ? 1 : 0);
  if (!ordered) g.row_header = [](int r) { return "L" + std::to_string(r); };
  if (rt.bench_frame >= 0 && rt.grid_scroll_max > 0.f) {
    // Benchmark: sweep down and back up, a few pixels a frame.
    const float period = 120.f, f = float(rt.bench_frame % int(period)) / period;
    g.scroll_to = rt.grid_scroll_max * (f < 0.5f ? 2.f * f : 2.f - 2.f * f);
  }
  const MaskM& mask = rt.causal_mask(in.T);
  g.cell = [&](int index) {
    const int flat = ordered ? in.head_order[size_t(index)] : index;
    const int l = flat / H, h = flat % H;
    ThumbnailCell c;
    c.id = "model_thumb_L" + std::to_string(l) + "H" + std::to_string(h);
    c.values = rt.head_map(map, l, h, s.model.drop_first);
    c.mask = &mask;
    c.label = head_name(l, h);
    c.selected = l == s.model.layer && h == s.model.head;
    if (field) {
      const double v = in.summaries[size_t(l)][size_t(h)].*(field->member);
      const Rgb8 col = colormap(ColormapId::Magma).color(colormap_index(float(v), float(lo), float(hi)));
      c.frame = IM_COL32(col.r, col.g, col.b, 255);
      char buf[32];
      std::snprintf(buf, sizeof buf, "  %.2f", v);
      c.label += buf;
    }
    if (!c.values)
      c.empty_text = map == "model-ig" ? (in.ig_layer == l || !rt.complete ? "computing..." : "click to compute") : "computing...";
    c.tooltip = [&in, l, h] { summary_tooltip(in, l, h); };
    return c;
  };
  ImGui::BeginGroup();
  ImGui::SetNextItemWidth(120.f);
  ImGui::SliderFloat("##thumb_size", &cell_px, 40.f, 240.f, "size %.0f px");
  tip("Thumbnail size");
  if (field) {
    ImGui::SameLine();
    ImGui::TextDisabled("frame: %s %.2f (dark) .. %.2f (bright)", field->label, lo, hi);
  }
  const ThumbnailGridEvents ev = draw_thumbnail_grid("model_grid", ctx.heatmaps, g, ImVec2(width, height - ImGui::GetFrameHeightWithSpacing()));
  ImGui::EndGroup();
  rt.grid_scroll_max = ev.scroll_max;
  if (ev.clicked >= 0) {
    const int flat = ordered ? in.head_order[size_t(ev.clicked)] : ev.clicked;
    s.model.layer = flat / H;
    s.model.head = flat % H;
    if (s.model.big != "head") s.model.big = "head";
    touch(s);
  }
}

void draw_big(AppState& s, GuiContext& ctx, ModelRuntime& rt, ImVec2 size) {
  const Inspection& in = *rt.ins;
  ImGui::BeginGroup();
  ImGui::SetNextItemWidth(170.f);
  const char* big_label = kBig[0].label;
  for (const BigChoice& b : kBig)
    if (s.model.big == b.key) big_label = b.label;
  if (ImGui::BeginCombo("##model_big_kind", big_label)) {
    for (const BigChoice& b : kBig) {
      if (ImGui::Selectable(b.label, s.model.big == b.key)) {
        s.model.big = b.key;
        touch(s);
      }
      hook_item(std::string("model_big_kind_") + b.key);
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", b.tooltip);
    }
    ImGui::EndCombo();
  }
  hook_item("model_big_kind");
  tip("The large view: the selected head, or an aggregate (mean / max over the layer's heads, rollout over all layers)");
  ImGui::SameLine();
  ImGui::TextDisabled("arrows: heads, wheel: zoom, right-drag: pan");
  tip("Arrow keys: left/right = previous/next head, up/down = layer. On the map: the wheel zooms, a right or middle "
      "drag pans, a double-click resets the view; hover a cell for its value.");
  std::string why;
  const MatRM* m = rt.big_map(s.model, &why);
  const int l = std::clamp(s.model.layer, 0, in.L - 1), h = std::clamp(s.model.head, 0, in.H - 1);
  std::string title;
  std::string kind = s.model.big == "head" ? s.model.map : s.model.big;
  if (s.model.big == "head")
    title = head_name(l, h) + " \u00b7 " + model_map_kind(s.model.map).label;
  else if (s.model.big == "rollout" || s.model.big == "grad-rollout")
    title = std::string(s.model.big == "rollout" ? "attention rollout" : "gradient rollout") + " (all layers)";
  else
    title = "L" + std::to_string(l) + " \u00b7 " + (s.model.big == "mean-heads" ? "mean over heads" : "max over heads");
  if (s.model.drop_first && kind != "model-grad" && kind != "model-attxgrad" && kind != "model-ig") title += ", first token dropped";
  if (!m) {
    ImGui::Dummy(ImVec2(size.x, 20.f));
    ImGui::TextDisabled("%s", why.c_str());
    ImGui::EndGroup();
    return;
  }
  const MapLook look = map_look(s, kind);
  HeatmapSpec hs;
  hs.values = m;
  hs.mask = &rt.causal_mask(in.T);
  hs.row_labels = &rt.labels();
  hs.col_labels = &rt.labels();
  hs.title = title.c_str();
  hs.diverging = look.diverging;
  hs.range = look.range;
  hs.cmap = look.cmap;
  hs.show_values = s.view.show_values;
  hs.tooltip = [&](int r, int c) {
    ImGui::TextDisabled("query '%s' attends to key '%s'", rt.labels()[size_t(r)].c_str(), rt.labels()[size_t(c)].c_str());
  };
  // The texture's version: the inspection plus what is shown (a new head is new data).
  const uint64_t version = rt.data_version * 1000003ull + std::hash<std::string>()(title + kind);
  const float side = std::max(120.f, std::min(size.x, size.y - ImGui::GetFrameHeightWithSpacing()));
  draw_heatmap("model_big", ctx.heatmap("model_big"), hs, version, ImVec2(std::min(size.x, side + 180.f), side));
  ImGui::EndGroup();
}

}  // namespace

std::string head_name(int layer, int head) { return "L" + std::to_string(layer) + " H" + std::to_string(head); }

MapLook map_look(const AppState& s, const std::string& kind) {
  MapLook k;
  if (kind == "model-grad" || kind == "model-attxgrad" || kind == "model-ig") {
    k.diverging = true;
    k.range = s.view.grad_range;  // the sandbox's gradient colour settings (auto: symmetric about 0)
    k.cmap = &cmap_or(s.view.diverging, ColormapId::RdBu);
  } else if (kind == "grad-rollout") {
    k.range = RangeSettings{};  // auto: R = I + ... exceeds 1
    k.cmap = &cmap_or(s.view.colormap, ColormapId::Viridis);
  } else {
    k.range = s.view.weights_range;  // probabilities: [0, 1] fixed by default
    k.cmap = &cmap_or(s.view.colormap, ColormapId::Viridis);
  }
  return k;
}

void draw_model_heads(AppState& s, GuiContext& ctx, ModelRuntime& rt) {
  draw_toolbar(s, rt);
  if (!rt.ins) {
    ImGui::TextDisabled(rt.worker.busy() ? "computing..." : "type a sentence on the left");
    return;
  }
  handle_arrows(s, rt);
  // The grid takes what its thumbnails need, at most half the width; the big map the rest.
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float header_w = ImGui::CalcTextSize("L00").x + 8.f;
  const float want = header_w + rt.ins->H * (g_cell_px + 8.f) + ImGui::GetStyle().ScrollbarSize + 16.f;
  const float grid_w = std::clamp(want, 220.f, avail.x * 0.5f);
  draw_grid(s, ctx, rt, grid_w, avail.y);
  ImGui::SameLine();
  draw_big(s, ctx, rt, ImVec2(avail.x - grid_w - ImGui::GetStyle().ItemSpacing.x, avail.y));
}

void draw_model_panel(AppState& s, GuiContext& ctx) {
  ModelRuntime& rt = *ctx.model;
  // A model with example sentences and an empty box (first start): begin on the first example.
  static bool defaulted = false;
  if (!defaulted && s.model.sentence.empty() && rt.bundle && !rt.bundle->examples.empty()) {
    s.model.sentence = rt.bundle->examples.front();
    touch(s);
  }
  if (rt.bundle) defaulted = true;
  rt.update(s);
  const float body_h = ImGui::GetContentRegionAvail().y;
  ImGui::BeginChild("model_side", ImVec2(kSideWidth * ImGui::GetIO().FontGlobalScale, body_h), true);
  draw_model_sidebar(s, ctx, rt);
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("model_views", ImVec2(0, body_h), false);
  if (ImGui::BeginTabBar("model_tabs")) {
    const bool heads = ImGui::BeginTabItem("Heads");
    hook_item("model_tab_heads");
    if (heads) {
      draw_model_heads(s, ctx, rt);
      ImGui::EndTabItem();
    }
    const bool hv = ImGui::BeginTabItem("Head view");
    hook_item("model_tab_head_view");
    if (hv) {
      draw_model_head_view(s, ctx, rt);
      ImGui::EndTabItem();
    }
    const bool sum = ImGui::BeginTabItem("Summaries");
    hook_item("model_tab_summaries");
    if (sum) {
      draw_model_summaries(s, ctx, rt);
      ImGui::EndTabItem();
    }
    const bool diff = ImGui::BeginTabItem("Diff");
    hook_item("model_tab_diff");
    if (diff) {
      draw_model_diff(s, ctx, rt);
      ImGui::EndTabItem();
    }
    ImGui::EndTabBar();
  }
  ImGui::EndChild();
  draw_model_export_popup(s, ctx, rt);
  if (rt.ins) rt.note_grid_drawn();
  // Test hook: "everything for a T-token sentence is on screen" (tests wait for it).
  if (rt.ins && rt.settled() && rt.ins->text == s.model.sentence)
    hook_rect("model_settled_T" + std::to_string(rt.ins->T), 0.f, 0.f, 1.f, 1.f);
}

void note_model_fonts(FontManager& fonts, const AppState& s, const GuiContext& ctx) {
  fonts.want_text(s.model.sentence);
  fonts.want_text(s.model.diff_sentence);
  fonts.want_text(s.model.target_token);
  fonts.want_text(s.model.dir);
  if (!ctx.model) return;
  const ModelRuntime& rt = *ctx.model;
  fonts.want_text(rt.folder_edit);
  if (rt.bundle)
    for (const auto& e : rt.bundle->examples) fonts.want_text(e);
  for (const auto* in : {rt.ins.get(), rt.diff.get()}) {
    if (!in) continue;
    for (const auto& t : in->tokens) fonts.want_text(t.text);
    for (const auto& n : in->next) fonts.want_text(n.text);
    fonts.want_text(in->target_text);
  }
}

}  // namespace attn::gui
