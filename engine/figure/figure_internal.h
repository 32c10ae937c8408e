// Internal to the figure exporter: sizes derived from the style, shared by layout and drawing,
// and the one drawing routine (figure_draw.cpp) that every surface calls.
#pragma once
#include <cairo.h>

#include <string>

#include "engine/figure/figure.h"
#include "engine/figure/figure_text.h"

namespace attn::figure_detail {

// Every length in pixels at the style's DPI (text sizes are in points: 1 pt = dpi / 72 px).
struct Metrics {
  double px_per_pt = 1;
  double font_px = 12, title_px = 16, panel_title_px = 13, tick_font_px = 11;
  double line_px = 14;       // height of a line of label text
  double pad = 8, gap = 4, tick_len = 3, panel_space = 16;
  double bar_w = 14, min_bar_h = 90;
  double max_label_px = 120;  // longer labels are ellipsized
};

Metrics make_metrics(const FigureStyle& style, const TextMaker& text);

// Label i of an axis: the given text (cleaned) or the index.
std::string axis_label(const std::vector<std::string>& labels, long i);

int grid_cols(const FigureSpec& spec);
// True when every panel has the same shape and labels: then only the left column shows row
// labels and only the bottom panel of each column shows column labels.
bool shares_axes(const FigureSpec& spec);

// The drawing routine: draws `spec` laid out as `layout` onto cr, whose user space is the
// layout's pixels (the caller scales vector surfaces by 72 / dpi). Paints the white background
// unless the style is transparent.
void draw_figure(cairo_t* cr, const FigureSpec& spec, const FigureLayout& layout);

}  // namespace attn::figure_detail
