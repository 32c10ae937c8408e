#include "app/gui/gfx/texture.h"

#include "app/gui/gfx/gl.h"

namespace attn::gfx {

Texture::~Texture() {
  if (tex_) glDeleteTextures(1, &tex_);
}

void Texture::ensure() {
  if (tex_) return;
  glGenTextures(1, &tex_);
  glBindTexture(GL_TEXTURE_2D, tex_);
  // Nearest: one cell is one flat colour; the shader does its own pooling when zoomed out.
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
}

void Texture::upload_float(const float* data, int rows, int cols) {
  ensure();
  glBindTexture(GL_TEXTURE_2D, tex_);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
  // Texel (x = col, y = row): row 0 of the matrix is texture row 0.
  if (rows == h_ && cols == w_)
    glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, cols, rows, GL_RED, GL_FLOAT, data);
  else
    glTexImage2D(GL_TEXTURE_2D, 0, GL_R32F, cols, rows, 0, GL_RED, GL_FLOAT, data);
  w_ = cols;
  h_ = rows;
}

void Texture::upload_lut(const uint8_t* rgb256) {
  ensure();
  glBindTexture(GL_TEXTURE_2D, tex_);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
  glTexImage2D(GL_TEXTURE_2D, 0, GL_RGB8, 256, 1, 0, GL_RGB, GL_UNSIGNED_BYTE, rgb256);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
  w_ = 256;
  h_ = 1;
}

RenderTarget::~RenderTarget() {
  if (fbo_) glDeleteFramebuffers(1, &fbo_);
  if (color_) glDeleteTextures(1, &color_);
}

void RenderTarget::resize(int width, int height) {
  if (width < 1) width = 1;
  if (height < 1) height = 1;
  if (fbo_ && width == w_ && height == h_) return;
  if (!fbo_) {
    glGenFramebuffers(1, &fbo_);
    glGenTextures(1, &color_);
  }
  glBindTexture(GL_TEXTURE_2D, color_);
  glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, width, height, 0, GL_RGBA, GL_UNSIGNED_BYTE, nullptr);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
  glBindFramebuffer(GL_FRAMEBUFFER, fbo_);
  glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, color_, 0);
  glBindFramebuffer(GL_FRAMEBUFFER, 0);
  w_ = width;
  h_ = height;
}

void RenderTarget::bind() const {
  glBindFramebuffer(GL_FRAMEBUFFER, fbo_);
  glViewport(0, 0, w_, h_);
}

void RenderTarget::unbind() { glBindFramebuffer(GL_FRAMEBUFFER, 0); }

}  // namespace attn::gfx
