#version 330 core
// Colours one output pixel of a heatmap. The data is an R32F texture with one float per cell
// (NaN = masked cell); the colormap is a 256 x 1 lookup table shared with the CPU exporter, and
// the index rule is the exporter's exactly (DESIGN.md):
//   t = (v - vmin) / (vmax - vmin),  index = clamp(floor(t * 255 + 0.5), 0, 255)
// Zoom and pan: the pixel's position maps into the visible data rectangle [uv_min, uv_max].
// When a pixel covers several cells, up to 4 x 4 of them are sampled and the most extreme kept
// (max for sequential maps, max |v| for diverging ones), so a thin peak never disappears.
uniform sampler2D u_values;     // R32F, cols x rows, row 0 = first query (top)
uniform sampler2D u_lut;        // RGB8, 256 x 1
uniform ivec2 u_size;           // (cols, rows)
uniform vec2 u_out_size;        // output size in pixels
uniform vec2 u_uv_min;          // visible data rectangle, in [0, 1] data units (y down)
uniform vec2 u_uv_max;
uniform float u_vmin;
uniform float u_vmax;
uniform int u_log;              // 1: log scale; u_vmin/u_vmax are then log10(vmin), log10(vmax)
uniform int u_pool_abs;         // 1: keep the sample with the largest |v| (diverging maps)
uniform vec3 u_masked_color;
uniform int u_highlight_row;    // -1: none
uniform vec4 u_highlight_color;
out vec4 frag_color;

float fetch(vec2 uv) {
  ivec2 cell = clamp(ivec2(floor(uv * vec2(u_size))), ivec2(0), u_size - 1);
  return texelFetch(u_values, cell, 0).r;
}

void main() {
  vec2 s = gl_FragCoord.xy / u_out_size;
  s.y = 1.0 - s.y;  // framebuffer y goes up, data rows go down
  vec2 uv = mix(u_uv_min, u_uv_max, s);
  vec2 cells_per_px = (u_uv_max - u_uv_min) * vec2(u_size) / u_out_size;
  float v = fetch(uv);
  if (cells_per_px.x > 1.0 || cells_per_px.y > 1.0) {
    vec2 px = (u_uv_max - u_uv_min) / u_out_size;  // one pixel in data uv
    vec2 corner = uv - 0.5 * px;
    ivec2 n = ivec2(clamp(ceil(cells_per_px), vec2(1.0), vec2(4.0)));
    for (int a = 0; a < n.y; ++a)
      for (int b = 0; b < n.x; ++b) {
        float w = fetch(corner + px * (vec2(b, a) + 0.5) / vec2(n));
        if (isnan(v)) { v = w; continue; }
        if (isnan(w)) continue;
        if (u_pool_abs == 1 ? abs(w) > abs(v) : w > v) v = w;
      }
  }
  vec3 rgb;
  if (isnan(v)) {
    rgb = u_masked_color;
  } else {
    float t;
    // The exporter's rule (engine/figure/colormap.h); on a log scale v is replaced by log10(v).
    float x = v;
    if (u_log == 1) x = v > 0.0 ? log(v) * 0.43429448190325176 : u_vmin;
    t = (u_vmax > u_vmin) ? (x - u_vmin) / (u_vmax - u_vmin) : 0.5;
    int index = int(clamp(floor(t * 255.0 + 0.5), 0.0, 255.0));
    rgb = texelFetch(u_lut, ivec2(index, 0), 0).rgb;
  }
  int row = int(floor(uv.y * float(u_size.y)));
  if (u_highlight_row >= 0 && row == u_highlight_row)
    rgb = mix(rgb, u_highlight_color.rgb, u_highlight_color.a);
  frag_color = vec4(rgb, 1.0);
}
