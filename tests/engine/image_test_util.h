// Helpers for the figure tests: decode PNG bytes with stb_image (the library's code lives in
// libstb.so, so no STB_IMAGE_IMPLEMENTATION here), read the pHYs and text chunks with libpng,
// and look at pixels.
#pragma once
#include <png.h>
#include <stb_image.h>

#include <algorithm>
#include <csetjmp>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "engine/figure/colormap.h"

namespace attn::testing {

struct Image {
  int w = 0, h = 0;
  std::vector<unsigned char> rgba;  // 4 bytes per pixel
  bool ok() const { return w > 0 && h > 0; }
  const unsigned char* px(int x, int y) const { return rgba.data() + 4 * (size_t(y) * size_t(w) + size_t(x)); }
  Rgb8 rgb(int x, int y) const { return Rgb8{px(x, y)[0], px(x, y)[1], px(x, y)[2]}; }
  int alpha(int x, int y) const { return px(x, y)[3]; }
};

inline Image decode_png(const std::string& bytes) {
  Image img;
  int n = 0;
  unsigned char* data = stbi_load_from_memory(reinterpret_cast<const stbi_uc*>(bytes.data()), int(bytes.size()),
                                              &img.w, &img.h, &n, 4);
  if (!data) return Image{};
  img.rgba.assign(data, data + size_t(img.w) * size_t(img.h) * 4);
  stbi_image_free(data);
  return img;
}

struct PngInfo {
  bool ok = false;
  png_uint_32 res_x = 0, res_y = 0;
  int unit = -1;
  std::map<std::string, std::string> text;
};

// Reads the chunks before the image data with libpng.
inline PngInfo read_png_info(const std::string& bytes) {
  PngInfo info;
  struct Reader {
    const std::string* b;
    size_t at;
  } reader{&bytes, 0};
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop pi = png_create_info_struct(png);
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &pi, nullptr);
    return PngInfo{};
  }
  png_set_read_fn(png, &reader, [](png_structp p, png_bytep out, png_size_t n) {
    Reader* r = static_cast<Reader*>(png_get_io_ptr(p));
    if (r->at + n > r->b->size()) png_error(p, "short read");
    std::memcpy(out, r->b->data() + r->at, n);
    r->at += n;
  });
  png_read_info(png, pi);
  int unit = -1;
  if (png_get_pHYs(png, pi, &info.res_x, &info.res_y, &unit)) info.unit = unit;
  png_textp texts = nullptr;
  const int count = png_get_text(png, pi, &texts, nullptr);
  for (int k = 0; k < count; ++k) info.text[texts[k].key] = std::string(texts[k].text, texts[k].text ? std::strlen(texts[k].text) : 0);
  info.ok = true;
  png_destroy_read_struct(&png, &pi, nullptr);
  return info;
}

// Pixels in [x0, x1) x [y0, y1) that are "ink": clearly darker than the white background.
inline int ink_pixels(const Image& img, int x0, int y0, int x1, int y1, int threshold = 160) {
  int n = 0;
  for (int y = std::max(0, y0); y < std::min(img.h, y1); ++y)
    for (int x = std::max(0, x0); x < std::min(img.w, x1); ++x) {
      const unsigned char* p = img.px(x, y);
      if (p[0] + p[1] + p[2] < 3 * threshold) ++n;
    }
  return n;
}

}  // namespace attn::testing
