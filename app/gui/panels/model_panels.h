// The Model tab's parts (issue 7), one file each: the side column (model picker, sentence, token
// chips, saliency, next-token bars, gradient target: model_sentence.cpp), the heads overview and
// the big map (model_panel.cpp), the head view and the summaries table (model_summaries.cpp), the
// diff (model_diff.cpp) and the export popup (model_export.cpp).
#pragma once
#include <imgui.h>

#include "app/gui/fonts.h"
#include "app/gui/model_runtime.h"
#include "app/gui/panels/panels.h"

namespace attn::gui {

void draw_model_sidebar(AppState& s, GuiContext& ctx, ModelRuntime& rt);
void draw_model_heads(AppState& s, GuiContext& ctx, ModelRuntime& rt);
void draw_model_head_view(AppState& s, GuiContext& ctx, ModelRuntime& rt);
void draw_model_summaries(AppState& s, GuiContext& ctx, ModelRuntime& rt);
void draw_model_diff(AppState& s, GuiContext& ctx, ModelRuntime& rt);
void draw_model_export_popup(AppState& s, GuiContext& ctx, ModelRuntime& rt);
void open_model_export();

// A setting changed: autosave it.
inline void touch(AppState& s) { ++s.model.version; }
// The hovered item's tooltip.
inline void tip(const char* text) {
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", text);
}
// "L1 H3"
std::string head_name(int layer, int head);
// The big map's and the thumbnails' colour settings for a per-head map kind or an aggregate.
struct MapLook {
  bool diverging = false;
  RangeSettings range;
  const Colormap* cmap = nullptr;
};
MapLook map_look(const AppState& s, const std::string& map_or_aggregate);
// Error text in red, wrapped.
void error_text(const std::string& message);

}  // namespace attn::gui
