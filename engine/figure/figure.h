// The figure exporter: heatmaps with token labels, a title and a colour bar, drawn by ONE routine
// (cairo + pango) onto a PNG, SVG or PDF surface, so the CLI, the tests and the GUI all produce
// the same figure. No GL here.
//
// Use: fill a FigureSpec (one panel = one heatmap; several = a grid such as all heads of a layer,
// or layers x heads with grid_cols = H), then render_figure(spec, format) returns the file's bytes
// (write them with write_file_atomic). layout_figure(spec) tells where everything lands.
//
// Pixels: the layout is in pixels at style.dpi. Text sizes are in points, so they scale with the
// DPI; cells are style.cell_px pixels (or fit style.width_px). PNG files record the DPI (pHYs);
// SVG and PDF pages have the same physical size (1 px = 72/dpi pt) and embed the cells as an
// image drawn with nearest-neighbour sampling, so every cell is exactly one colour.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "engine/core/tensor.h"
#include "engine/figure/color_scale.h"

namespace attn {

struct HeatmapPanel {
  MatRM values;                          // (rows, cols); NaN = masked
  MaskM mask;                            // empty or (rows, cols): 0 = masked (drawn hatched)
  std::vector<std::string> row_labels;   // y axis, top to bottom (queries); empty = 0, 1, 2, ...
  std::vector<std::string> col_labels;   // x axis, left to right (keys); empty = 0, 1, 2, ...
  std::string title;                     // above the panel, e.g. "H3" (may be empty)
  ColorScale scale;
};

struct FigureStyle {
  double cell_px = 0;       // pixels per cell; 0 = fit width_px, or automatic when that is 0 too
  int width_px = 0;         // the figure's width in pixels (used when cell_px == 0)
  double dpi = 96;          // pixels per inch (text sizes are in points)
  bool annotate = false;    // print each value in cells large enough to hold it
  bool transparent = false; // transparent instead of white background (PNG, SVG, PDF)
  double font_pt = 9;       // labels and ticks; titles are drawn larger
  std::string font_family = "DejaVu Sans,Droid Sans Fallback";  // pango falls back further per glyph
};

struct FigureSpec {
  std::string title;                                 // top of the figure, e.g. "L0 H3 · weights"
  std::string row_axis = "query", col_axis = "key";  // axis names ("" = none)
  std::vector<HeatmapPanel> panels;                  // one heatmap, or a grid of them
  int grid_cols = 0;                                 // panels per grid row; 0 = ceil(sqrt(count))
  bool shared_scale = true;  // one colour bar for all panels (each panel's own scale is still used
                             // for its cells: set the same ColorScale on all to share it)
  FigureStyle style;
  // Key/value text stored in the file: PNG tEXt chunks; PDF Title/Subject/Creator.
  std::vector<std::pair<std::string, std::string>> text;
};

enum class ImageFormat { PNG, SVG, PDF };

struct Box {
  double x = 0, y = 0, w = 0, h = 0;
  double cx() const { return x + w / 2; }
  double cy() const { return y + h / 2; }
};

struct PanelLayout {
  Box heatmap;               // integer pixel edges
  Box colorbar;              // w == 0 when the figure has one shared bar
  Box title;                 // panel title's box (h == 0 when none)
  Box row_labels, col_labels;  // the label strips (w or h == 0 when hidden in a grid)
  double cell_w = 0, cell_h = 0;
  int row_step = 1, col_step = 1;  // every k-th label is drawn (thinned when they would overlap)
  bool col_rotated = false;        // x labels turned 90 degrees (long labels or narrow cells)
  bool annotate = false;           // values fit in the cells
};

struct FigureLayout {
  int width = 0, height = 0;  // pixels at style.dpi
  double font_px = 0, line_px = 0;
  Box title;
  Box colorbar;  // the shared bar (w == 0 with per-panel bars)
  std::vector<PanelLayout> panels;
};

// Throws InputError when the spec is empty or inconsistent, or the figure would exceed
// kMaxFigurePixels per side.
FigureLayout layout_figure(const FigureSpec& spec);
constexpr int kMaxFigurePixels = 32000;

// The file's bytes. PNG: 8-bit RGB (RGBA when transparent) with pHYs (the DPI) and tEXt (spec.text).
std::string render_figure(const FigureSpec& spec, ImageFormat format);

// The figure as 8-bit RGBA pixels (unpremultiplied, row-major, width * 4 bytes per row): what the
// PNG holds. For previews and tests.
struct RgbaImage {
  int width = 0, height = 0;
  std::vector<uint8_t> pixels;
  const uint8_t* at(int x, int y) const { return pixels.data() + 4 * (size_t(y) * width + x); }
};
RgbaImage render_figure_rgba(const FigureSpec& spec);

const char* image_format_name(ImageFormat f);

}  // namespace attn
