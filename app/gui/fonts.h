// UI fonts: DejaVu Sans for Latin, Greek and Cyrillic, merged with Droid Sans Fallback for the
// CJK (and other) characters that actually occur in the user's text. ImGui 1.86 bakes glyphs
// into an atlas up front, so the atlas is rebuilt (between frames) when new characters appear,
// instead of baking 20k CJK glyphs at start-up. Characters past U+FFFF cannot show (16-bit ImWchar).
#pragma once
#include <set>
#include <string>

namespace attn::gui {

class FontManager {
 public:
  // Loads the fonts at `pixel_size` (already multiplied by the monitor's content scale).
  void init(float pixel_size);
  // Notes the characters of `text`; returns true if some were new (a rebuild is pending).
  bool want_text(const std::string& text);
  // Rebuilds the atlas if needed; call before ImGui::NewFrame. Returns true if it rebuilt.
  bool rebuild_if_needed();
  bool fallback_available() const { return !fallback_path_.empty(); }

 private:
  void build();
  float size_ = 15.f;
  std::string main_path_, fallback_path_;
  std::set<unsigned> extra_;  // code points beyond the default ranges
  bool dirty_ = true;
};

}  // namespace attn::gui
