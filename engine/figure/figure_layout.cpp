// Figure layout: where the title, the heatmaps, the labels and the colour bars go, in pixels.
// Labels are measured once with pango; everything after that is arithmetic, so fitting a
// requested width is a cheap search over the cell size.
#include <algorithm>
#include <cmath>
#include <memory>

#include "engine/core/error.h"
#include "engine/figure/figure_internal.h"
#include "engine/figure/ticks.h"

namespace attn::figure_detail {

Metrics make_metrics(const FigureStyle& style, const TextMaker& text) {
  Metrics m;
  const double f = style.dpi / 72.0;
  m.px_per_pt = f;
  m.font_px = style.font_pt * f;
  m.tick_font_px = m.font_px;
  m.title_px = m.font_px * 1.3;
  m.panel_title_px = m.font_px * 1.1;
  m.line_px = text.measure("Ag", m.font_px).h;
  m.pad = std::round(8 * f);
  m.gap = std::round(3 * f);
  m.tick_len = std::max(2.0, std::round(2.5 * f));
  m.panel_space = std::round(14 * f);
  m.bar_w = std::round(11 * f);
  m.min_bar_h = std::round(6 * m.line_px);
  m.max_label_px = 11 * m.font_px;
  return m;
}

std::string axis_label(const std::vector<std::string>& labels, long i) {
  if (i < long(labels.size())) return clean_label(labels[size_t(i)]);
  return std::to_string(i);
}

int grid_cols(const FigureSpec& spec) {
  const int n = int(spec.panels.size());
  if (spec.grid_cols > 0) return std::min(spec.grid_cols, std::max(n, 1));
  return std::max(1, int(std::ceil(std::sqrt(double(n)) - 1e-9)));
}

bool shares_axes(const FigureSpec& spec) {
  const HeatmapPanel& p0 = spec.panels.at(0);
  for (const HeatmapPanel& p : spec.panels)
    if (p.values.rows() != p0.values.rows() || p.values.cols() != p0.values.cols() ||
        p.row_labels != p0.row_labels || p.col_labels != p0.col_labels)
      return false;
  return true;
}

}  // namespace attn::figure_detail

namespace attn {

using namespace figure_detail;

namespace {

void validate_spec(const FigureSpec& spec) {
  require(!spec.panels.empty(), "figure", "nothing to draw (no panels)");
  const FigureStyle& st = spec.style;
  require(std::isfinite(st.dpi) && st.dpi >= 10 && st.dpi <= 4800, "dpi", "must be in [10, 4800], got " + std::to_string(st.dpi));
  require(std::isfinite(st.cell_px) && st.cell_px >= 0 && st.cell_px <= 2000, "cell-px",
          "must be in [1, 2000] pixels, got " + std::to_string(st.cell_px));
  require(st.cell_px == 0 || st.cell_px >= 1, "cell-px", "must be at least 1 pixel, got " + std::to_string(st.cell_px));
  require(st.width_px >= 0 && st.width_px <= kMaxFigurePixels, "width",
          "must be in [1, " + std::to_string(kMaxFigurePixels) + "] pixels");
  require(st.font_pt > 0 && st.font_pt <= 200, "font", "font size must be in (0, 200] pt");
  for (size_t k = 0; k < spec.panels.size(); ++k) {
    const HeatmapPanel& p = spec.panels[k];
    const std::string f = "panel " + std::to_string(k);
    require(p.values.rows() > 0 && p.values.cols() > 0, f, "the matrix is empty");
    require(p.mask.size() == 0 || (p.mask.rows() == p.values.rows() && p.mask.cols() == p.values.cols()), f,
            "mask is " + shape_str(p.mask.rows(), p.mask.cols()) + ", expected " +
                shape_str(p.values.rows(), p.values.cols()));
    require(p.row_labels.empty() || long(p.row_labels.size()) == p.values.rows(), f,
            std::to_string(p.row_labels.size()) + " row labels for " + std::to_string(p.values.rows()) + " rows");
    require(p.col_labels.empty() || long(p.col_labels.size()) == p.values.cols(), f,
            std::to_string(p.col_labels.size()) + " column labels for " + std::to_string(p.values.cols()) + " columns");
    require(p.scale.vmin < p.scale.vmax, f, "the colour scale needs vmin < vmax");
    require(!p.scale.log || p.scale.vmin > 0, f, "a log colour scale needs vmin > 0");
  }
}

// Label widths of one panel (measured once; panels that share axes share them).
struct LabelWidths {
  std::vector<double> rows, cols;
};

LabelWidths measure_labels(const HeatmapPanel& p, const TextMaker& text, const Metrics& m) {
  LabelWidths w;
  w.rows.resize(size_t(p.values.rows()));
  w.cols.resize(size_t(p.values.cols()));
  for (long i = 0; i < p.values.rows(); ++i)
    w.rows[size_t(i)] = text.measure(axis_label(p.row_labels, i), m.font_px, false, m.max_label_px).w;
  for (long j = 0; j < p.values.cols(); ++j)
    w.cols[size_t(j)] = text.measure(axis_label(p.col_labels, j), m.font_px, false, m.max_label_px).w;
  return w;
}

double max_drawn(const std::vector<double>& w, int step) {
  double best = 0;
  for (size_t i = 0; i < w.size(); i += size_t(step)) best = std::max(best, w[i]);
  return best;
}

int label_step(double cell, double line_px) {
  return std::max(1, int(std::ceil(line_px * 1.05 / cell - 1e-9)));
}

double tick_label_width(const ColorScale& s, double bar_h, const TextMaker& text, const Metrics& m) {
  const int max_ticks = std::clamp(int(bar_h / (1.8 * m.line_px)), 2, 9);
  double step = 1;
  std::vector<double> ticks = s.log ? scale_ticks(s, max_ticks) : nice_ticks(s.vmin, s.vmax, max_ticks, &step);
  double w = 0;
  for (const std::string& t : tick_texts(s, ticks, step)) w = std::max(w, text.measure(t, m.tick_font_px).w);
  return w;
}

// Everything measured, so that laying out for a given cell size is arithmetic.
struct Measured {
  Metrics m;
  std::vector<const LabelWidths*> labels;  // per panel
  std::vector<std::unique_ptr<LabelWidths>> owned;
  std::vector<double> bar_label_w;         // per panel (per-panel bars) or [0] (shared)
  double title_h = 0, title_w = 0, panel_title_h = 0;
  std::vector<double> panel_title_w;  // per panel
  double col_axis_w = 0;              // the x axis name's width
  bool share = false;
  int gc = 1, gr = 1;
};

FigureLayout layout_for_cell(const FigureSpec& spec, const Measured& ms, double cell) {
  const Metrics& m = ms.m;
  const int n = int(spec.panels.size());
  FigureLayout L;
  L.font_px = m.font_px;
  L.line_px = m.line_px;
  L.panels.resize(size_t(n));
  std::vector<double> left(static_cast<size_t>(n)), top(static_cast<size_t>(n)), right(static_cast<size_t>(n)), bottom(static_cast<size_t>(n));
  std::vector<double> hm_w(static_cast<size_t>(n)), hm_h(static_cast<size_t>(n));
  const double axis_w = m.line_px + m.gap;
  for (int k = 0; k < n; ++k) {
    const HeatmapPanel& p = spec.panels[size_t(k)];
    PanelLayout& pl = L.panels[size_t(k)];
    const int c = k % ms.gc;
    const bool last_in_col = k + ms.gc >= n;
    const bool show_rows = !ms.share || c == 0, show_cols = !ms.share || last_in_col;
    pl.cell_w = pl.cell_h = cell;
    hm_w[size_t(k)] = std::max(1.0, std::round(double(p.values.cols()) * cell));
    hm_h[size_t(k)] = std::max(1.0, std::round(double(p.values.rows()) * cell));
    const LabelWidths& lw = *ms.labels[size_t(k)];
    pl.row_step = label_step(cell, m.line_px);
    const double col_max = max_drawn(lw.cols, 1);
    pl.col_rotated = col_max > cell - std::max(4.0, 0.5 * m.font_px);  // room between neighbours
    pl.col_step = pl.col_rotated ? label_step(cell, m.line_px) : 1;
    const double row_w = show_rows ? max_drawn(lw.rows, pl.row_step) : 0;
    const double col_h = show_cols ? (pl.col_rotated ? max_drawn(lw.cols, pl.col_step) : m.line_px) : 0;
    left[size_t(k)] = show_rows ? (spec.row_axis.empty() ? 0 : axis_w) + row_w + m.gap + m.tick_len + 1 : 0;
    bottom[size_t(k)] =
        show_cols ? m.tick_len + 1 + m.gap + col_h + (spec.col_axis.empty() ? 0 : m.gap + m.line_px) : 0;
    pl.row_labels.w = row_w;
    pl.col_labels.h = col_h;
    top[size_t(k)] = p.title.empty() ? 0 : ms.panel_title_h + m.gap;
    if (!spec.shared_scale) {
      const double bar_h = std::max(hm_h[size_t(k)], m.min_bar_h);
      right[size_t(k)] = 3 * m.gap + m.bar_w + m.tick_len + m.gap + ms.bar_label_w[size_t(k)];
      bottom[size_t(k)] = std::max(bottom[size_t(k)], bar_h - hm_h[size_t(k)] + m.line_px / 2);
    }
    // A panel is at least as wide as its title and its x axis name (centred on the heatmap).
    const double need = std::max(ms.panel_title_w[size_t(k)], show_cols ? ms.col_axis_w : 0.0);
    const double extra = std::max(0.0, std::ceil((need - hm_w[size_t(k)]) / 2));
    left[size_t(k)] = std::max(left[size_t(k)], extra);
    right[size_t(k)] = std::max(right[size_t(k)], extra);
    pl.annotate = false;
  }
  // Columns and rows of the grid take the largest of their panels.
  std::vector<double> col_left(size_t(ms.gc)), col_hm(size_t(ms.gc)), col_right(size_t(ms.gc));
  std::vector<double> row_top(size_t(ms.gr)), row_hm(size_t(ms.gr)), row_bottom(size_t(ms.gr));
  for (int k = 0; k < n; ++k) {
    const size_t c = size_t(k % ms.gc), r = size_t(k / ms.gc), kk = size_t(k);
    col_left[c] = std::max(col_left[c], left[kk]);
    col_hm[c] = std::max(col_hm[c], hm_w[kk]);
    col_right[c] = std::max(col_right[c], right[kk]);
    row_top[r] = std::max(row_top[r], top[kk]);
    row_hm[r] = std::max(row_hm[r], hm_h[kk]);
    row_bottom[r] = std::max(row_bottom[r], bottom[kk]);
  }
  const double x0 = m.pad;
  const double y0 = m.pad + (spec.title.empty() ? 0 : ms.title_h + 2 * m.gap);
  std::vector<double> col_x(size_t(ms.gc)), row_y(size_t(ms.gr));
  double x = x0;
  for (int c = 0; c < ms.gc; ++c) {
    col_x[size_t(c)] = x;
    x += col_left[size_t(c)] + col_hm[size_t(c)] + col_right[size_t(c)] + (c + 1 < ms.gc ? m.panel_space : 0);
  }
  const double grid_right = x;
  double y = y0;
  for (int r = 0; r < ms.gr; ++r) {
    row_y[size_t(r)] = y;
    y += row_top[size_t(r)] + row_hm[size_t(r)] + row_bottom[size_t(r)] + (r + 1 < ms.gr ? m.panel_space : 0);
  }
  double bottom_edge = y;
  double right_edge = grid_right;
  for (int k = 0; k < n; ++k) {
    const size_t c = size_t(k % ms.gc), r = size_t(k / ms.gc), kk = size_t(k);
    PanelLayout& pl = L.panels[kk];
    pl.heatmap = Box{std::round(col_x[c] + col_left[c]), std::round(row_y[r] + row_top[r]), hm_w[kk], hm_h[kk]};
    const Box& h = pl.heatmap;
    if (!spec.panels[kk].title.empty()) {
      const double w = std::max(h.w, ms.panel_title_w[kk]);
      pl.title = Box{h.cx() - w / 2, h.y - m.gap - ms.panel_title_h, w, ms.panel_title_h};
    }
    pl.row_labels = Box{h.x - 1 - m.tick_len - m.gap - pl.row_labels.w, h.y, pl.row_labels.w, h.h};
    pl.col_labels = Box{h.x, h.y + h.h + 1 + m.tick_len + m.gap, h.w, pl.col_labels.h};
    if (!spec.shared_scale) {
      const double bar_h = std::max(h.h, m.min_bar_h);
      pl.colorbar = Box{h.x + h.w + 3 * m.gap, h.y, m.bar_w, bar_h};
    }
    const FigureStyle& st = spec.style;
    if (st.annotate) {
      // Room for a short value such as "−0.00" at the label size (drawn smaller when needed).
      pl.annotate = cell >= std::max(4.0 * m.font_px * 0.6 + 4, m.line_px + 2);
    }
  }
  if (spec.shared_scale) {
    const Box& first = L.panels[0].heatmap;
    double hm_bottom = first.y + first.h;
    for (const PanelLayout& pl : L.panels) hm_bottom = std::max(hm_bottom, pl.heatmap.y + pl.heatmap.h);
    const double bar_h = std::round(std::max(hm_bottom - first.y, m.min_bar_h));
    L.colorbar = Box{std::round(grid_right + 4 * m.gap), first.y, m.bar_w, bar_h};
    right_edge = L.colorbar.x + m.bar_w + m.tick_len + 1 + m.gap + ms.bar_label_w[0];
    bottom_edge = std::max(bottom_edge, L.colorbar.y + bar_h + m.line_px / 2);
  }
  double width = right_edge + m.pad;
  if (!spec.title.empty()) width = std::max(width, ms.title_w + 2 * m.pad);
  L.width = int(std::ceil(width));
  L.height = int(std::ceil(bottom_edge + m.pad));
  if (!spec.title.empty()) L.title = Box{m.pad, m.pad, double(L.width) - 2 * m.pad, ms.title_h};
  return L;
}

}  // namespace

FigureLayout layout_figure(const FigureSpec& spec) {
  validate_spec(spec);
  cairo_surface_t* surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1, 1);
  cairo_t* cr = cairo_create(surface);
  FigureLayout L;
  try {
    TextMaker text(cr, spec.style.font_family);
    Measured ms;
    ms.m = make_metrics(spec.style, text);
    const Metrics& m = ms.m;
    const int n = int(spec.panels.size());
    ms.share = shares_axes(spec);
    ms.gc = grid_cols(spec);
    ms.gr = (n + ms.gc - 1) / ms.gc;
    for (int k = 0; k < n; ++k) {
      if (ms.share && k > 0) {
        ms.labels.push_back(ms.labels[0]);
        continue;
      }
      ms.owned.push_back(std::make_unique<LabelWidths>(measure_labels(spec.panels[size_t(k)], text, m)));
      ms.labels.push_back(ms.owned.back().get());
    }
    if (!spec.title.empty()) {
      const TextSize t = text.measure(clean_label(spec.title), m.title_px, true);
      ms.title_h = t.h;
      ms.title_w = t.w;
    }
    ms.panel_title_h = text.measure("Ag", m.panel_title_px, true).h;
    for (const HeatmapPanel& p : spec.panels)
      ms.panel_title_w.push_back(p.title.empty() ? 0.0 : text.measure(clean_label(p.title), m.panel_title_px, true).w);
    if (!spec.col_axis.empty()) ms.col_axis_w = text.measure(clean_label(spec.col_axis), m.font_px).w;

    // The cell size: given, fitted to the width, or automatic (about 5 inches for one heatmap).
    long max_rows = 0, max_cols = 0;
    for (const HeatmapPanel& p : spec.panels) {
      max_rows = std::max(max_rows, long(p.values.rows()));
      max_cols = std::max(max_cols, long(p.values.cols()));
    }
    const FigureStyle& st = spec.style;
    double cell = st.cell_px;
    // Bars: ticks depend on the bar height, which depends on the cell; measure generously.
    auto measure_bars = [&](double c) {
      ms.bar_label_w.clear();
      if (spec.shared_scale) {
        ms.bar_label_w.push_back(tick_label_width(spec.panels[0].scale, std::max(double(max_rows) * c * ms.gr, m.min_bar_h), text, m));
      } else {
        for (const HeatmapPanel& p : spec.panels)
          ms.bar_label_w.push_back(tick_label_width(p.scale, std::max(double(p.values.rows()) * c, m.min_bar_h), text, m));
      }
    };
    if (cell <= 0 && st.width_px > 0) {
      measure_bars(double(st.width_px) / double(max_cols * ms.gc));
      auto width_at = [&](double c) { return layout_for_cell(spec, ms, c).width; };
      require(width_at(1.0) <= st.width_px, "width",
              std::to_string(st.width_px) + " pixels is too narrow: at 1 pixel per cell the figure needs " +
                  std::to_string(width_at(1.0)) + " (or lower --dpi to shrink the text)");
      double lo = 1.0, hi = std::max(2.0, double(st.width_px));
      for (int it = 0; it < 50; ++it) {
        const double mid = 0.5 * (lo + hi);
        (width_at(mid) <= st.width_px ? lo : hi) = mid;
      }
      cell = lo;
    } else if (cell <= 0) {
      const double target = (n == 1 ? 360.0 : 200.0) * m.px_per_pt;
      cell = std::clamp(std::floor(target / double(std::max(max_rows, max_cols))), 1.0, std::round(36 * m.px_per_pt));
    }
    measure_bars(cell);
    L = layout_for_cell(spec, ms, cell);
    if (st.cell_px <= 0 && st.width_px > 0) {
      L.width = st.width_px;
      if (L.title.w > 0) L.title.w = double(L.width) - 2 * m.pad;
    }
  } catch (...) {
    cairo_destroy(cr);
    cairo_surface_destroy(surface);
    throw;
  }
  cairo_destroy(cr);
  cairo_surface_destroy(surface);
  require(L.width <= kMaxFigurePixels && L.height <= kMaxFigurePixels && double(L.width) * L.height <= 2.0e8,
          "size",
          "the figure would be " + std::to_string(L.width) + " x " + std::to_string(L.height) +
              " pixels (limit " + std::to_string(kMaxFigurePixels) +
              " per side and 200 megapixels); use a smaller --cell-px, --width or --dpi");
  return L;
}

}  // namespace attn
