// The panels of the window, one file each. Each draws into the current ImGui window region
// it is given and edits AppState through begin_edit / mark_edited.
#pragma once
#include "app/gui/app_state.h"
#include "app/gui/gui_app.h"

namespace attn::gui {

void draw_menu_bar(AppState& s, GuiContext& ctx);
void draw_controls_panel(AppState& s, GuiContext& ctx);
void draw_sandbox_panel(AppState& s, GuiContext& ctx);
void draw_status_bar(AppState& s, GuiContext& ctx);
void draw_file_popups(AppState& s, GuiContext& ctx);
void draw_export_popup(AppState& s, GuiContext& ctx);
void draw_score_and_positional_controls(AppState& s, GuiContext& ctx);  // a section of the control column
void draw_pe_panel(AppState& s, GuiContext& ctx);                        // the "Positional encodings" tab
void draw_cost_panel(AppState& s, GuiContext& ctx);                      // the "Cost" tab
void draw_model_panel(AppState& s, GuiContext& ctx);                     // the "Model" tab (panels/model_*.cpp)
void note_model_fonts(FontManager& fonts, const AppState& s, const GuiContext& ctx);  // glyphs of its texts
void cost_panel_shutdown();  // stops and joins a running time measurement (GuiApp::shutdown)

// A small "Save..." button for a view of one head: opens the export popup (PNG, SVG, PDF, CSV,
// JSON, NPY through the shared exporter, so the file equals `attnscope export` of the same view).
void export_button(GuiContext& ctx, const char* view, int head);
// A "Save..." button for a map that is no attention view (the Positional encodings tab's tables),
// drawn as `spec` by the heatmap widget `name`: the popup exports these numbers and labels with
// the colours the map shows (title, axis names as given) through the same figure/data writers.
void export_map_button(GuiContext& ctx, const std::string& name, const std::string& title, const HeatmapSpec& spec,
                       const char* row_axis, const char* col_axis);

// Sets the status line (shown at the bottom until replaced).
void set_status(AppState& s, const std::string& message, bool is_error = false);

}  // namespace attn::gui
