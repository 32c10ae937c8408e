// Colormaps: 256-entry RGB lookup tables shared by the CPU exporter and the GUI's heatmap shader
// (which uploads `table` as a 256 x 1 RGB8 texture), and the one rule that turns a value into an
// entry (DESIGN.md, "Front end"):
//   t = (v - vmin) / (vmax - vmin),  index = clamp(floor(t * 255 + 0.5), 0, 255)
// computed in float32, as a GLSL shader would. On a log scale v, vmin and vmax are replaced by
// their log10 first. The tables are generated (gen_colormaps.py -> colormap_tables.cpp).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace attn {

enum class ColormapId { Viridis, Magma, Inferno, Cividis, Grey, Greys, RdBu, Coolwarm };

struct Rgb8 {
  uint8_t r = 0, g = 0, b = 0;
  bool operator==(const Rgb8& o) const { return r == o.r && g == o.g && b == o.b; }
  bool operator!=(const Rgb8& o) const { return !(*this == o); }
};

struct Colormap {
  ColormapId id;
  const char* name;            // "viridis", ... (CLI --colormap, workspace JSON)
  bool diverging;              // centred: entry 128 is the neutral colour for v = 0 on [-m, m]
  const unsigned char* table;  // 256 * 3 bytes: r, g, b of entry 0, then entry 1, ...
  const char* description;

  Rgb8 color(int index) const {
    const unsigned char* p = table + 3 * index;
    return Rgb8{p[0], p[1], p[2]};
  }
};

constexpr int kColormapSize = 256;

const Colormap& colormap(ColormapId id);
// Throws InputError("colormap", ...) listing the known names.
const Colormap& colormap_from_name(const std::string& name);
std::vector<std::string> colormap_names();
const std::vector<ColormapId>& all_colormaps();

// The DESIGN.md rule on a linear scale. NaN gives -1 (the caller draws it as masked).
int colormap_index(float v, float vmin, float vmax);

// Masked cells (NaN in the data or hidden by a mask) are drawn in this light grey, with a darker
// grey diagonal hatch on top when cells are at least kHatchMinCellPx pixels.
constexpr Rgb8 kMaskedFill{224, 224, 224};
constexpr Rgb8 kMaskedHatch{168, 168, 168};
constexpr double kHatchMinCellPx = 6.0;

}  // namespace attn
