#include "app/gui/widgets/head_view.h"

#include <algorithm>

#include "app/gui/test_hooks.h"

namespace attn::gui {

ImU32 head_color(int head, float alpha) {
  // Tableau 10: distinct on a dark background and for most colour-vision types.
  static const unsigned char pal[10][3] = {{78, 121, 167}, {242, 142, 43}, {225, 87, 89},  {118, 183, 178}, {89, 161, 79},
                                           {237, 201, 72}, {176, 122, 161}, {255, 157, 167}, {156, 117, 95}, {186, 176, 172}};
  const unsigned char* c = pal[((head % 10) + 10) % 10];
  return IM_COL32(c[0], c[1], c[2], int(std::clamp(alpha, 0.f, 1.f) * 255.f + 0.5f));
}

HeadViewEvents draw_head_view(const char* id, const HeadViewSpec& spec, ImVec2 size) {
  HeadViewEvents ev;
  ImGui::PushID(id);
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const int T = spec.tokens ? int(spec.tokens->size()) : 0;
  const float font = ImGui::GetFontSize();
  const float row_h = font + 6.f;
  float text_w = 40.f;
  for (int i = 0; i < T; ++i) text_w = std::max(text_w, ImGui::CalcTextSize((*spec.tokens)[size_t(i)].c_str()).x);
  text_w = std::min(text_w + 12.f, 180.f);
  const float height = std::max(size.y, T * row_h + 8.f);
  const float gap = std::max(120.f, std::min(420.f, size.x - 2.f * text_w));
  const float lx1 = origin.x + text_w, rx0 = lx1 + gap;  // line end points
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImGuiIO& io = ImGui::GetIO();
  // Which token is under the mouse (rows are uniform: no per-item widgets needed).
  ImGui::InvisibleButton("area", ImVec2(text_w * 2.f + gap, height));
  hook_item(std::string(id) + "_area");
  if (ImGui::IsItemHovered()) {
    const int row = int((io.MousePos.y - origin.y - 4.f) / row_h);
    if (row >= 0 && row < T) {
      if (io.MousePos.x < lx1) ev.hovered_query = row;
      else if (io.MousePos.x > rx0) ev.hovered_key = row;
    }
  }
  auto y_of = [&](int i) { return origin.y + 4.f + (i + 0.5f) * row_h; };
  // Test hook: the lines' end points, (left x, first row's y) .. (right x, last row's y).
  if (T > 0) hook_rect(std::string(id) + "_lines", lx1, y_of(0), rx0, y_of(T - 1));
  // Only the rows in the visible part of the window get text; lines are clipped by ImGui.
  const float clip_y0 = ImGui::GetWindowPos().y, clip_y1 = clip_y0 + ImGui::GetWindowSize().y;
  for (int i = 0; i < T; ++i) {
    const float y = y_of(i);
    if (y < clip_y0 - row_h || y > clip_y1 + row_h) continue;
    const std::string& s = (*spec.tokens)[size_t(i)];
    const float tw = std::min(ImGui::CalcTextSize(s.c_str()).x, text_w - 8.f);
    const bool hq = ev.hovered_query == i, hk = ev.hovered_key == i;
    if (hq) dl->AddRectFilled(ImVec2(origin.x, y - row_h * 0.5f), ImVec2(lx1 - 2.f, y + row_h * 0.5f), IM_COL32(70, 70, 90, 255));
    if (hk) dl->AddRectFilled(ImVec2(rx0 + 2.f, y - row_h * 0.5f), ImVec2(rx0 + text_w, y + row_h * 0.5f), IM_COL32(70, 70, 90, 255));
    dl->PushClipRect(ImVec2(origin.x, y - row_h), ImVec2(lx1 - 4.f, y + row_h), true);
    dl->AddText(ImVec2(lx1 - 6.f - tw, y - font * 0.5f), IM_COL32(230, 230, 230, 255), s.c_str());
    dl->PopClipRect();
    dl->PushClipRect(ImVec2(rx0 + 4.f, y - row_h), ImVec2(rx0 + text_w, y + row_h), true);
    dl->AddText(ImVec2(rx0 + 6.f, y - font * 0.5f), IM_COL32(230, 230, 230, 255), s.c_str());
    dl->PopClipRect();
  }
  // Lines: heads blend on top of each other; a hovered token keeps only its own lines.
  for (size_t h = 0; h < spec.heads.size(); ++h) {
    if (h < spec.enabled.size() && !spec.enabled[h]) continue;
    const MatRM* A = spec.heads[h];
    if (!A || A->rows() != T || A->cols() != T) continue;
    for (int i = 0; i < T; ++i) {
      if (ev.hovered_query >= 0 && i != ev.hovered_query) continue;
      for (int j = 0; j < T; ++j) {
        if (ev.hovered_key >= 0 && j != ev.hovered_key) continue;
        const float a = (*A)(i, j);
        if (!(a >= spec.min_alpha)) continue;
        dl->AddLine(ImVec2(lx1, y_of(i)), ImVec2(rx0, y_of(j)), head_color(int(h), a), 2.f);
      }
    }
  }
  ImGui::PopID();
  return ev;
}

}  // namespace attn::gui
