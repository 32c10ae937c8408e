// The Model tab's "Head view" (BertViz-style lines for one layer, heads toggled by colour) and
// "Summaries" (a sortable table of every head's summaries; a row click selects the head).
#include <imgui.h>

#include <algorithm>
#include <numeric>

#include "app/gui/panels/model_panels.h"
#include "app/gui/test_hooks.h"
#include "app/gui/widgets/head_view.h"

namespace attn::gui {

namespace {
std::vector<bool> g_enabled;  // head view: heads shown (per head index; survives layer changes)
}  // namespace

void draw_model_head_view(AppState& s, GuiContext& ctx, ModelRuntime& rt) {
  (void)ctx;
  if (!rt.ins) {
    ImGui::TextDisabled("type a sentence on the left");
    return;
  }
  const Inspection& in = *rt.ins;
  int l = std::clamp(s.model.layer, 0, in.L - 1);
  ImGui::SetNextItemWidth(120.f);
  if (ImGui::SliderInt("layer", &l, 0, in.L - 1)) {
    s.model.layer = l;
    touch(s);
  }
  hook_item("model_hv_layer");
  tip("The layer whose heads are drawn");
  if (int(g_enabled.size()) != in.H) g_enabled.assign(size_t(in.H), true);
  ImGui::SameLine();
  ImGui::TextUnformatted("heads:");
  for (int h = 0; h < in.H; ++h) {
    ImGui::SameLine();
    ImGui::PushID(h);
    const bool on = g_enabled[size_t(h)];
    ImGui::PushStyleColor(ImGuiCol_Button, on ? head_color(h, 0.9f) : IM_COL32(60, 60, 60, 255));
    ImGui::PushStyleColor(ImGuiCol_ButtonHovered, head_color(h, 1.f));
    ImGui::PushStyleColor(ImGuiCol_Text, on ? IM_COL32(10, 10, 10, 255) : IM_COL32(170, 170, 170, 255));
    if (ImGui::SmallButton(std::to_string(h).c_str())) g_enabled[size_t(h)] = !on;
    ImGui::PopStyleColor(3);
    hook_item("model_hv_head_" + std::to_string(h));
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("head %d: click to %s; double-click: only this head", h, on ? "hide" : "show");
    if (ImGui::IsItemHovered() && ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left))
      for (int k = 0; k < in.H; ++k) g_enabled[size_t(k)] = k == h;
    ImGui::PopID();
  }
  ImGui::SameLine();
  if (ImGui::SmallButton("all")) g_enabled.assign(size_t(in.H), true);
  tip("Show every head");
  ImGui::SameLine();
  ImGui::TextDisabled("| hover a token to keep only its lines");
  HeadViewSpec spec;
  spec.tokens = &rt.labels();
  for (int h = 0; h < in.H; ++h) spec.heads.push_back(rt.head_map("model-weights", l, h, s.model.drop_first));
  spec.enabled = g_enabled;
  ImGui::BeginChild("head_view_scroll", ImVec2(0, 0), false);
  const HeadViewEvents ev = draw_head_view("model_head_view", spec, ImGui::GetContentRegionAvail());
  ImGui::EndChild();
  if (ev.hovered_query >= 0 || ev.hovered_key >= 0) {
    const int t = ev.hovered_query >= 0 ? ev.hovered_query : ev.hovered_key;
    ImGui::BeginTooltip();
    ImGui::Text("'%s' (token %d): %s", rt.labels()[size_t(t)].c_str(), t,
                ev.hovered_query >= 0 ? "what it attends to" : "who attends to it");
    for (int h = 0; h < in.H; ++h) {
      if (!g_enabled[size_t(h)] || !spec.heads[size_t(h)]) continue;
      const MatRM& A = *spec.heads[size_t(h)];
      // The strongest link of this head for the hovered token.
      int best = 0;
      float bv = -1.f;
      for (int k = 0; k < in.T; ++k) {
        const float v = ev.hovered_query >= 0 ? A(t, k) : A(k, t);
        if (v > bv) {
          bv = v;
          best = k;
        }
      }
      ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(head_color(h)), "H%d: strongest %s '%s' (%.2f)", h,
                         ev.hovered_query >= 0 ? "to" : "from", rt.labels()[size_t(best)].c_str(), bv);
    }
    ImGui::EndTooltip();
  }
}

void draw_model_summaries(AppState& s, GuiContext& ctx, ModelRuntime& rt) {
  (void)ctx;
  if (!rt.ins) {
    ImGui::TextDisabled("type a sentence on the left");
    return;
  }
  const Inspection& in = *rt.ins;
  ImGui::TextDisabled("Click a column header to sort, a row to select the head (Heads tab). 'similarity' = the position in "
                      "the order by Jensen-Shannon distance between the heads' maps.");
  const auto& fields = summary_fields();
  const int ncols = 3 + int(fields.size());
  const ImGuiTableFlags flags = ImGuiTableFlags_Sortable | ImGuiTableFlags_RowBg | ImGuiTableFlags_Borders |
                                ImGuiTableFlags_ScrollY | ImGuiTableFlags_Resizable | ImGuiTableFlags_SizingStretchProp;
  if (!ImGui::BeginTable("model_summaries", ncols, flags)) return;
  ImGui::TableSetupScrollFreeze(0, 1);
  ImGui::TableSetupColumn("layer", ImGuiTableColumnFlags_DefaultSort);
  ImGui::TableSetupColumn("head");
  ImGui::TableSetupColumn("similarity");
  for (const SummaryField& f : fields) ImGui::TableSetupColumn(f.label);
  // Header with tooltips.
  ImGui::TableNextRow(ImGuiTableRowFlags_Headers);
  for (int c = 0; c < ncols; ++c) {
    ImGui::TableSetColumnIndex(c);
    ImGui::TableHeader(ImGui::TableGetColumnName(c));
    hook_item("model_summary_header_" + std::to_string(c));
    if (c >= 3 && ImGui::IsItemHovered()) ImGui::SetTooltip("%s", fields[size_t(c - 3)].tooltip);
    if (c == 2 && ImGui::IsItemHovered())
      ImGui::SetTooltip("Position in the similarity order: neighbours have similar maps (JS distance)");
  }
  // Rows: flat head indices, sorted by the table's sort spec.
  std::vector<int> rank(size_t(in.L * in.H), 0);
  for (size_t k = 0; k < in.head_order.size() && k < rank.size(); ++k) rank[size_t(in.head_order[k])] = int(k);
  auto value = [&](int flat, int col) -> double {
    const int l = flat / in.H, h = flat % in.H;
    if (col == 0) return l;
    if (col == 1) return h;
    if (col == 2) return rank[size_t(flat)];
    return in.summaries[size_t(l)][size_t(h)].*(fields[size_t(col - 3)].member);
  };
  std::vector<int> rows(size_t(in.L * in.H));
  std::iota(rows.begin(), rows.end(), 0);
  if (ImGuiTableSortSpecs* ss = ImGui::TableGetSortSpecs()) {
    if (ss->SpecsCount > 0) {
      const int col = ss->Specs[0].ColumnIndex;
      const bool asc = ss->Specs[0].SortDirection == ImGuiSortDirection_Ascending;
      std::stable_sort(rows.begin(), rows.end(), [&](int a, int b) {
        const double va = value(a, col), vb = value(b, col);
        return asc ? va < vb : va > vb;
      });
    }
  }
  ImGuiListClipper clipper;
  clipper.Begin(int(rows.size()));
  while (clipper.Step()) {
    for (int r = clipper.DisplayStart; r < clipper.DisplayEnd; ++r) {
      const int flat = rows[size_t(r)], l = flat / in.H, h = flat % in.H;
      ImGui::TableNextRow();
      ImGui::TableSetColumnIndex(0);
      const bool sel = l == s.model.layer && h == s.model.head;
      char buf[16];
      std::snprintf(buf, sizeof buf, "%d##r%d", l, flat);
      if (ImGui::Selectable(buf, sel, ImGuiSelectableFlags_SpanAllColumns)) {
        s.model.layer = l;
        s.model.head = h;
        s.model.big = "head";
        touch(s);
      }
      hook_item("model_summary_row_" + std::to_string(r));
      ImGui::TableSetColumnIndex(1);
      ImGui::Text("%d", h);
      ImGui::TableSetColumnIndex(2);
      ImGui::Text("%d", rank[size_t(flat)]);
      for (size_t f = 0; f < fields.size(); ++f) {
        ImGui::TableSetColumnIndex(int(3 + f));
        ImGui::Text("%.4f", value(flat, int(3 + f)));
      }
    }
  }
  ImGui::EndTable();
}

}  // namespace attn::gui
