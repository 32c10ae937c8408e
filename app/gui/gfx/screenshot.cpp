#include "app/gui/gfx/screenshot.h"

#include <stb_image_write.h>

#include <vector>

#include "app/gui/gfx/gl.h"
#include "engine/io/atomic_file.h"

namespace attn::gfx {

bool save_framebuffer_png(const std::string& path, int width, int height, std::string* error) {
  std::vector<unsigned char> pixels(size_t(width) * height * 4);
  glBindFramebuffer(GL_FRAMEBUFFER, 0);
  glReadBuffer(GL_BACK);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadPixels(0, 0, width, height, GL_RGBA, GL_UNSIGNED_BYTE, pixels.data());
  // GL rows go bottom-up; PNG rows go top-down.
  std::vector<unsigned char> flipped(pixels.size());
  const size_t row = size_t(width) * 4;
  for (int y = 0; y < height; ++y)
    std::copy(pixels.begin() + y * row, pixels.begin() + (y + 1) * row, flipped.begin() + (height - 1 - y) * row);
  for (size_t k = 3; k < flipped.size(); k += 4) flipped[k] = 255;
  std::string png;
  auto append = [](void* ctx, void* data, int size) {
    static_cast<std::string*>(ctx)->append(static_cast<const char*>(data), size_t(size));
  };
  if (!stbi_write_png_to_func(append, &png, width, height, 4, flipped.data(), int(row))) {
    if (error) *error = "cannot encode the screenshot as PNG";
    return false;
  }
  try {
    write_file_atomic(path, png);
  } catch (const std::exception& e) {
    if (error) *error = e.what();
    return false;
  }
  return true;
}

}  // namespace attn::gfx
