#include "app/gui/widgets/heatmap_view.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "app/gui/gfx/colormap_strip.h"
#include "app/gui/gfx/draw_state.h"
#include "app/gui/test_hooks.h"
#include "engine/figure/color_scale.h"

namespace attn::gui {

namespace {

constexpr float kColorbarWidth = 14.f;
constexpr float kColorbarGap = 8.f;
constexpr float kTickWidth = 58.f;
constexpr float kMaxRowLabelWidth = 110.f;

std::string format_value(float v) {
  char buf[32];
  const float a = std::abs(v);
  if (v == 0.f)
    std::snprintf(buf, sizeof buf, "0");
  else if (a >= 1e4f || a < 1e-3f)
    std::snprintf(buf, sizeof buf, "%.2e", v);
  else if (a >= 100.f)
    std::snprintf(buf, sizeof buf, "%.0f", v);
  else
    std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

// Which labels to draw so neighbours do not overlap: every `step`-th.
int label_step(float cell_px, float label_px) {
  if (cell_px <= 0.f) return 1 << 30;
  return std::max(1, int(std::ceil(label_px / cell_px)));
}

}  // namespace

void resolve_range(const MatRM& values, const MaskM* mask, const RangeSettings& r, bool diverging, float* vmin,
                   float* vmax) {
  // The exporter's rule (engine/figure/color_scale.h), so a saved figure shows the same colours.
  RangeRequest req;
  RangeKind kind = diverging ? RangeKind::Signed : RangeKind::Sequential;
  if (r.mode == RangeSettings::Mode::Fixed) {
    req.vmin = r.vmin;
    req.vmax = r.vmax;
  } else if (r.mode == RangeSettings::Mode::Percentile) {
    req.clip_percentile = std::clamp(double(r.percentile), 50.001, 100.0);
  }
  req.log = r.log_scale && !diverging;
  try {
    const ColorScale cs = resolve_scale(req, kind, {ScaleInput{&values, mask}});
    *vmin = cs.vmin;
    *vmax = cs.vmax;
  } catch (const std::exception&) {
    // e.g. a log scale with no positive value, or vmin > vmax typed by hand: fall back to the
    // default range of the kind rather than drawing nothing.
    req = RangeRequest();
    const ColorScale cs = resolve_scale(req, diverging ? RangeKind::Signed : RangeKind::Unit, {ScaleInput{&values, mask}});
    *vmin = cs.vmin;
    *vmax = cs.vmax;
  }
}

void draw_colorbar(ImDrawList* dl, ImVec2 p0, ImVec2 p1, const Colormap& cmap, float vmin, float vmax, bool log_scale) {
  const float h = p1.y - p0.y;
  // Top = vmax (entry 255), bottom = vmin (entry 0): the table as a 256 x 1 texture (nearest
  // filtering) on one quad whose u runs from 0 at the bottom to 1 at the top, so a pixel at
  // height fraction u shows entry floor(256 u), one band of h / 256 pixels per entry.
  const auto tex = reinterpret_cast<ImTextureID>(static_cast<intptr_t>(gfx::colormap_strip_texture(cmap.table)));
  dl->AddImageQuad(tex, p0, ImVec2(p1.x, p0.y), p1, ImVec2(p0.x, p1.y), ImVec2(1.f, 0.5f), ImVec2(1.f, 0.5f),
                   ImVec2(0.f, 0.5f), ImVec2(0.f, 0.5f));
  dl->AddRect(p0, p1, IM_COL32(120, 120, 120, 255));
  const int ticks = h > 160.f ? 5 : (h > 70.f ? 3 : 2);
  for (int t = 0; t < ticks; ++t) {
    const float f = float(t) / float(ticks - 1);
    float v = vmin + f * (vmax - vmin);
    if (log_scale) v = std::pow(10.f, std::log10(vmin) + f * (std::log10(vmax) - std::log10(vmin)));
    const float y = p1.y - f * h;
    dl->AddLine(ImVec2(p1.x, y), ImVec2(p1.x + 3.f, y), IM_COL32(200, 200, 200, 255));
    const std::string s = format_value(v);
    dl->AddText(ImVec2(p1.x + 8.f, y - ImGui::GetFontSize() * 0.5f), IM_COL32(220, 220, 220, 255), s.c_str());
  }
}

HeatmapEvents draw_heatmap(const char* id, HeatmapWidget& w, const HeatmapSpec& spec, uint64_t data_version,
                           ImVec2 size) {
  HeatmapEvents ev;
  ImGui::PushID(id);
  const MatRM& m = *spec.values;
  const int rows = int(m.rows()), cols = int(m.cols());
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const float font = ImGui::GetFontSize();
  ImDrawList* dl = ImGui::GetWindowDrawList();

  // Layout: [row labels][image][gap][colour bar][ticks]; title above, column labels below.
  float row_label_w = 0.f;
  if (spec.axes && spec.row_labels) {
    for (const auto& s : *spec.row_labels) row_label_w = std::max(row_label_w, ImGui::CalcTextSize(s.c_str()).x);
    row_label_w = std::min(row_label_w + 6.f, kMaxRowLabelWidth);
  }
  const float title_h = spec.axes && spec.title ? font + 4.f : 0.f;
  const float col_label_h = spec.axes && spec.col_labels ? font + 6.f : 0.f;
  const float right = spec.axes ? kColorbarGap + kColorbarWidth + kTickWidth : 0.f;
  const ImVec2 img0(origin.x + row_label_w, origin.y + title_h);
  const ImVec2 img_size(std::max(8.f, size.x - row_label_w - right), std::max(8.f, size.y - title_h - col_label_h));
  const ImVec2 img1(img0.x + img_size.x, img0.y + img_size.y);

  if (rows == 0 || cols == 0) {
    ImGui::Dummy(size);
    ImGui::PopID();
    return ev;
  }
  // Upload when the data changed (NaN marks masked cells for the shader).
  if (w.uploaded_version != data_version || w.tex.rows() != rows || w.tex.cols() != cols) {
    w.staging.assign(m.data(), m.data() + m.size());
    if (spec.mask)
      for (long k = 0; k < m.size(); ++k)
        if (!spec.mask->data()[k]) w.staging[size_t(k)] = std::numeric_limits<float>::quiet_NaN();
    w.tex.set_data(w.staging.data(), rows, cols);
    w.uploaded_version = data_version;
  }
  const RangeSettings& rs = spec.range;
  const RangeSettings& last = w.range_settings;
  if (w.range_version != data_version || w.range_diverging != spec.diverging || rs.mode != last.mode ||
      rs.vmin != last.vmin || rs.vmax != last.vmax || rs.percentile != last.percentile || rs.log_scale != last.log_scale) {
    resolve_range(m, spec.mask, spec.range, spec.diverging, &w.vmin, &w.vmax);
    w.range_version = data_version;
    w.range_settings = spec.range;
    w.range_diverging = spec.diverging;
  }
  gfx::HeatmapStyle style;
  style.vmin = w.vmin;
  style.vmax = w.vmax;
  style.log_scale = spec.range.log_scale && !spec.diverging;
  style.pool_abs = spec.diverging;
  style.lut = spec.cmap->table;
  style.highlight_row = spec.highlight_row;
  std::copy(w.uv_min, w.uv_min + 2, style.uv_min);
  std::copy(w.uv_max, w.uv_max + 2, style.uv_max);
  w.tex.render(int(img_size.x), int(img_size.y), style);

  // The image itself (FBO row 0 is at the bottom: flip with the UVs).
  // Opaque: drawn without blending (gfx/draw_state.h), then ImGui's own state is restored.
  ImGui::SetCursorScreenPos(img0);
  ImGui::GetWindowDrawList()->AddCallback(gfx::blend_off_callback, nullptr);
  ImGui::Image(reinterpret_cast<ImTextureID>(static_cast<intptr_t>(w.tex.texture())), img_size, ImVec2(0, 1),
               ImVec2(1, 0));
  ImGui::GetWindowDrawList()->AddCallback(ImDrawCallback_ResetRenderState, nullptr);
  const bool hovered = ImGui::IsItemHovered();
  ev.clicked = ImGui::IsItemClicked(ImGuiMouseButton_Left);
  hook_item(std::string(id) + "_image");

  // Screen <-> cell mapping under the current zoom/pan.
  const float du = w.uv_max[0] - w.uv_min[0], dv = w.uv_max[1] - w.uv_min[1];
  const float cell_w = img_size.x / (du * cols), cell_h = img_size.y / (dv * rows);
  auto cell_x = [&](int c) { return img0.x + (float(c) / cols - w.uv_min[0]) / du * img_size.x; };
  auto cell_y = [&](int r) { return img0.y + (float(r) / rows - w.uv_min[1]) / dv * img_size.y; };

  ImGuiIO& io = ImGui::GetIO();
  if (hovered) {
    const float u = w.uv_min[0] + (io.MousePos.x - img0.x) / img_size.x * du;
    const float v = w.uv_min[1] + (io.MousePos.y - img0.y) / img_size.y * dv;
    ev.hovered_col = std::clamp(int(std::floor(u * cols)), 0, cols - 1);
    ev.hovered_row = std::clamp(int(std::floor(v * rows)), 0, rows - 1);
    if (ImGui::IsMouseClicked(ImGuiMouseButton_Left)) {
      ev.clicked_row = ev.hovered_row;
      ev.clicked_col = ev.hovered_col;
    }
    ev.left_down_on_cell = ImGui::IsMouseDown(ImGuiMouseButton_Left);
    // Wheel: zoom around the mouse; the visible rectangle keeps the point under the cursor.
    if (io.MouseWheel != 0.f) {
      const float factor = io.MouseWheel > 0 ? 1.f / 1.25f : 1.25f;
      float nu = std::clamp(du * factor, 1.f / std::max(cols, 1) * 2.f, 1.f);
      float nv = std::clamp(dv * factor, 1.f / std::max(rows, 1) * 2.f, 1.f);
      nu = std::max(nu, std::min(1.f, 2.f / cols));
      nv = std::max(nv, std::min(1.f, 2.f / rows));
      const float fx = (io.MousePos.x - img0.x) / img_size.x, fy = (io.MousePos.y - img0.y) / img_size.y;
      w.uv_min[0] = std::clamp(u - fx * nu, 0.f, 1.f - nu);
      w.uv_min[1] = std::clamp(v - fy * nv, 0.f, 1.f - nv);
      w.uv_max[0] = w.uv_min[0] + nu;
      w.uv_max[1] = w.uv_min[1] + nv;
    }
    if (ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left)) {
      w.uv_min[0] = w.uv_min[1] = 0.f;
      w.uv_max[0] = w.uv_max[1] = 1.f;
    }
    // Tooltip: the exact value from the CPU copy, plus the caller's explanation.
    const int r = ev.hovered_row, c = ev.hovered_col;
    ImGui::BeginTooltip();
    const std::string rl = spec.row_labels && r < int(spec.row_labels->size()) ? (*spec.row_labels)[r] : "";
    const std::string cl = spec.col_labels && c < int(spec.col_labels->size()) ? (*spec.col_labels)[c] : "";
    ImGui::Text("row %d %s, col %d %s", r, rl.c_str(), c, cl.c_str());
    if (spec.mask && !(*spec.mask)(r, c))
      ImGui::TextUnformatted("masked (excluded from the softmax)");
    else
      ImGui::Text("value = %.6g", double(m(r, c)));
    if (spec.tooltip) spec.tooltip(r, c);
    ImGui::EndTooltip();
  }
  // Pan: right or middle drag moves the visible rectangle.
  if (ImGui::IsItemActive() || hovered) {
    for (ImGuiMouseButton b : {ImGuiMouseButton_Right, ImGuiMouseButton_Middle}) {
      if (hovered && ImGui::IsMouseDragging(b, 0.f)) {
        const float mu = -io.MouseDelta.x / img_size.x * du, mv = -io.MouseDelta.y / img_size.y * dv;
        w.uv_min[0] = std::clamp(w.uv_min[0] + mu, 0.f, 1.f - du);
        w.uv_min[1] = std::clamp(w.uv_min[1] + mv, 0.f, 1.f - dv);
        w.uv_max[0] = w.uv_min[0] + du;
        w.uv_max[1] = w.uv_min[1] + dv;
      }
    }
  }

  dl->PushClipRect(img0, img1, true);
  // Values inside cells when they fit.
  const int c0 = std::max(0, int(std::floor(w.uv_min[0] * cols))), c1 = std::min(cols, int(std::ceil(w.uv_max[0] * cols)));
  const int r0 = std::max(0, int(std::floor(w.uv_min[1] * rows))), r1 = std::min(rows, int(std::ceil(w.uv_max[1] * rows)));
  if (spec.show_values && cell_w >= font * 2.6f && cell_h >= font + 2.f && (c1 - c0) * (r1 - r0) <= 4096) {
    for (int r = r0; r < r1; ++r)
      for (int c = c0; c < c1; ++c) {
        if (spec.mask && !(*spec.mask)(r, c)) continue;
        const float v = m(r, c);
        const std::string s = format_value(v);
        const ImVec2 ts = ImGui::CalcTextSize(s.c_str());
        if (ts.x > cell_w - 2.f) continue;
        // Dark text on light cells, light text on dark cells (by the colour's luminance).
        const int idx = colormap_index(spec.range.log_scale && !spec.diverging && v > 0.f ? std::log10(v) : v,
                                       spec.range.log_scale && !spec.diverging ? std::log10(w.vmin) : w.vmin,
                                       spec.range.log_scale && !spec.diverging ? std::log10(w.vmax) : w.vmax);
        const Rgb8 col = spec.cmap->color(std::max(0, idx));
        const float lum = 0.299f * col.r + 0.587f * col.g + 0.114f * col.b;
        const ImU32 tc = lum > 140.f ? IM_COL32(20, 20, 20, 255) : IM_COL32(240, 240, 240, 255);
        dl->AddText(ImVec2(cell_x(c) + (cell_w - ts.x) * 0.5f, cell_y(r) + (cell_h - ts.y) * 0.5f), tc, s.c_str());
      }
  }
  if (hovered)
    dl->AddRect(ImVec2(cell_x(ev.hovered_col), cell_y(ev.hovered_row)),
                ImVec2(cell_x(ev.hovered_col + 1), cell_y(ev.hovered_row + 1)), IM_COL32(255, 255, 255, 200), 0.f, 0, 1.5f);
  dl->PopClipRect();

  if (spec.axes) {
    if (spec.title) dl->AddText(ImVec2(img0.x, origin.y), IM_COL32(230, 230, 230, 255), spec.title);
    const ImU32 label_col = IM_COL32(210, 210, 210, 255);
    if (spec.row_labels) {
      const int step = label_step(cell_h, font);
      for (int r = r0; r < r1; ++r) {
        if (r % step != 0 || r >= int(spec.row_labels->size())) continue;
        const float y = cell_y(r) + cell_h * 0.5f - font * 0.5f;
        if (y < img0.y - 1.f || y + font > img1.y + 1.f) continue;
        const std::string& s = (*spec.row_labels)[r];
        const float tw = ImGui::CalcTextSize(s.c_str()).x;
        dl->PushClipRect(ImVec2(origin.x, img0.y), ImVec2(img0.x - 2.f, img1.y), true);
        dl->AddText(ImVec2(img0.x - 4.f - std::min(tw, row_label_w - 4.f), y), label_col, s.c_str());
        dl->PopClipRect();
      }
    }
    if (spec.col_labels) {
      float widest = 0.f;
      for (int c = c0; c < c1 && c < int(spec.col_labels->size()); ++c)
        widest = std::max(widest, ImGui::CalcTextSize((*spec.col_labels)[c].c_str()).x);
      const int step = label_step(cell_w, std::min(widest, 80.f) + 6.f);
      dl->PushClipRect(ImVec2(img0.x - 20.f, img1.y), ImVec2(img1.x + 20.f, img1.y + col_label_h), true);
      for (int c = c0; c < c1; ++c) {
        if (c % step != 0 || c >= int(spec.col_labels->size())) continue;
        const std::string& s = (*spec.col_labels)[c];
        const float tw = ImGui::CalcTextSize(s.c_str()).x;
        dl->AddText(ImVec2(cell_x(c) + cell_w * 0.5f - tw * 0.5f, img1.y + 3.f), label_col, s.c_str());
      }
      dl->PopClipRect();
    }
    const ImVec2 cb0(img1.x + kColorbarGap, img0.y), cb1(img1.x + kColorbarGap + kColorbarWidth, img1.y);
    draw_colorbar(dl, cb0, cb1, *spec.cmap, w.vmin, w.vmax, style.log_scale);
    hook_rect(std::string(id) + "_colorbar", cb0.x, cb0.y, cb1.x, cb1.y);
  }
  ImGui::SetCursorScreenPos(origin);
  ImGui::Dummy(size);
  ImGui::PopID();
  return ev;
}

}  // namespace attn::gui
