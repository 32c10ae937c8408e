#include "engine/figure/figure_text.h"

#include <cmath>

namespace attn::figure_detail {

TextMaker::TextMaker(cairo_t* cr, std::string family) : cr_(cr), family_(std::move(family)) {
  ctx_ = pango_cairo_create_context(cr_);
  options_ = cairo_font_options_create();
  cairo_font_options_set_antialias(options_, CAIRO_ANTIALIAS_GRAY);
  cairo_font_options_set_hint_style(options_, CAIRO_HINT_STYLE_NONE);
  cairo_font_options_set_hint_metrics(options_, CAIRO_HINT_METRICS_OFF);
  pango_cairo_context_set_font_options(ctx_, options_);
  pango_context_set_round_glyph_positions(ctx_, FALSE);
}

TextMaker::~TextMaker() {
  cairo_font_options_destroy(options_);
  g_object_unref(ctx_);
}

LayoutPtr TextMaker::make(const std::string& text, double px, bool bold, double max_w) const {
  LayoutPtr l(pango_layout_new(ctx_));
  PangoFontDescription* fd = pango_font_description_from_string(family_.c_str());
  pango_font_description_set_absolute_size(fd, px * PANGO_SCALE);
  pango_font_description_set_weight(fd, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
  pango_layout_set_font_description(l.get(), fd);
  pango_font_description_free(fd);
  pango_layout_set_single_paragraph_mode(l.get(), TRUE);
  if (max_w > 0) {
    pango_layout_set_width(l.get(), int(max_w * PANGO_SCALE));
    pango_layout_set_ellipsize(l.get(), PANGO_ELLIPSIZE_END);
  }
  pango_layout_set_text(l.get(), text.c_str(), int(text.size()));
  return l;
}

TextSize TextMaker::size(PangoLayout* l) {
  PangoRectangle ink, logical;
  pango_layout_get_extents(l, &ink, &logical);
  return TextSize{double(logical.width) / PANGO_SCALE, double(logical.height) / PANGO_SCALE};
}

void TextMaker::draw(PangoLayout* l, double x, double y) const {
  PangoRectangle logical;
  pango_layout_get_extents(l, nullptr, &logical);
  cairo_move_to(cr_, x - double(logical.x) / PANGO_SCALE, y - double(logical.y) / PANGO_SCALE);
  pango_cairo_update_layout(cr_, l);
  pango_cairo_show_layout(cr_, l);
}

std::string clean_label(const std::string& s) {
  gchar* valid = g_utf8_make_valid(s.c_str(), gssize(s.size()));
  std::string in(valid);
  g_free(valid);
  std::string out;
  out.reserve(in.size());
  for (char ch : in) {
    const unsigned char u = (unsigned char)ch;
    if (u == '\n')
      out += "\u21b5";
    else if (u == '\t')
      out += "\u21e5";
    else if (u < 0x20 || u == 0x7f)
      out += "\u00b7";
    else
      out += ch;
  }
  return out;
}

}  // namespace attn::figure_detail

#if defined(__SANITIZE_ADDRESS__)
// LeakSanitizer (the ASan + UBSan test run): fontconfig, which pango uses to find fonts and
// fallbacks, keeps pattern caches for the life of the process and drops some of them without
// freeing; these are not the exporter's leaks. Weak, so that a program's own list takes over.
extern "C" __attribute__((weak, used)) const char* __lsan_default_suppressions() {
  return "leak:libfontconfig.so\n";
}
// And no "Suppressions used" table on stderr: the CLI's contract is one line on errors.
extern "C" __attribute__((weak, used)) const char* __lsan_default_options() { return "print_suppressions=0"; }
#endif
