// Export from the GUI: a popup with the file name (a sensible default in the working folder),
// the format (from the extension), the scale and options; the file is made by the shared
// exporter (engine/figure/export_view.h), so it equals `attnscope export` of the same view.
#include <imgui.h>
#include <imgui_stdlib.h>

#include <filesystem>

#include "app/gui/panels/panels.h"
#include "app/gui/test_hooks.h"
#include "engine/core/error.h"
#include "engine/figure/attention_views.h"
#include "engine/figure/export_view.h"

namespace attn::gui {

namespace {

struct ExportDialog {
  std::string path;
  bool all_heads = false, annotate = false, transparent = false;
  float cell_px = 32.f, dpi = 150.f;
  std::string last_view;
};
ExportDialog g_dialog;

// The GUI's colour settings as an export request for a view.
RangeRequest range_request(const AppState& s, const std::string& view) {
  RangeRequest req;
  const bool weights = view == "weights";
  const RangeSettings& r = weights ? s.view.weights_range
                           : view.rfind("grad", 0) == 0 ? s.view.grad_range
                                                        : s.view.scores_range;
  if (r.mode == RangeSettings::Mode::Fixed) {
    req.vmin = r.vmin;
    req.vmax = r.vmax;
  } else if (r.mode == RangeSettings::Mode::Percentile) {
    req.clip_percentile = std::clamp(double(r.percentile), 50.001, 100.0);
  }
  req.log = weights && r.log_scale;
  try {
    req.cmap = colormap_from_name(weights ? s.view.colormap : s.view.diverging).id;
  } catch (const InputError&) {
  }
  return req;
}

// False for a view of the whole layer (output-all, z, grad-wo): no head in its name or choice.
bool per_head_view(const std::string& view) {
  try {
    return view_info(view).per_head;
  } catch (const InputError&) {
    return true;
  }
}

}  // namespace

void export_button(GuiContext& ctx, const char* view, int head) {
  ImGui::PushID(view);
  if (ImGui::SmallButton("Save...")) {
    ctx.open_export = true;
    ctx.export_view = view;
    ctx.export_head = head;
    ctx.export_data.reset();
  }
  hook_item(std::string("export_") + view);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Save this map as PNG, SVG, PDF or its numbers as CSV, JSON, NPY");
  ImGui::PopID();
}

void export_map_button(GuiContext& ctx, const std::string& name, const std::string& title, const HeatmapSpec& spec,
                       const char* row_axis, const char* col_axis) {
  ImGui::PushID(name.c_str());
  if (ImGui::SmallButton("Save...") && spec.values) {
    auto d = std::make_shared<ViewData>();
    d->view = name;
    d->values = *spec.values;
    if (spec.mask && spec.mask->rows() == d->values.rows() && spec.mask->cols() == d->values.cols()) d->mask = *spec.mask;
    auto labels = [](const std::vector<std::string>* given, long n) {
      if (given && long(given->size()) == n) return *given;
      std::vector<std::string> out;
      for (long i = 0; i < n; ++i) out.push_back(std::to_string(i));
      return out;
    };
    d->row_labels = labels(spec.row_labels, d->values.rows());
    d->col_labels = labels(spec.col_labels, d->values.cols());
    d->row_axis = row_axis;
    d->col_axis = col_axis;
    d->range = spec.diverging ? RangeKind::Signed : RangeKind::Sequential;
    d->per_head = false;
    const HeatmapWidget& w = ctx.heatmap(name);  // the range the map shows (resolved when drawn)
    RangeRequest r;
    r.vmin = w.vmin;
    r.vmax = w.vmax;
    r.log = spec.range.log_scale && !spec.diverging;
    if (spec.cmap) r.cmap = spec.cmap->id;
    ctx.export_data = std::move(d);
    ctx.export_title = title;
    ctx.export_range = r;
    ctx.export_view = name;
    ctx.export_head = 0;
    ctx.open_export = true;
  }
  hook_item("export_" + name);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Save this map as PNG, SVG, PDF or its numbers as CSV, JSON, NPY");
  ImGui::PopID();
}

void draw_export_popup(AppState& s, GuiContext& ctx) {
  if (ctx.open_export) {
    ImGui::OpenPopup("Export view");
    ctx.open_export = false;
    if (g_dialog.path.empty() || g_dialog.last_view != ctx.export_view) {
      std::string ext = ".png";
      const size_t dot = g_dialog.path.rfind('.');
      if (dot != std::string::npos) ext = g_dialog.path.substr(dot);
      g_dialog.path = ctx.export_view + (!ctx.export_data && per_head_view(ctx.export_view) ? "_H" + std::to_string(ctx.export_head) : "") + ext;
      g_dialog.last_view = ctx.export_view;
    }
  }
  if (!ImGui::BeginPopupModal("Export view", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) return;
  const std::shared_ptr<const ViewData> data = ctx.export_data;  // a map of the GUI's own, or null
  const bool per_head = !data && per_head_view(ctx.export_view);
  if (data)
    ImGui::Text("Map: %s", ctx.export_title.c_str());
  else if (per_head)
    ImGui::Text("View: %s, head %d", ctx.export_view.c_str(), ctx.export_head);
  else
    ImGui::Text("View: %s (the whole layer)", ctx.export_view.c_str());
  ImGui::TextUnformatted("File (format from the extension: .png .svg .pdf .csv .json .npy):");
  ImGui::SetNextItemWidth(420.f);
  if (ImGui::IsWindowAppearing()) ImGui::SetKeyboardFocusHere();
  const bool enter = ImGui::InputText("##export_path", &g_dialog.path, ImGuiInputTextFlags_EnterReturnsTrue);
  hook_item("export_path");
  for (const char* ext : {".png", ".svg", ".pdf", ".csv", ".json", ".npy"}) {
    ImGui::SameLine();
    if (ImGui::SmallButton(ext)) {
      const size_t dot = g_dialog.path.rfind('.');
      g_dialog.path = (dot == std::string::npos ? g_dialog.path : g_dialog.path.substr(0, dot)) + ext;
    }
  }
  if (per_head) {
    ImGui::Checkbox("all heads (a grid figure)", &g_dialog.all_heads);
    ImGui::SameLine();
  }
  ImGui::Checkbox("numbers in cells", &g_dialog.annotate);
  ImGui::SameLine();
  ImGui::Checkbox("transparent", &g_dialog.transparent);
  ImGui::SetNextItemWidth(160.f);
  ImGui::SliderFloat("pixels per cell", &g_dialog.cell_px, 4.f, 96.f, "%.0f");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(120.f);
  ImGui::SliderFloat("DPI", &g_dialog.dpi, 72.f, 600.f, "%.0f");
  const bool save = ImGui::Button("Save") || enter;
  hook_item("export_save");
  if (save) {
    try {
      ExportRequest req;
      req.style.cell_px = g_dialog.cell_px;
      req.style.dpi = g_dialog.dpi;
      req.style.annotate = g_dialog.annotate;
      req.style.transparent = g_dialog.transparent;
      req.source = s.workspace_path.empty() ? "attnscope GUI" : s.workspace_path;
      std::vector<ExportFile> files;
      if (data) {  // a map of the GUI's own: its numbers, title and the colours it shows
        req.view = data->view;
        req.range = ctx.export_range;
        req.title = ctx.export_title;
        files = {{g_dialog.path, export_bytes({*data}, req, export_format_from_path(g_dialog.path))}};
      } else {
        if (s.result_version != s.edit_version || s.result.heads.empty())
          throw InputError("export", "the current case has not been computed: " + s.compute_error);
        req.view = ctx.export_view;
        req.head = ctx.export_head;
        req.all_heads = per_head && g_dialog.all_heads;
        req.range = range_request(s, ctx.export_view);
        files = plan_export(s.cs, s.result, req, g_dialog.path, std::nullopt);
      }
      write_export(files);
      const std::string where = std::filesystem::absolute(files.front().path).string();
      set_status(s, files.size() == 1 ? "saved " + where : "saved " + std::to_string(files.size()) + " files in " + where);
      ImGui::CloseCurrentPopup();
    } catch (const std::exception& e) {
      set_status(s, e.what(), true);  // the popup stays open with the path, for a retry
    }
  }
  ImGui::SameLine();
  if (ImGui::Button("Copy as CSV")) {
    try {
      ExportRequest req;
      std::vector<ViewData> views;
      if (data) {
        req.view = data->view;
        views = {*data};
      } else {
        req.view = ctx.export_view;
        req.head = ctx.export_head;
        views = views_for_request(s.cs, s.result, req);
      }
      const std::string csv = export_bytes(views, req, ExportFormat::CSV);
      ImGui::SetClipboardText(csv.c_str());
      set_status(s, "copied " + (data ? ctx.export_title : ctx.export_view + " of head " + std::to_string(ctx.export_head)) +
                        " as CSV");
      ImGui::CloseCurrentPopup();
    } catch (const std::exception& e) {
      set_status(s, e.what(), true);
    }
  }
  ImGui::SameLine();
  if (ImGui::Button("Cancel") || ImGui::IsKeyPressed(256 /* GLFW_KEY_ESCAPE */)) ImGui::CloseCurrentPopup();
  if (s.status.is_error && !s.status.message.empty()) ImGui::TextColored(ImVec4(1.f, 0.45f, 0.4f, 1.f), "%s", s.status.message.c_str());
  ImGui::EndPopup();
}

}  // namespace attn::gui
