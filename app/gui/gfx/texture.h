// GPU textures: a float matrix as an R32F texture (one texel per cell), a colormap as a 256 x 1
// RGB8 lookup table, and an RGBA render target. Uploads happen only when called.
#pragma once
#include <cstdint>

namespace attn::gfx {

class Texture {
 public:
  Texture() = default;
  ~Texture();
  Texture(const Texture&) = delete;
  Texture& operator=(const Texture&) = delete;

  // rows x cols floats, row-major, row 0 first (NaN marks a masked cell).
  void upload_float(const float* data, int rows, int cols);
  // 256 RGB triples.
  void upload_lut(const uint8_t* rgb256);
  unsigned id() const { return tex_; }
  int width() const { return w_; }
  int height() const { return h_; }

 private:
  void ensure();
  unsigned tex_ = 0;
  int w_ = 0, h_ = 0;
};

// A framebuffer with one RGBA8 colour texture, resized on demand.
class RenderTarget {
 public:
  RenderTarget() = default;
  ~RenderTarget();
  RenderTarget(const RenderTarget&) = delete;
  RenderTarget& operator=(const RenderTarget&) = delete;

  void resize(int width, int height);
  void bind() const;    // binds and sets the viewport
  static void unbind();
  unsigned texture() const { return color_; }
  int width() const { return w_; }
  int height() const { return h_; }

 private:
  unsigned fbo_ = 0, color_ = 0;
  int w_ = 0, h_ = 0;
};

}  // namespace attn::gfx
