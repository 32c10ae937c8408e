// A heatmap on screen: the matrix as a texture drawn through the colormap shader (via its own
// render target), token labels on both axes (thinned when they would overlap), a colour bar with
// values, zoom (wheel) and pan (right or middle drag; double-click resets), a hover tooltip with
// the exact value read from the CPU copy, and clicks reported back to the caller.
#pragma once
#include <imgui.h>

#include <functional>
#include <string>
#include <vector>

#include "app/gui/app_state.h"
#include "app/gui/gfx/heatmap_renderer.h"
#include "engine/core/tensor.h"
#include "engine/figure/colormap.h"

namespace attn::gui {

struct HeatmapSpec {
  const MatRM* values = nullptr;
  const MaskM* mask = nullptr;  // cells with mask == 0 are drawn as masked
  const std::vector<std::string>* row_labels = nullptr;
  const std::vector<std::string>* col_labels = nullptr;
  const char* title = nullptr;
  bool diverging = false;
  RangeSettings range;
  const Colormap* cmap = nullptr;
  int highlight_row = -1;
  bool show_values = true;   // numbers inside cells large enough to hold them
  bool axes = true;          // labels and colour bar; false for thumbnails
  // Extra tooltip lines for the hovered cell (after the value); may be empty.
  std::function<void(int row, int col)> tooltip;
};

// What the user did this frame.
struct HeatmapEvents {
  int hovered_row = -1, hovered_col = -1;
  int clicked_row = -1, clicked_col = -1;      // left click (press) on a cell
  bool left_down_on_cell = false;              // left button held over a cell (painting)
  bool clicked = false;                        // any left click on the image (thumbnails)
};

// One per on-screen heatmap: the GPU texture and the view (zoom/pan) of that heatmap.
struct HeatmapWidget {
  gfx::HeatmapTexture tex;
  uint64_t uploaded_version = 0;   // data version last uploaded
  std::vector<float> staging;      // values with NaN where masked
  float uv_min[2] = {0.f, 0.f}, uv_max[2] = {1.f, 1.f};
  float vmin = 0.f, vmax = 1.f;    // the resolved range of the last draw
  // The range is resolved again only when the data or the range settings change (it scans
  // every cell, which must not happen every frame for a 2048 x 2048 map).
  uint64_t range_version = 0;
  RangeSettings range_settings;
  bool range_diverging = false;
};

// Resolves the colour range of a matrix under the settings (Fixed, Auto, Percentile, log) with
// the exporter's rule (resolve_scale), so the GUI and a saved figure agree. Diverging maps are
// centred on zero: [-m, m].
void resolve_range(const MatRM& values, const MaskM* mask, const RangeSettings& r, bool diverging, float* vmin,
                   float* vmax);

// Draws the heatmap into a `size` box at the cursor. `data_version` must change whenever the
// values or the mask change (the texture is re-uploaded only then).
HeatmapEvents draw_heatmap(const char* id, HeatmapWidget& w, const HeatmapSpec& spec, uint64_t data_version,
                           ImVec2 size);

// A colour bar alone (vertical), with tick values; used by draw_heatmap and the legends.
void draw_colorbar(ImDrawList* dl, ImVec2 p0, ImVec2 p1, const Colormap& cmap, float vmin, float vmax, bool log_scale);

}  // namespace attn::gui
