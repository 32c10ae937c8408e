#include "app/gui/widgets/thumbnail_grid.h"

#include <algorithm>

#include "app/gui/test_hooks.h"

namespace attn::gui {

ThumbnailGridEvents draw_thumbnail_grid(const char* id, std::map<std::string, HeatmapWidget>& widgets,
                                        const ThumbnailGridSpec& spec, ImVec2 size) {
  ThumbnailGridEvents ev;
  ImGui::BeginChild(id, size, true, ImGuiWindowFlags_HorizontalScrollbar);
  if (spec.scroll_to >= 0.f) ImGui::SetScrollY(spec.scroll_to);
  const float font = ImGui::GetFontSize();
  const float header_w = spec.row_header ? ImGui::CalcTextSize("L00").x + 8.f : 0.f;
  const float pad = 4.f, label_h = font + 2.f;
  const float cell_w = spec.cell_px + 2.f * pad, cell_h = spec.cell_px + label_h + 2.f * pad;
  const int cols = std::max(1, spec.cols);
  const int rows = (spec.count + cols - 1) / cols;
  ImDrawList* dl = ImGui::GetWindowDrawList();
  ImGuiListClipper clipper;
  clipper.Begin(rows, cell_h);
  while (clipper.Step()) {
    for (int r = clipper.DisplayStart; r < clipper.DisplayEnd; ++r) {
      if (ev.last_visible < 0) ev.first_visible = r;
      ev.last_visible = r;
      const ImVec2 row0 = ImGui::GetCursorScreenPos();
      if (spec.row_header) {
        const std::string h = spec.row_header(r);
        dl->AddText(ImVec2(row0.x, row0.y + label_h + pad + spec.cell_px * 0.5f - font * 0.5f),
                    IM_COL32(200, 200, 200, 255), h.c_str());
      }
      for (int c = 0; c < cols; ++c) {
        const int index = r * cols + c;
        if (index >= spec.count) break;
        const ThumbnailCell cell = spec.cell(index);
        const ImVec2 p0(row0.x + header_w + c * cell_w, row0.y);
        const ImVec2 img0(p0.x + pad, p0.y + pad + label_h);
        const ImVec2 img1(img0.x + spec.cell_px, img0.y + spec.cell_px);
        // Frame: the caller's colour (a head summary), white when selected.
        if (cell.frame) dl->AddRectFilled(ImVec2(img0.x - 3.f, img0.y - 3.f), ImVec2(img1.x + 3.f, img1.y + 3.f), cell.frame, 2.f);
        if (cell.selected)
          dl->AddRect(ImVec2(p0.x, p0.y), ImVec2(p0.x + cell_w - 1.f, p0.y + cell_h - 1.f), IM_COL32(255, 255, 255, 255), 3.f, 0, 2.f);
        dl->AddText(ImVec2(img0.x, p0.y + pad - 1.f), cell.selected ? IM_COL32(255, 255, 255, 255) : IM_COL32(200, 200, 200, 255),
                    cell.label.c_str());
        ImGui::SetCursorScreenPos(img0);
        if (cell.values && cell.values->size() > 0) {
          HeatmapSpec hs;
          hs.values = cell.values;
          hs.mask = cell.mask;
          hs.diverging = spec.diverging;
          hs.range = spec.range;
          hs.cmap = spec.cmap;
          hs.axes = false;
          hs.show_values = false;
          if (cell.tooltip) hs.tooltip = [&](int, int) { cell.tooltip(); };
          const HeatmapEvents he = draw_heatmap(cell.id.c_str(), widgets[cell.id], hs, spec.data_version,
                                                ImVec2(spec.cell_px, spec.cell_px));
          if (he.clicked) ev.clicked = index;
          if (he.hovered_row >= 0) ev.hovered = index;
        } else {
          ImGui::InvisibleButton(cell.id.c_str(), ImVec2(spec.cell_px, spec.cell_px));
          if (ImGui::IsItemClicked()) ev.clicked = index;
          hook_item(cell.id + "_image");
          dl->AddRectFilled(img0, img1, IM_COL32(45, 45, 50, 255));
          const ImVec2 ts = ImGui::CalcTextSize(cell.empty_text.c_str(), nullptr, false, spec.cell_px - 6.f);
          dl->AddText(nullptr, 0.f, ImVec2(img0.x + 3.f, img0.y + (spec.cell_px - ts.y) * 0.5f), IM_COL32(170, 170, 170, 255),
                      cell.empty_text.c_str(), nullptr, spec.cell_px - 6.f);
          if (ImGui::IsItemHovered() && cell.tooltip) {
            ImGui::BeginTooltip();
            cell.tooltip();
            ImGui::EndTooltip();
          }
        }
      }
      ImGui::SetCursorScreenPos(row0);
      ImGui::Dummy(ImVec2(header_w + cols * cell_w, cell_h));
    }
  }
  ev.scroll_max = ImGui::GetScrollMaxY();
  ImGui::EndChild();
  return ev;
}

}  // namespace attn::gui
