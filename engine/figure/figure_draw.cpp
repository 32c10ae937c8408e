// The drawing routine: one function draws a laid-out figure onto any cairo surface (image for
// PNG, SVG, PDF). Cells are an image of one pixel per cell, scaled with CAIRO_FILTER_NEAREST
// into integer-aligned boxes, so each cell is exactly one colour from the table (no blending
// across cell edges); the colour bar is a 1 x 256 image drawn the same way.
#include <algorithm>
#include <cmath>

#include "engine/figure/figure_internal.h"
#include "engine/figure/ticks.h"

namespace attn::figure_detail {

namespace {

constexpr double kInk = 0.1;     // text and frames: near-black grey
constexpr double kFrame = 0.25;

struct SurfaceDeleter {
  void operator()(cairo_surface_t* s) const { cairo_surface_destroy(s); }
};
using SurfacePtr = std::unique_ptr<cairo_surface_t, SurfaceDeleter>;

uint32_t argb(Rgb8 c) { return 0xff000000u | uint32_t(c.r) << 16 | uint32_t(c.g) << 8 | c.b; }

bool is_masked(const HeatmapPanel& p, long i, long j) {
  return std::isnan(p.values(i, j)) || (p.mask.size() != 0 && !p.mask(i, j));
}

// One pixel per cell: the colour of the table entry, or the masked grey.
SurfacePtr cell_image(const HeatmapPanel& p) {
  const int cols = int(p.values.cols()), rows = int(p.values.rows());
  SurfacePtr img(cairo_image_surface_create(CAIRO_FORMAT_RGB24, cols, rows));
  cairo_surface_flush(img.get());
  unsigned char* data = cairo_image_surface_get_data(img.get());
  const int stride = cairo_image_surface_get_stride(img.get());
  const Colormap& cm = colormap(p.scale.cmap);
  const uint32_t masked = argb(kMaskedFill);
  for (int i = 0; i < rows; ++i) {
    uint32_t* row = reinterpret_cast<uint32_t*>(data + size_t(i) * size_t(stride));
    for (int j = 0; j < cols; ++j) row[j] = is_masked(p, i, j) ? masked : argb(cm.color(p.scale.index(p.values(i, j))));
  }
  cairo_surface_mark_dirty(img.get());
  return img;
}

// Paints `img` (w x h pixels) into box with nearest-neighbour sampling.
void paint_nearest(cairo_t* cr, cairo_surface_t* img, const Box& box) {
  const int w = cairo_image_surface_get_width(img), h = cairo_image_surface_get_height(img);
  cairo_save(cr);
  cairo_rectangle(cr, box.x, box.y, box.w, box.h);
  cairo_clip(cr);
  cairo_translate(cr, box.x, box.y);
  cairo_scale(cr, box.w / w, box.h / h);
  cairo_set_source_surface(cr, img, 0, 0);
  cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST);
  cairo_pattern_set_extend(cairo_get_source(cr), CAIRO_EXTEND_PAD);
  cairo_paint(cr);
  cairo_restore(cr);
}

// A 1-pixel frame just outside the box (it never touches the cells).
void frame(cairo_t* cr, const Box& b) {
  cairo_save(cr);
  cairo_set_source_rgb(cr, kFrame, kFrame, kFrame);
  cairo_set_line_width(cr, 1.0);
  cairo_rectangle(cr, b.x - 0.5, b.y - 0.5, b.w + 1, b.h + 1);
  cairo_stroke(cr);
  cairo_restore(cr);
}

// Diagonal hatch over the masked cells (runs of masked cells in a row become one rectangle).
void hatch_masked(cairo_t* cr, const HeatmapPanel& p, const PanelLayout& pl, const Metrics& m) {
  if (pl.cell_w < kHatchMinCellPx) return;
  const Box& h = pl.heatmap;
  const double cw = h.w / double(p.values.cols()), ch = h.h / double(p.values.rows());
  bool any = false;
  cairo_save(cr);
  cairo_new_path(cr);
  for (long i = 0; i < p.values.rows(); ++i)
    for (long j = 0; j < p.values.cols();) {
      if (!is_masked(p, i, j)) {
        ++j;
        continue;
      }
      long e = j;
      while (e < p.values.cols() && is_masked(p, i, e)) ++e;
      cairo_rectangle(cr, h.x + std::round(j * cw), h.y + std::round(i * ch), std::round(e * cw) - std::round(j * cw),
                      std::round((i + 1) * ch) - std::round(i * ch));
      any = true;
      j = e;
    }
  if (!any) {
    cairo_restore(cr);
    return;
  }
  cairo_clip(cr);
  cairo_set_source_rgb(cr, kMaskedHatch.r / 255.0, kMaskedHatch.g / 255.0, kMaskedHatch.b / 255.0);
  cairo_set_line_width(cr, std::max(1.0, 0.75 * m.px_per_pt));
  const double spacing = std::max(4.0, 4.5 * m.px_per_pt);
  for (double d = -h.h; d < h.w; d += spacing) {  // lines from bottom-left to top-right
    cairo_move_to(cr, h.x + d, h.y + h.h);
    cairo_line_to(cr, h.x + d + h.h, h.y);
  }
  cairo_stroke(cr);
  cairo_restore(cr);
}

// Values in the cells, all at one size: the largest (up to the label size) at which the widest
// value fits its cell; no annotations at all when that would be below 60 % of the label size.
void annotate_cells(cairo_t* cr, const TextMaker& text, const HeatmapPanel& p, const PanelLayout& pl,
                    const Metrics& m) {
  const Box& h = pl.heatmap;
  const double cw = h.w / double(p.values.cols()), ch = h.h / double(p.values.rows());
  const Colormap& cm = colormap(p.scale.cmap);
  double ref = 0;  // the largest |v| shown picks the number format
  for (long i = 0; i < p.values.rows(); ++i)
    for (long j = 0; j < p.values.cols(); ++j)
      if (!is_masked(p, i, j) && std::isfinite(p.values(i, j))) ref = std::max(ref, double(std::abs(p.values(i, j))));
  double widest = 0, tallest = 0;
  for (long i = 0; i < p.values.rows(); ++i)
    for (long j = 0; j < p.values.cols(); ++j)
      if (!is_masked(p, i, j)) {
        const TextSize s = text.measure(format_cell(p.values(i, j), ref), m.font_px);
        widest = std::max(widest, s.w);
        tallest = std::max(tallest, s.h);
      }
  if (widest <= 0) return;
  const double px = m.font_px * std::min({1.0, (cw - 4) / widest, (ch - 2) / tallest});
  if (px < 0.6 * m.font_px) return;
  for (long i = 0; i < p.values.rows(); ++i)
    for (long j = 0; j < p.values.cols(); ++j) {
      if (is_masked(p, i, j)) continue;
      const float v = p.values(i, j);
      LayoutPtr l = text.make(format_cell(v, ref), px);
      const TextSize s = TextMaker::size(l.get());
      const Rgb8 c = cm.color(p.scale.index(v));
      const double luma = 0.2126 * c.r + 0.7152 * c.g + 0.0722 * c.b;
      const double ink = luma > 128 ? kInk : 1.0;
      cairo_set_source_rgb(cr, ink, ink, ink);
      text.draw(l.get(), h.x + (j + 0.5) * cw - s.w / 2, h.y + (i + 0.5) * ch - s.h / 2);
    }
}

void draw_labels(cairo_t* cr, const TextMaker& text, const FigureSpec& spec, const HeatmapPanel& p,
                 const PanelLayout& pl, const Metrics& m) {
  const Box& h = pl.heatmap;
  const double cw = h.w / double(p.values.cols()), ch = h.h / double(p.values.rows());
  cairo_set_source_rgb(cr, kInk, kInk, kInk);
  cairo_set_line_width(cr, 1.0);
  if (pl.row_labels.w > 0) {
    for (long i = 0; i < p.values.rows(); i += pl.row_step) {
      const double y = h.y + (i + 0.5) * ch;
      cairo_move_to(cr, h.x - 1, y);
      cairo_line_to(cr, h.x - 1 - m.tick_len, y);
      cairo_stroke(cr);
      LayoutPtr l = text.make(axis_label(p.row_labels, i), m.font_px, false, m.max_label_px);
      const TextSize s = TextMaker::size(l.get());
      text.draw(l.get(), h.x - 1 - m.tick_len - m.gap - s.w, y - s.h / 2);
    }
    if (!spec.row_axis.empty()) {
      LayoutPtr l = text.make(clean_label(spec.row_axis), m.font_px);
      const TextSize s = TextMaker::size(l.get());
      cairo_save(cr);
      cairo_translate(cr, pl.row_labels.x - m.gap - s.h, h.cy());
      cairo_rotate(cr, -M_PI / 2);
      text.draw(l.get(), -s.w / 2, 0);
      cairo_restore(cr);
    }
  }
  if (pl.col_labels.h > 0) {
    const double y0 = h.y + h.h + 1;
    for (long j = 0; j < p.values.cols(); j += pl.col_step) {
      const double x = h.x + (j + 0.5) * cw;
      cairo_move_to(cr, x, y0);
      cairo_line_to(cr, x, y0 + m.tick_len);
      cairo_stroke(cr);
      LayoutPtr l = text.make(axis_label(p.col_labels, j), m.font_px, false, m.max_label_px);
      const TextSize s = TextMaker::size(l.get());
      if (pl.col_rotated) {  // reads upwards, its end next to the tick
        cairo_save(cr);
        cairo_translate(cr, x, y0 + m.tick_len + m.gap);
        cairo_rotate(cr, -M_PI / 2);
        text.draw(l.get(), -s.w, -s.h / 2);
        cairo_restore(cr);
      } else {
        text.draw(l.get(), x - s.w / 2, y0 + m.tick_len + m.gap);
      }
    }
    if (!spec.col_axis.empty()) {
      LayoutPtr l = text.make(clean_label(spec.col_axis), m.font_px);
      const TextSize s = TextMaker::size(l.get());
      text.draw(l.get(), h.cx() - s.w / 2, pl.col_labels.y + pl.col_labels.h + m.gap);
    }
  }
}

void draw_colorbar(cairo_t* cr, const TextMaker& text, const ColorScale& scale, const Box& bar, const Metrics& m,
                   double figure_h) {
  const Colormap& cm = colormap(scale.cmap);
  // One image row per pixel row of the bar: row k shows entry round((h-1-k) * 255 / (h-1)), so
  // the top row is exactly the last entry and the bottom row the first, whatever the height
  // (sampling a 256-row image into fewer rows would skip the ends).
  const int rows = std::max(2, int(std::lround(bar.h)));
  SurfacePtr img(cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1, rows));
  cairo_surface_flush(img.get());
  unsigned char* data = cairo_image_surface_get_data(img.get());
  const int stride = cairo_image_surface_get_stride(img.get());
  for (int k = 0; k < rows; ++k) {
    const int entry = int(std::lround(double(rows - 1 - k) * (kColormapSize - 1) / double(rows - 1)));
    *reinterpret_cast<uint32_t*>(data + size_t(k) * size_t(stride)) = argb(cm.color(entry));
  }
  cairo_surface_mark_dirty(img.get());
  paint_nearest(cr, img.get(), bar);
  frame(cr, bar);

  const int max_ticks = std::clamp(int(bar.h / (1.8 * m.line_px)), 2, 9);
  double step = 1;
  const std::vector<double> ticks = scale.log ? scale_ticks(scale, max_ticks) : nice_ticks(scale.vmin, scale.vmax, max_ticks, &step);
  cairo_set_source_rgb(cr, kInk, kInk, kInk);
  cairo_set_line_width(cr, 1.0);
  const std::vector<std::string> texts = tick_texts(scale, ticks, step);
  const double x0 = bar.x + bar.w + 1;
  for (size_t k = 0; k < ticks.size(); ++k) {
    const double y = bar.y + bar.h - scale_position(scale, ticks[k]) * bar.h;
    cairo_move_to(cr, x0, y);
    cairo_line_to(cr, x0 + m.tick_len, y);
    cairo_stroke(cr);
    LayoutPtr l = text.make(texts[k], m.tick_font_px);
    const TextSize s = TextMaker::size(l.get());
    const double ty = std::clamp(y - s.h / 2, 0.0, figure_h - s.h);
    text.draw(l.get(), x0 + m.tick_len + m.gap, ty);
  }
}

}  // namespace

void draw_figure(cairo_t* cr, const FigureSpec& spec, const FigureLayout& L) {
  cairo_save(cr);
  if (!spec.style.transparent) {
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_rectangle(cr, 0, 0, L.width, L.height);
    cairo_fill(cr);
  }
  TextMaker text(cr, spec.style.font_family);
  const Metrics m = make_metrics(spec.style, text);
  if (!spec.title.empty()) {
    LayoutPtr l = text.make(clean_label(spec.title), m.title_px, true, L.title.w);
    const TextSize s = TextMaker::size(l.get());
    cairo_set_source_rgb(cr, kInk, kInk, kInk);
    text.draw(l.get(), L.title.cx() - s.w / 2, L.title.y);
  }
  for (size_t k = 0; k < spec.panels.size(); ++k) {
    const HeatmapPanel& p = spec.panels[k];
    const PanelLayout& pl = L.panels[k];
    SurfacePtr img = cell_image(p);
    paint_nearest(cr, img.get(), pl.heatmap);
    hatch_masked(cr, p, pl, m);
    frame(cr, pl.heatmap);
    if (pl.annotate) annotate_cells(cr, text, p, pl, m);
    if (!p.title.empty()) {
      LayoutPtr l = text.make(clean_label(p.title), m.panel_title_px, true);
      const TextSize s = TextMaker::size(l.get());
      cairo_set_source_rgb(cr, kInk, kInk, kInk);
      text.draw(l.get(), pl.heatmap.cx() - s.w / 2, pl.title.y);
    }
    draw_labels(cr, text, spec, p, pl, m);
    if (pl.colorbar.w > 0) draw_colorbar(cr, text, p.scale, pl.colorbar, m, L.height);
  }
  if (L.colorbar.w > 0) draw_colorbar(cr, text, spec.panels[0].scale, L.colorbar, m, L.height);
  cairo_restore(cr);
}

}  // namespace attn::figure_detail
