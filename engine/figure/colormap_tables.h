// The raw colormap tables (generated: engine/figure/colormap_tables.cpp, by gen_colormaps.py).
// Each is 256 RGB triples, 8 bits per channel; entry i is the colour at t = i / 255.
#pragma once

namespace attn::colormap_data {

extern const unsigned char viridis[256 * 3];
extern const unsigned char magma[256 * 3];
extern const unsigned char inferno[256 * 3];
extern const unsigned char cividis[256 * 3];
extern const unsigned char grey[256 * 3];
extern const unsigned char greys[256 * 3];
extern const unsigned char rdbu[256 * 3];
extern const unsigned char coolwarm[256 * 3];

}  // namespace attn::colormap_data
