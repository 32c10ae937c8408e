// Draws a heatmap into its own render target through the colormap shader. The caller keeps one
// HeatmapTexture per on-screen heatmap; data, range, colormap or zoom changes mark it dirty, and
// only then is it re-uploaded / re-rendered (cost grows with pixels, not with data).
#pragma once
#include <cstdint>
#include <memory>

#include "app/gui/gfx/texture.h"

namespace attn::gfx {

struct HeatmapStyle {
  float vmin = 0.f, vmax = 1.f;      // on a log scale: the range itself (not its log)
  bool log_scale = false;
  bool pool_abs = false;               // diverging maps: pool by |v|
  const uint8_t* lut = nullptr;        // 256 RGB triples (engine/figure colormap table)
  float masked_rgb[3] = {224 / 255.f, 224 / 255.f, 224 / 255.f};  // engine/figure kMaskedFill
  int highlight_row = -1;
  float highlight_rgba[4] = {1.f, 1.f, 1.f, 0.25f};
  // Visible data rectangle in [0, 1] units (x right, y down): zoom and pan.
  float uv_min[2] = {0.f, 0.f}, uv_max[2] = {1.f, 1.f};
};

class HeatmapTexture {
 public:
  // Uploads the values (rows x cols, NaN = masked). Call only when the data changed.
  void set_data(const float* values, int rows, int cols);
  // Renders at width x height pixels with the style; a no-op when nothing changed.
  void render(int width, int height, const HeatmapStyle& style);
  unsigned texture() const { return target_.texture(); }
  int rows() const { return rows_; }
  int cols() const { return cols_; }

 private:
  Texture values_, lut_;
  RenderTarget target_;
  const uint8_t* lut_source_ = nullptr;
  bool data_dirty_ = true;
  HeatmapStyle last_{};
  int last_w_ = 0, last_h_ = 0;
  int rows_ = 0, cols_ = 0;
};

// Builds the shared shader program; call once after the GL context exists.
void heatmap_renderer_init();
void heatmap_renderer_shutdown();

}  // namespace attn::gfx
