// The Model tab's export popup: the big view, the selected layer (all heads), the whole grid
// (all layers x heads) as PNG / SVG / PDF, or all matrices as JSON / NPY, made by
// plan_model_export (engine/model/model_export.h), the function `attnscope export --model`
// uses, so the GUI's file equals the CLI's file of the same view.
#include <imgui.h>
#include <imgui_stdlib.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "app/gui/panels/model_panels.h"
#include "app/gui/test_hooks.h"
#include "engine/core/error.h"
#include "engine/figure/export_view.h"
#include "engine/model/model_export.h"

namespace attn::gui {

namespace {

enum Scope { kBig = 0, kLayer = 1, kGrid = 2, kAll = 3 };
const char* kScopeNames[] = {"the big view", "the selected layer (all heads)", "the whole grid (layers x heads)",
                             "all matrices of the grid's map (JSON / NPY)"};

struct ModelExportDialog {
  bool open_request = false;
  int scope = kBig;
  std::string path;
  int last_scope = -1;
  float cell_px = 24.f, dpi = 150.f;
  bool annotate = false;
  std::string error;
};
ModelExportDialog g_dlg;

std::string default_name(const AppState& s, const ModelRuntime& rt, int scope) {
  const std::string model = rt.bundle ? rt.bundle->name : "model";
  const std::string l = "L" + std::to_string(s.model.layer), h = "H" + std::to_string(s.model.head);
  const std::string view = s.model.big == "head" ? s.model.map : s.model.big;
  switch (scope) {
    case kBig: return model + "_" + (s.model.big == "head" ? l + h : s.model.big == "rollout" || s.model.big == "grad-rollout" ? "" : l) +
                      "_" + view + ".png";
    case kLayer: return model + "_" + l + "_" + s.model.map + ".png";
    case kGrid: return model + "_grid_" + s.model.map + ".png";
    default: return model + "_all_" + s.model.map + ".json";
  }
}

// One exporter view, with what the GUI shows (first token dropped) when that differs.
ViewData view_for(const AppState& s, ModelRuntime& rt, const std::string& view, int l, int h) {
  ViewData v = model_view_data(*rt.ins, view, l, h);
  if (s.model.drop_first) {
    if (view == "model-weights") {
      if (const MatRM* m = rt.head_map(view, l, h, true)) v.values = *m;
      v.view += "-drop-first";
    } else if (model_view_is_aggregate(view)) {
      ModelViewState ms = s.model;
      ms.big = view;
      ms.layer = l;
      std::string why;
      if (const MatRM* m = rt.big_map(ms, &why)) v.values = *m;
      v.view += "-drop-first";
    }
  }
  return v;
}

std::vector<ExportFile> plan(const AppState& s, ModelRuntime& rt, const std::string& path) {
  require(rt.ins != nullptr, "export", "nothing computed yet: type a sentence first");
  const Inspection& in = *rt.ins;
  const ExportFormat fmt = export_format_from_path(path);
  const int l = std::clamp(s.model.layer, 0, in.L - 1), h = std::clamp(s.model.head, 0, in.H - 1);
  ModelExportRequest mr;
  ExportRequest& req = mr.base;
  req.style.cell_px = g_dlg.cell_px;
  req.style.dpi = g_dlg.dpi;
  req.style.annotate = g_dlg.annotate;
  req.source = "attnscope GUI: model " + in.model_name;
  req.view = g_dlg.scope == kBig && s.model.big != "head" ? s.model.big : s.model.map;
  req.layer = l;
  req.head = h;
  req.all_heads = g_dlg.scope != kBig;
  mr.all_layers = g_dlg.scope == kGrid || g_dlg.scope == kAll;
  const bool dropped = s.model.drop_first && (req.view == "model-weights" || model_view_is_aggregate(req.view));
  // What the GUI shows is what `attnscope export --model` makes (the same function)...
  if (!dropped) return plan_model_export(in, mr, path, fmt);
  // ...except with the first token dropped (a display option the CLI does not have): the same
  // views with the shown values, through the same exporter.
  std::vector<ViewData> views;
  if (g_dlg.scope == kBig) {
    views.push_back(view_for(s, rt, req.view, l, h));
    req.all_heads = false;
    return {{path, export_bytes(views, req, fmt), false}};
  }
  const int l0 = g_dlg.scope == kLayer ? l : 0, l1 = g_dlg.scope == kLayer ? l + 1 : in.L;
  for (int ll = l0; ll < l1; ++ll)
    for (int hh = 0; hh < in.H; ++hh) views.push_back(view_for(s, rt, req.view, ll, hh));
  if (g_dlg.scope == kLayer || !is_figure_format(fmt)) return {{path, export_bytes(views, req, fmt), false}};
  FigureSpec spec = figure_for_views(views, req);
  for (size_t k = 0; k < views.size(); ++k) spec.panels[k].title = head_name(views[k].layer, views[k].head);
  spec.grid_cols = in.H;
  spec.title = in.model_name + " \u00b7 " + views[0].view + " \u00b7 all layers";
  const ImageFormat f = fmt == ExportFormat::PNG ? ImageFormat::PNG : fmt == ExportFormat::SVG ? ImageFormat::SVG : ImageFormat::PDF;
  return {{path, render_figure(spec, f), false}};
}

}  // namespace

void open_model_export() { g_dlg.open_request = true; }

void draw_model_export_popup(AppState& s, GuiContext& ctx, ModelRuntime& rt) {
  (void)ctx;
  if (g_dlg.open_request) {
    g_dlg.open_request = false;
    ImGui::OpenPopup("Export model view");
    g_dlg.path = default_name(s, rt, g_dlg.scope);
    g_dlg.last_scope = g_dlg.scope;
    g_dlg.error.clear();
  }
  if (!ImGui::BeginPopupModal("Export model view", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) return;
  for (int k = 0; k < 4; ++k) {
    if (ImGui::RadioButton(kScopeNames[k], g_dlg.scope == k)) g_dlg.scope = k;
    hook_item("model_export_scope_" + std::to_string(k));
  }
  if (g_dlg.scope != g_dlg.last_scope) {
    g_dlg.path = default_name(s, rt, g_dlg.scope);
    g_dlg.last_scope = g_dlg.scope;
  }
  ImGui::TextUnformatted("File (format from the extension: .png .svg .pdf .csv .json .npy):");
  ImGui::SetNextItemWidth(460.f);
  if (ImGui::IsWindowAppearing()) ImGui::SetKeyboardFocusHere();
  const bool enter = ImGui::InputText("##model_export_path", &g_dlg.path, ImGuiInputTextFlags_EnterReturnsTrue);
  hook_item("model_export_path");
  for (const char* ext : {".png", ".svg", ".pdf", ".csv", ".json", ".npy"}) {
    ImGui::SameLine();
    if (ImGui::SmallButton(ext)) {
      const size_t dot = g_dlg.path.rfind('.');
      g_dlg.path = (dot == std::string::npos ? g_dlg.path : g_dlg.path.substr(0, dot)) + ext;
    }
  }
  ImGui::SetNextItemWidth(160.f);
  ImGui::SliderFloat("pixels per cell", &g_dlg.cell_px, 4.f, 96.f, "%.0f");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(120.f);
  ImGui::SliderFloat("DPI", &g_dlg.dpi, 72.f, 600.f, "%.0f");
  ImGui::SameLine();
  ImGui::Checkbox("numbers in cells", &g_dlg.annotate);
  const bool save = ImGui::Button("Save") || enter;
  hook_item("model_export_save");
  if (save) {
    try {
      const auto files = plan(s, rt, g_dlg.path);
      write_export(files);
      set_status(s, "saved " + std::filesystem::absolute(files.front().path).string());
      ImGui::CloseCurrentPopup();
    } catch (const std::exception& e) {
      g_dlg.error = e.what();  // the popup stays open with the path, for a retry
    }
  }
  ImGui::SameLine();
  if (ImGui::Button("Cancel") || ImGui::IsKeyPressed(256 /* GLFW_KEY_ESCAPE */)) ImGui::CloseCurrentPopup();
  if (!g_dlg.error.empty()) error_text(g_dlg.error);
  ImGui::EndPopup();
}

}  // namespace attn::gui
