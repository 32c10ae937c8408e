#include "app/gui/widgets/matrix_editor.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "app/gui/panels/panels.h"

namespace attn::gui {

bool parse_rows(const std::string& text, long cols, std::vector<std::vector<float>>* rows, std::string* error) {
  std::istringstream in(text);
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    for (char& ch : line)
      if (ch == ',' || ch == ';' || ch == '\t' || ch == '\r') ch = ' ';
    std::istringstream ls(line);
    std::vector<float> row;
    std::string tok;
    while (ls >> tok) {
      char* end = nullptr;
      const float v = std::strtof(tok.c_str(), &end);
      if (end == tok.c_str() || *end != '\0' || !std::isfinite(v)) {
        *error = "clipboard line " + std::to_string(line_no) + ": '" + tok + "' is not a finite number";
        return false;
      }
      row.push_back(v);
    }
    if (row.empty()) continue;
    if (long(row.size()) != cols) {
      *error = "clipboard line " + std::to_string(line_no) + " has " + std::to_string(row.size()) + " numbers, the matrix has " +
               std::to_string(cols) + " columns";
      return false;
    }
    rows->push_back(std::move(row));
  }
  if (rows->empty()) {
    *error = "the clipboard holds no rows of numbers";
    return false;
  }
  return true;
}

std::string matrix_to_csv(const MatRM& m) {
  std::string out;
  char buf[32];
  for (long i = 0; i < m.rows(); ++i) {
    for (long j = 0; j < m.cols(); ++j) {
      std::snprintf(buf, sizeof buf, "%.9g", double(m(i, j)));
      out += (j ? "," : "") + std::string(buf);
    }
    out += "\n";
  }
  return out;
}

bool edit_matrix(const char* id, MatRM& m, const std::vector<std::string>* row_labels, AppState& s, float height) {
  bool changed = false;
  ImGui::PushID(id);
  if (ImGui::SmallButton("Copy CSV")) {
    ImGui::SetClipboardText(matrix_to_csv(m).c_str());
    set_status(s, std::string("copied ") + id + " as CSV (" + std::to_string(m.rows()) + " x " + std::to_string(m.cols()) + ")");
  }
  ImGui::SameLine();
  const int first = std::max(0, s.view.selected_row);
  if (ImGui::SmallButton("Paste rows")) {
    std::vector<std::vector<float>> rows;
    std::string error;
    const char* clip = ImGui::GetClipboardText();
    if (!parse_rows(clip ? clip : "", m.cols(), &rows, &error)) {
      set_status(s, error, true);
    } else if (first + long(rows.size()) > m.rows()) {
      set_status(s, "pasting " + std::to_string(rows.size()) + " rows at row " + std::to_string(first) + " would run past the last row (" +
                        std::to_string(m.rows() - 1) + ")", true);
    } else {
      begin_edit(s);
      for (size_t r = 0; r < rows.size(); ++r)
        for (long c = 0; c < m.cols(); ++c) m(first + long(r), c) = rows[r][size_t(c)];
      mark_edited(s);
      changed = true;
      set_status(s, "pasted " + std::to_string(rows.size()) + " rows at row " + std::to_string(first));
    }
  }
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Rows of numbers separated by commas, tabs or spaces; pasted from the selected row (or row 0) down.");

  // ImGui tables hold at most 64 columns: wide matrices are shown 32 columns at a time.
  constexpr int kMaxShown = 32;
  int first_col = 0;
  if (m.cols() > kMaxShown) {
    ImGuiStorage* st = ImGui::GetStateStorage();
    const ImGuiID key = ImGui::GetID("first_col");
    first_col = std::clamp(st->GetInt(key, 0), 0, int(m.cols()) - kMaxShown);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(160.f);
    ImGui::SliderInt("first column", &first_col, 0, int(m.cols()) - kMaxShown);
    st->SetInt(key, first_col);
  }
  const int cols = std::min(int(m.cols()), kMaxShown);
  const float cell_w = 58.f;
  const ImGuiTableFlags flags = ImGuiTableFlags_ScrollX | ImGuiTableFlags_ScrollY | ImGuiTableFlags_BordersInnerV |
                                ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit;
  if (cols > 0 && ImGui::BeginTable("grid", cols + 1, flags, ImVec2(0, height))) {
    ImGui::TableSetupScrollFreeze(1, 1);
    ImGui::TableSetupColumn("", ImGuiTableColumnFlags_WidthFixed, 70.f);
    for (int c = 0; c < cols; ++c)
      ImGui::TableSetupColumn(std::to_string(first_col + c).c_str(), ImGuiTableColumnFlags_WidthFixed, cell_w);
    ImGui::TableHeadersRow();
    ImGuiListClipper clipper;
    clipper.Begin(int(m.rows()));
    while (clipper.Step()) {
      for (int r = clipper.DisplayStart; r < clipper.DisplayEnd; ++r) {
        ImGui::TableNextRow();
        ImGui::TableSetColumnIndex(0);
        const std::string label = row_labels && r < int(row_labels->size()) ? (*row_labels)[r] : std::to_string(r);
        if (r == s.view.selected_row)
          ImGui::TextColored(ImVec4(1.f, 0.85f, 0.3f, 1.f), "%s", label.c_str());
        else
          ImGui::TextUnformatted(label.c_str());
        for (int k = 0; k < cols; ++k) {
          const int c = first_col + k;
          ImGui::TableSetColumnIndex(k + 1);
          ImGui::PushID(r * int(m.cols()) + c);
          ImGui::SetNextItemWidth(-1);
          float v = m(r, c);
          const bool ch = ImGui::DragFloat("##v", &v, 0.01f, 0.f, 0.f, "%.3f");
          if (ImGui::IsItemActivated()) begin_edit(s);
          if (ch) {
            if (std::isfinite(v)) {
              m(r, c) = v;
              mark_edited(s);
              changed = true;
            } else {
              set_status(s, std::string(id) + "[" + std::to_string(r) + "][" + std::to_string(c) + "]: not a finite number; kept " +
                                std::to_string(m(r, c)), true);
            }
          }
          ImGui::PopID();
        }
      }
    }
    ImGui::EndTable();
  }
  ImGui::PopID();
  return changed;
}

}  // namespace attn::gui
