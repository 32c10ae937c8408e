// Internal to the figure exporter: pango text on a cairo context with fixed font options (grey
// antialiasing, no hinting, unrounded glyph positions) so that measuring on one surface and
// drawing on another (PNG, SVG, PDF) give the same layout.
#pragma once
#include <cairo.h>
#include <pango/pangocairo.h>

#include <memory>
#include <string>

namespace attn::figure_detail {

struct LayoutDeleter {
  void operator()(PangoLayout* l) const { g_object_unref(l); }
};
using LayoutPtr = std::unique_ptr<PangoLayout, LayoutDeleter>;

struct TextSize {
  double w = 0, h = 0;
};

class TextMaker {
 public:
  TextMaker(cairo_t* cr, std::string family);
  ~TextMaker();
  TextMaker(const TextMaker&) = delete;
  TextMaker& operator=(const TextMaker&) = delete;

  // A one-line layout of `text` at `px` pixels (user units), ellipsized at max_w when max_w > 0.
  LayoutPtr make(const std::string& text, double px, bool bold = false, double max_w = -1) const;
  static TextSize size(PangoLayout* l);
  TextSize measure(const std::string& text, double px, bool bold = false, double max_w = -1) const {
    return size(make(text, px, bold, max_w).get());
  }
  // Draws with the layout's logical box at (x, y) in the current user space.
  void draw(PangoLayout* l, double x, double y) const;

 private:
  cairo_t* cr_;
  std::string family_;
  PangoContext* ctx_;
  cairo_font_options_t* options_;
};

// A label as drawn: valid UTF-8 (invalid bytes replaced), control characters made visible
// (newline -> U+21B5, tab -> U+21E5, others -> U+00B7).
std::string clean_label(const std::string& s);

}  // namespace attn::figure_detail
