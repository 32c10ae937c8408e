// Export of attention views to files: figures (PNG, SVG, PDF) and raw data (CSV, JSON, .npy).
// `attnscope export` and the GUI's export buttons share this: view data -> FigureSpec (one
// heatmap, or a grid of all heads) -> render_figure, or -> a data writer. Files are built in
// memory first and then written atomically, so nothing is ever half-written.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "engine/figure/attention_views.h"
#include "engine/figure/figure.h"

namespace attn {

enum class ExportFormat { PNG, SVG, PDF, CSV, JSON, NPY };

const char* export_format_name(ExportFormat f);  // "png", ...
// From a name ("png") or a path's extension ("out/f.PNG"). InputError(field, ...) listing the
// formats when unknown.
ExportFormat export_format_from_name(const std::string& name, const std::string& field = "format");
ExportFormat export_format_from_path(const std::string& path);
bool is_figure_format(ExportFormat f);

struct ExportRequest {
  std::string view = "weights";
  int layer = 0;
  int head = 0;
  bool all_heads = false;         // a grid figure (or an (H, rows, cols) .npy, a JSON list)
  RangeRequest range;             // colormap, vmin/vmax, percentile clipping, log
  bool per_panel_scale = false;   // grid: each head its own range and colour bar
  FigureStyle style;
  std::optional<std::string> title;  // default "L0 H3 · weights" ("L0 · weights" for a grid)
  std::string source;                // recorded in the file (PNG tEXt, PDF subject), e.g. the input path
};

// The figure of a request (one head, or all heads as a grid with panels "H0", "H1", ...).
FigureSpec figure_for_views(const std::vector<ViewData>& views, const ExportRequest& req);

// The bytes of one file in the given format: one view, or all of them (all_heads).
std::string export_bytes(const std::vector<ViewData>& views, const ExportRequest& req, ExportFormat format);

// The views a request selects from a result (one head or every head).
std::vector<ViewData> views_for_request(const AttentionCase& c, const AttentionResult& r, const ExportRequest& req);

struct ExportFile {
  std::string path, bytes;
  bool create_folder = false;  // the path's folder was named with a trailing '/' and is missing
};

// Plans the files for `out`: a file path (format from `format` or the extension), "-" (stdout;
// needs `format`), or a folder (an existing folder, or a path ending in '/'): one file per head
// named L<layer>_H<head>_<view>.<ext> (format from `format`, default png).
std::vector<ExportFile> plan_export(const AttentionCase& c, const AttentionResult& r, const ExportRequest& req,
                                    const std::string& out, const std::optional<ExportFormat>& format);

// Writes planned files atomically (creates a folder named with a trailing '/' if missing).
void write_export(const std::vector<ExportFile>& files);

}  // namespace attn
