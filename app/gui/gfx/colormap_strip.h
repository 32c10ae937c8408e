// A colormap table as a texture for colour bars: the 256 entries as a 256 x 1 RGB8 texture with
// nearest filtering, one per table, made on first use and kept until shutdown. A colour bar is
// then one textured quad instead of 256 filled rectangles (1,024 vertices per bar per frame that
// a software rasterizer such as llvmpipe transforms and bins on the UI thread).
#pragma once
#include <cstdint>

namespace attn::gfx {

// The texture (a GL name usable as an ImTextureID) of the table `lut` (256 RGB triples).
unsigned colormap_strip_texture(const uint8_t* lut);
// Deletes every strip texture; call before the GL context goes away.
void colormap_strips_clear();

}  // namespace attn::gfx
