#include "engine/figure/colormap.h"

#include <cmath>

#include "engine/core/error.h"
#include "engine/figure/colormap_tables.h"

namespace attn {

namespace {

namespace d = colormap_data;

const Colormap kMaps[] = {
    {ColormapId::Viridis, "viridis", false, d::viridis, "sequential, perceptually uniform (default for weights)"},
    {ColormapId::Magma, "magma", false, d::magma, "sequential, black - purple - yellow-white"},
    {ColormapId::Inferno, "inferno", false, d::inferno, "sequential, black - red - yellow"},
    {ColormapId::Cividis, "cividis", false, d::cividis, "sequential, colour-vision-deficiency friendly"},
    {ColormapId::Grey, "grey", false, d::grey, "sequential, black to white"},
    {ColormapId::Greys, "greys", false, d::greys, "sequential, white to black (print friendly)"},
    {ColormapId::RdBu, "rdbu", true, d::rdbu,
     "diverging, blue (negative) - white - red (positive) (default for scores and gradients)"},
    {ColormapId::Coolwarm, "coolwarm", true, d::coolwarm, "diverging, blue - light grey - red"},
};

}  // namespace

const Colormap& colormap(ColormapId id) {
  for (const Colormap& m : kMaps)
    if (m.id == id) return m;
  return kMaps[0];
}

const std::vector<ColormapId>& all_colormaps() {
  static const std::vector<ColormapId> ids = [] {
    std::vector<ColormapId> v;
    for (const Colormap& m : kMaps) v.push_back(m.id);
    return v;
  }();
  return ids;
}

std::vector<std::string> colormap_names() {
  std::vector<std::string> names;
  for (const Colormap& m : kMaps) names.emplace_back(m.name);
  return names;
}

const Colormap& colormap_from_name(const std::string& name) {
  std::string known;
  for (const Colormap& m : kMaps) {
    if (name == m.name) return m;
    known += (known.empty() ? "" : ", ") + std::string(m.name);
  }
  throw InputError("colormap", "unknown colormap '" + name + "'; known: " + known);
}

int colormap_index(float v, float vmin, float vmax) {
  if (std::isnan(v)) return -1;
  const float t = (v - vmin) / (vmax - vmin);
  const float k = std::floor(t * 255.f + 0.5f);
  if (!(k > 0.f)) return 0;  // also catches -inf
  if (k >= 255.f) return 255;
  return int(k);
}

}  // namespace attn
