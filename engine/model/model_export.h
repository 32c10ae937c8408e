// Export of a model inspection through the shared exporter (engine/figure/export_view.h): one
// head, one layer's heads as a grid (all_heads), or the whole layers x heads grid (all_layers,
// panels "L0 H0" ..., H per row) as PNG/SVG/PDF; the matrices as CSV (one), JSON or .npy
// ((T, T), (H, T, T) or (L, H, T, T)); or a folder with one file per head. `attnscope export
// --model` and the GUI's model-view export both use this.
// Legend: L layers, H heads, T tokens.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "engine/figure/export_view.h"
#include "engine/model/model_session.h"

namespace attn {

struct ModelExportRequest {
  ExportRequest base;       // view (a model view name), layer, head, all_heads, range, style, title
  bool all_layers = false;  // every layer's heads: an L x H grid
};

// The views a request selects, layer-major (InputError for a bad view, layer or head, or a grid
// of an aggregate view, which has no heads).
std::vector<ViewData> model_views_for_request(const Inspection& in, const ModelExportRequest& req);

// The figure of a request: figure_for_views plus, for all_layers, an L x H grid with panels
// "L0 H0" ...; default title "L1 H3 · model-weights" (gradient views add the target); PNG text
// chunks Text (the sentence) and Target.
FigureSpec model_figure(const Inspection& in, const ModelExportRequest& req);

// The bytes of one file: a figure, or the data of every selected view.
std::string model_export_bytes(const Inspection& in, const ModelExportRequest& req, ExportFormat format);

// Files for `out` (as plan_export: a file, "-" with a format, or a folder for one file per view
// named L<l>_H<h>_<view>.<ext>, or <view>.<ext> / L<l>_<view>.<ext> for aggregates).
std::vector<ExportFile> plan_model_export(const Inspection& in, const ModelExportRequest& req, const std::string& out,
                                          const std::optional<ExportFormat>& format);

}  // namespace attn
