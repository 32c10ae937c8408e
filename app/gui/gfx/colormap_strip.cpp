#include "app/gui/gfx/colormap_strip.h"

#include <map>
#include <memory>

#include "app/gui/gfx/texture.h"

namespace attn::gfx {

namespace {
// Keyed by the table's address: the tables are static (engine/figure/colormap_tables.cpp).
std::map<const uint8_t*, std::unique_ptr<Texture>>& strips() {
  static std::map<const uint8_t*, std::unique_ptr<Texture>> s;
  return s;
}
}  // namespace

unsigned colormap_strip_texture(const uint8_t* lut) {
  auto& s = strips();
  auto it = s.find(lut);
  if (it == s.end()) {
    auto tex = std::make_unique<Texture>();
    tex->upload_lut(lut);  // nearest, clamped: texel k is entry k exactly
    it = s.emplace(lut, std::move(tex)).first;
  }
  return it->second->id();
}

void colormap_strips_clear() { strips().clear(); }

}  // namespace attn::gfx
