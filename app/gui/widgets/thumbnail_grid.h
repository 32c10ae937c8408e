// A scrolling grid of small heatmaps (the Model tab's layers x heads overview). Only the rows in
// view are asked for their cells and drawn (ImGuiListClipper), so a 48 x 25 grid of a large model
// costs what the ~30 visible thumbnails cost. Each thumbnail is a HeatmapWidget (its own texture,
// re-uploaded only when data_version moves) inside a frame whose colour the caller chooses.
#pragma once
#include <imgui.h>

#include <functional>
#include <map>
#include <string>

#include "app/gui/widgets/heatmap_view.h"

namespace attn::gui {

struct ThumbnailCell {
  std::string id;                 // unique per thumbnail (widget key and test hook "<id>_image")
  const MatRM* values = nullptr;  // nullptr: an empty frame with `empty_text`
  const MaskM* mask = nullptr;
  std::string label;              // above the image, e.g. "L0 H3"
  std::string empty_text;
  ImU32 frame = 0;                // frame colour (0 = none)
  bool selected = false;
  std::function<void()> tooltip;  // extra tooltip lines on hover (after the cell value)
};

struct ThumbnailGridSpec {
  int count = 0;                  // thumbnails
  int cols = 1;                   // per row
  float cell_px = 96.f;           // image side
  std::function<ThumbnailCell(int index)> cell;  // asked only for visible rows
  std::function<std::string(int row)> row_header;  // left of each row ("L3"); may be empty
  RangeSettings range;
  bool diverging = false;
  const Colormap* cmap = nullptr;
  uint64_t data_version = 0;
  float scroll_to = -1.f;         // >= 0: set the scroll position (benchmark hook)
};

struct ThumbnailGridEvents {
  int clicked = -1;               // index clicked this frame
  int hovered = -1;
  int first_visible = 0, last_visible = -1;  // rows drawn this frame
  float scroll_max = 0.f;
};

// Draws the grid in a child window of `size` (0 = fill). `widgets` holds the thumbnails' textures.
ThumbnailGridEvents draw_thumbnail_grid(const char* id, std::map<std::string, HeatmapWidget>& widgets,
                                        const ThumbnailGridSpec& spec, ImVec2 size);

}  // namespace attn::gui
