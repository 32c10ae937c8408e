// Surfaces for the drawing routine: an image surface (PNG, written with libpng so the file
// records its DPI and a description), an SVG surface and a PDF surface. Vector surfaces are in
// points; the routine draws in pixels, so they are scaled by 72 / dpi and have the physical size
// of the PNG.
#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <png.h>

#include <cmath>
#include <csetjmp>
#include <cstring>

#include "engine/core/error.h"
#include "engine/figure/figure_internal.h"

namespace attn {

using namespace figure_detail;

const char* image_format_name(ImageFormat f) {
  switch (f) {
    case ImageFormat::PNG: return "png";
    case ImageFormat::SVG: return "svg";
    case ImageFormat::PDF: return "pdf";
  }
  return "?";
}

namespace {

void check_cairo(cairo_status_t st, const char* what) {
  if (st != CAIRO_STATUS_SUCCESS)
    throw InputError("output", std::string("cannot draw the ") + what + ": " + cairo_status_to_string(st));
}

cairo_status_t append_to_string(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

RgbaImage rasterize(const FigureSpec& spec, const FigureLayout& L) {
  cairo_surface_t* surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, L.width, L.height);
  check_cairo(cairo_surface_status(surface), "image (out of memory?)");
  cairo_t* cr = cairo_create(surface);
  draw_figure(cr, spec, L);
  const cairo_status_t st = cairo_status(cr);
  cairo_destroy(cr);
  cairo_surface_flush(surface);
  RgbaImage img;
  if (st == CAIRO_STATUS_SUCCESS) {
    img.width = L.width;
    img.height = L.height;
    img.pixels.resize(size_t(L.width) * size_t(L.height) * 4);
    const unsigned char* data = cairo_image_surface_get_data(surface);
    const int stride = cairo_image_surface_get_stride(surface);
    for (int y = 0; y < L.height; ++y) {
      const uint32_t* row = reinterpret_cast<const uint32_t*>(data + size_t(y) * size_t(stride));
      uint8_t* out = img.pixels.data() + size_t(y) * size_t(L.width) * 4;
      for (int x = 0; x < L.width; ++x) {
        const uint32_t p = row[x];  // premultiplied ARGB in native byte order
        const uint32_t a = p >> 24, r = (p >> 16) & 0xff, g = (p >> 8) & 0xff, b = p & 0xff;
        if (a == 255) {
          out[4 * x] = uint8_t(r), out[4 * x + 1] = uint8_t(g), out[4 * x + 2] = uint8_t(b);
        } else if (a == 0) {
          out[4 * x] = out[4 * x + 1] = out[4 * x + 2] = 0;
        } else {
          out[4 * x] = uint8_t((r * 255 + a / 2) / a);
          out[4 * x + 1] = uint8_t((g * 255 + a / 2) / a);
          out[4 * x + 2] = uint8_t((b * 255 + a / 2) / a);
        }
        out[4 * x + 3] = uint8_t(a);
      }
    }
  }
  cairo_surface_destroy(surface);
  check_cairo(st, "figure");
  return img;
}

void png_append(png_structp png, png_bytep data, png_size_t length) {
  static_cast<std::string*>(png_get_io_ptr(png))->append(reinterpret_cast<const char*>(data), length);
}
void png_flush_nothing(png_structp) {}

// 8-bit RGB (or RGBA when `alpha`), pHYs = the DPI in pixels per metre, one tEXt chunk per entry.
std::string encode_png(const RgbaImage& img, bool alpha, double dpi,
                       const std::vector<std::pair<std::string, std::string>>& text) {
  std::string out;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (!png || !info) {
    png_destroy_write_struct(&png, &info);
    throw InputError("output", "cannot start the PNG encoder (out of memory)");
  }
  std::vector<uint8_t> row;
  std::vector<std::string> keys, values;
  std::vector<png_text> chunks;
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    throw InputError("output", "the PNG encoder failed");
  }
  png_set_write_fn(png, &out, png_append, png_flush_nothing);
  png_set_IHDR(png, info, png_uint_32(img.width), png_uint_32(img.height), 8,
               alpha ? PNG_COLOR_TYPE_RGBA : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  const png_uint_32 ppm = png_uint_32(std::lround(dpi / 0.0254));
  png_set_pHYs(png, info, ppm, ppm, PNG_RESOLUTION_METER);
  // tEXt is Latin-1: keys are ASCII; values that are not plain ASCII go to iTXt (UTF-8).
  for (const auto& kv : text) {
    keys.push_back(kv.first.substr(0, 79));
    values.push_back(kv.second);
  }
  for (size_t k = 0; k < keys.size(); ++k) {
    bool ascii = true;
    for (unsigned char ch : values[k]) ascii = ascii && ch < 0x80;
    png_text t;
    std::memset(&t, 0, sizeof t);
    t.compression = ascii ? PNG_TEXT_COMPRESSION_NONE : PNG_ITXT_COMPRESSION_NONE;
    t.key = const_cast<char*>(keys[k].c_str());
    t.text = const_cast<char*>(values[k].c_str());
    t.text_length = ascii ? values[k].size() : 0;
    t.itxt_length = ascii ? 0 : values[k].size();
    chunks.push_back(t);
  }
  if (!chunks.empty()) png_set_text(png, info, chunks.data(), int(chunks.size()));
  png_set_compression_level(png, 6);
  png_write_info(png, info);
  row.resize(size_t(img.width) * (alpha ? 4 : 3));
  for (int y = 0; y < img.height; ++y) {
    const uint8_t* src = img.at(0, y);
    if (alpha) {
      std::memcpy(row.data(), src, row.size());
    } else {
      for (int x = 0; x < img.width; ++x) {
        row[3 * size_t(x)] = src[4 * x];
        row[3 * size_t(x) + 1] = src[4 * x + 1];
        row[3 * size_t(x) + 2] = src[4 * x + 2];
      }
    }
    png_write_row(png, row.data());
  }
  png_write_end(png, info);
  png_destroy_write_struct(&png, &info);
  return out;
}

std::string text_value(const FigureSpec& spec, const std::string& key) {
  for (const auto& kv : spec.text)
    if (kv.first == key) return kv.second;
  return "";
}

// cairo 1.16 writes no sampling hint into SVG, so viewers would smooth the one-pixel-per-cell
// image across cell edges. Ask for nearest-neighbour sampling on every <image> (the SVG 1.1
// attribute, and the CSS property that current browsers honour).
std::string svg_pixelated_images(const std::string& svg) {
  static const std::string tag = "<image ";
  static const std::string with = "<image image-rendering=\"optimizeSpeed\" style=\"image-rendering:pixelated\" ";
  std::string out;
  out.reserve(svg.size() + 256);
  size_t at = 0;
  for (size_t k; (k = svg.find(tag, at)) != std::string::npos; at = k + tag.size()) {
    out.append(svg, at, k - at);
    out += with;
  }
  out.append(svg, at, std::string::npos);
  return out;
}

std::string render_vector(const FigureSpec& spec, const FigureLayout& L, ImageFormat format) {
  std::string out;
  const double k = 72.0 / spec.style.dpi;  // points per pixel
  cairo_surface_t* surface = nullptr;
  if (format == ImageFormat::SVG) {
    surface = cairo_svg_surface_create_for_stream(append_to_string, &out, L.width * k, L.height * k);
    if (cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS)
      cairo_svg_surface_set_document_unit(surface, CAIRO_SVG_UNIT_PT);
  } else {
    surface = cairo_pdf_surface_create_for_stream(append_to_string, &out, L.width * k, L.height * k);
    if (cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS) {
      const std::string title = text_value(spec, "Title"), subject = text_value(spec, "Description");
      if (!title.empty()) cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, title.c_str());
      if (!subject.empty()) cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_SUBJECT, subject.c_str());
      cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "attnscope " ATTNSCOPE_VERSION);
    }
  }
  cairo_status_t st = cairo_surface_status(surface);
  if (st == CAIRO_STATUS_SUCCESS) {
    cairo_t* cr = cairo_create(surface);
    cairo_scale(cr, k, k);
    draw_figure(cr, spec, L);
    st = cairo_status(cr);
    cairo_destroy(cr);
    cairo_surface_finish(surface);
    if (st == CAIRO_STATUS_SUCCESS) st = cairo_surface_status(surface);
  }
  cairo_surface_destroy(surface);
  check_cairo(st, image_format_name(format));
  if (format == ImageFormat::SVG) out = svg_pixelated_images(out);
  return out;
}

}  // namespace

RgbaImage render_figure_rgba(const FigureSpec& spec) { return rasterize(spec, layout_figure(spec)); }

std::string render_figure(const FigureSpec& spec, ImageFormat format) {
  const FigureLayout L = layout_figure(spec);
  if (format == ImageFormat::PNG)
    return encode_png(rasterize(spec, L), spec.style.transparent, spec.style.dpi, spec.text);
  return render_vector(spec, L, format);
}

}  // namespace attn
