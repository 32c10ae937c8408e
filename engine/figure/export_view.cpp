#include "engine/figure/export_view.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "engine/core/error.h"
#include "engine/io/atomic_file.h"
#include "engine/io/matrix_writers.h"

namespace attn {

namespace {

struct FormatName {
  ExportFormat f;
  const char* name;
};
const FormatName kFormats[] = {{ExportFormat::PNG, "png"}, {ExportFormat::SVG, "svg"}, {ExportFormat::PDF, "pdf"},
                               {ExportFormat::CSV, "csv"}, {ExportFormat::JSON, "json"}, {ExportFormat::NPY, "npy"}};

std::string lower(std::string s) {
  for (char& ch : s) ch = char(std::tolower((unsigned char)ch));
  return s;
}

std::string layer_head(int layer, int head) { return "L" + std::to_string(layer) + " H" + std::to_string(head); }

}  // namespace

const char* export_format_name(ExportFormat f) {
  for (const FormatName& n : kFormats)
    if (n.f == f) return n.name;
  return "?";
}

bool is_figure_format(ExportFormat f) {
  return f == ExportFormat::PNG || f == ExportFormat::SVG || f == ExportFormat::PDF;
}

ExportFormat export_format_from_name(const std::string& name, const std::string& field) {
  const std::string n = lower(name);
  for (const FormatName& f : kFormats)
    if (n == f.name) return f.f;
  throw InputError(field, "unknown format '" + name + "'; use png, svg, pdf, csv, json or npy");
}

ExportFormat export_format_from_path(const std::string& path) {
  const std::string base = std::filesystem::path(path).filename().string();
  const size_t dot = base.find_last_of('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == base.size())
    throw InputError("out", "'" + path +
                                "' has no file extension: the format comes from it (.png, .svg, .pdf, .csv, .json, "
                                ".npy), or give --format");
  const std::string ext = base.substr(dot + 1);
  for (const FormatName& f : kFormats)
    if (lower(ext) == f.name) return f.f;
  throw InputError("out", "unknown file extension '." + ext + "' in '" + path +
                              "'; use .png, .svg, .pdf, .csv, .json or .npy");
}

std::vector<ViewData> views_for_request(const AttentionCase& c, const AttentionResult& r, const ExportRequest& req) {
  require(req.layer == 0, "layer",
          "layer " + std::to_string(req.layer) +
              " does not exist: a case is one attention layer (layer 0); inputs with several layers (models) are "
              "not supported yet");
  std::vector<ViewData> views;
  if (req.all_heads) {
    const ViewInfo& info = view_info(req.view);  // an unknown view fails before anything else
    require(info.per_head, "all-heads",
            "view '" + req.view + "' is one matrix for the whole layer (no heads): drop --all-heads");
    for (int h = 0; h < int(r.heads.size()); ++h) views.push_back(extract_view(c, r, req.view, h));
  } else {
    views.push_back(extract_view(c, r, req.view, req.head));
  }
  for (ViewData& v : views) v.layer = req.layer;
  return views;
}

FigureSpec figure_for_views(const std::vector<ViewData>& views, const ExportRequest& req) {
  require(!views.empty(), "view", "nothing to export");
  const bool grid = views.size() > 1 || req.all_heads;
  const bool per_panel = grid && req.per_panel_scale;
  FigureSpec spec;
  spec.style = req.style;
  spec.row_axis = views[0].row_axis;
  spec.col_axis = views[0].col_axis;
  spec.shared_scale = !per_panel;
  std::vector<ScaleInput> all;
  for (const ViewData& v : views) all.push_back({&v.values, v.mask.size() ? &v.mask : nullptr});
  const ColorScale shared = resolve_scale(req.range, views[0].range, all);
  for (const ViewData& v : views) {
    HeatmapPanel p;
    p.values = v.values;
    p.mask = v.mask;
    p.row_labels = v.row_labels;
    p.col_labels = v.col_labels;
    p.title = grid ? "H" + std::to_string(v.head) : "";
    p.scale = per_panel ? resolve_scale(req.range, v.range, {{&v.values, v.mask.size() ? &v.mask : nullptr}}) : shared;
    spec.panels.push_back(std::move(p));
  }
  const ViewData& v0 = views[0];
  const std::string where =
      grid || !v0.per_head ? "L" + std::to_string(v0.layer) : layer_head(v0.layer, v0.head);
  spec.title = req.title ? *req.title : where + " \u00b7 " + v0.view;
  std::string heads = grid ? "heads=" + std::to_string(views.front().head) + "-" + std::to_string(views.back().head)
                           : v0.per_head ? "head=" + std::to_string(v0.head) : std::string("heads=all");
  std::string desc = "source=" + (req.source.empty() ? std::string("(memory)") : req.source) +
                     "; layer=" + std::to_string(v0.layer) + "; " + heads + "; view=" + v0.view + "; range=";
  if (per_panel) {
    desc += "per head";
    for (const HeatmapPanel& p : spec.panels) desc += " " + p.title + " " + p.scale.describe() + ";";
    desc.pop_back();
  } else {
    desc += shared.describe();
  }
  desc += std::string("; scale=") + (req.range.log ? "log10" : "linear");
  spec.text = {{"Title", spec.title.empty() ? where + " \u00b7 " + v0.view : spec.title},
               {"Description", desc},
               {"Software", "attnscope " ATTNSCOPE_VERSION}};
  if (!req.source.empty()) spec.text.push_back({"Source", req.source});
  return spec;
}

std::string export_bytes(const std::vector<ViewData>& views, const ExportRequest& req, ExportFormat format) {
  require(!views.empty(), "view", "nothing to export");
  if (is_figure_format(format)) {
    ImageFormat f = format == ExportFormat::PNG ? ImageFormat::PNG : format == ExportFormat::SVG ? ImageFormat::SVG
                                                                                                  : ImageFormat::PDF;
    return render_figure(figure_for_views(views, req), f);
  }
  const bool many = views.size() > 1 || req.all_heads;
  switch (format) {
    case ExportFormat::CSV:
      require(!many, "out",
              "--all-heads with .csv writes one file per head: give a folder as --out (e.g. out/), or use .npy or "
              ".json for one file");
      return matrix_to_csv(views[0].values);
    case ExportFormat::NPY: {
      if (!many) return matrix_to_npy(views[0].values);
      std::vector<MatRM> stack;
      for (const ViewData& v : views) stack.push_back(v.values);
      return matrices_to_npy(stack);
    }
    case ExportFormat::JSON: {
      const ViewData& v0 = views[0];
      json j;
      j["schema_version"] = 1;
      j["kind"] = "attention_view";
      j["view"] = v0.view;
      j["layer"] = v0.layer;
      j["row_axis"] = v0.row_axis;
      j["col_axis"] = v0.col_axis;
      j["rows"] = v0.row_labels;
      j["cols"] = v0.col_labels;
      if (!many) {
        j["head"] = v0.head;
        j["values"] = matrix_to_json_nan_null(v0.values);
      } else {
        j["heads"] = json::array();
        for (const ViewData& v : views) j["heads"].push_back({{"head", v.head}, {"values", matrix_to_json_nan_null(v.values)}});
      }
      return j.dump() + "\n";
    }
    default: break;
  }
  throw InputError("format", "unsupported format");
}

std::vector<ExportFile> plan_export(const AttentionCase& c, const AttentionResult& r, const ExportRequest& req,
                                    const std::string& out, const std::optional<ExportFormat>& format) {
  require(!out.empty(), "out", "the output path is empty");
  std::error_code ec;
  const bool folder = out != "-" && (out.back() == '/' || std::filesystem::is_directory(out, ec));
  std::vector<ExportFile> files;
  if (!folder) {
    require(out != "-" || format.has_value(), "format", "writing to stdout ('-') needs --format");
    const ExportFormat f = format ? *format : export_format_from_path(out);
    const std::vector<ViewData> views = views_for_request(c, r, req);
    files.push_back({out, export_bytes(views, req, f), false});
    return files;
  }
  const ExportFormat f = format.value_or(ExportFormat::PNG);
  if (std::filesystem::is_directory(out, ec))
    require(::access(out.c_str(), W_OK) == 0, "out", "cannot write into the folder '" + out + "': permission denied");
  const std::vector<ViewData> views = views_for_request(c, r, req);
  const bool create = !std::filesystem::is_directory(out, ec);
  std::string dir = out;
  if (dir.back() != '/') dir += '/';
  for (const ViewData& v : views) {
    ExportRequest one = req;
    one.all_heads = false;
    one.head = v.head;
    const std::string name = "L" + std::to_string(v.layer) + "_H" + std::to_string(v.head) + "_" + v.view + "." +
                             export_format_name(f);
    files.push_back({dir + name, export_bytes({v}, one, f), create});
  }
  return files;
}

void write_export(const std::vector<ExportFile>& files) {
  for (const ExportFile& f : files) {
    if (f.create_folder) {  // a folder the user named with a trailing '/' (one level only)
      const std::filesystem::path parent = std::filesystem::path(f.path).parent_path();
      std::error_code ec;
      if (!std::filesystem::is_directory(parent, ec)) {
        std::filesystem::create_directory(parent, ec);
        if (ec) throw InputError("out", "cannot create the folder '" + parent.string() + "': " + ec.message());
      }
    }
    write_file_atomic(f.path, f.bytes);
  }
}

}  // namespace attn
