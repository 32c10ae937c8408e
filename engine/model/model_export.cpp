// Legend: L layers, H heads, T tokens. What each file holds is in model_export.h.
#include "engine/model/model_export.h"

#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "engine/core/error.h"
#include "engine/io/matrix_writers.h"

namespace attn {

namespace {

// .npy 1.0 header for float32 C-order data of `shape`: magic, version, length, a dict padded with
// spaces to a multiple of 64 bytes, ending in '\n'.
std::string npy_header(const std::vector<long>& shape) {
  std::string s = "(";
  for (std::size_t k = 0; k < shape.size(); ++k) s += (k ? ", " : "") + std::to_string(shape[k]);
  if (shape.size() == 1) s += ",";
  s += ")";
  std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + s + ", }";
  const std::size_t total = (10 + dict.size() + 1 + 63) / 64 * 64;
  dict.append(total - 10 - dict.size() - 1, ' ');
  dict += '\n';
  std::string out = "\x93NUMPY";
  out += char(1);
  out += char(0);
  out += char(dict.size() & 0xff);
  out += char(dict.size() >> 8);
  return out + dict;
}

std::string npy_of(const std::vector<ViewData>& views, const std::vector<long>& shape) {
  std::string out = npy_header(shape);
  for (const ViewData& v : views) {
    const std::size_t at = out.size();
    out.resize(at + std::size_t(v.values.size()) * 4);
    std::memcpy(&out[at], v.values.data(), std::size_t(v.values.size()) * 4);  // little-endian float32 (x86, ARM)
  }
  return out;
}

std::string where_title(const Inspection& in, const ModelExportRequest& req);

std::string default_title(const Inspection& in, const ModelExportRequest& req) {
  std::string t = where_title(in, req);
  if (model_view_needs_gradients(req.base.view)) t += " \u00b7 target '" + in.target_text + "'";
  return t;
}

std::string where_title(const Inspection& in, const ModelExportRequest& req) {
  const std::string& v = req.base.view;
  if (req.all_layers) return in.model_name + " \u00b7 " + v;
  if (v == "rollout" || v == "grad-rollout") return v;
  if (v == "mean-heads" || v == "max-heads") return "L" + std::to_string(req.base.layer) + " \u00b7 " + v;
  if (req.base.all_heads) return "L" + std::to_string(req.base.layer) + " \u00b7 " + v;
  return "L" + std::to_string(req.base.layer) + " H" + std::to_string(req.base.head) + " \u00b7 " + v;
}

std::string file_name(const ViewData& v, bool aggregate, ExportFormat f) {
  std::string stem;
  if (!aggregate) stem = "L" + std::to_string(v.layer) + "_H" + std::to_string(v.head) + "_";
  else if (v.view == "mean-heads" || v.view == "max-heads") stem = "L" + std::to_string(v.layer) + "_";
  return stem + v.view + "." + export_format_name(f);
}

}  // namespace

std::vector<ViewData> model_views_for_request(const Inspection& in, const ModelExportRequest& req) {
  const ExportRequest& r = req.base;
  const bool aggregate = model_view_is_aggregate(r.view);  // an unknown view fails here
  if (aggregate)
    require(!r.all_heads && !req.all_layers, "view",
            "'" + r.view + "' is one map for the sentence (no heads): drop --all-heads / --all-layers");
  std::vector<ViewData> views;
  if (req.all_layers) {
    for (int l = 0; l < in.L; ++l)
      for (int h = 0; h < in.H; ++h) views.push_back(model_view_data(in, r.view, l, h));
  } else if (r.all_heads) {
    for (int h = 0; h < in.H; ++h) views.push_back(model_view_data(in, r.view, r.layer, h));
  } else {
    views.push_back(model_view_data(in, r.view, r.layer, r.head));
  }
  return views;
}

FigureSpec model_figure(const Inspection& in, const ModelExportRequest& req) {
  const std::vector<ViewData> views = model_views_for_request(in, req);
  ExportRequest base = req.base;
  if (!base.title) base.title = default_title(in, req);
  if (base.source.empty()) base.source = in.model_name;
  FigureSpec spec = figure_for_views(views, base);
  if (req.all_layers) {
    spec.grid_cols = in.H;  // one row per layer
    for (std::size_t k = 0; k < views.size(); ++k)
      spec.panels[k].title = "L" + std::to_string(views[k].layer) + " H" + std::to_string(views[k].head);
    for (auto& [key, value] : spec.text)
      if (key == "Description") {
        const std::string from = "layer=0; heads=";
        if (const auto at = value.find(from); at != std::string::npos)
          value.replace(at, from.size(), "layers=0-" + std::to_string(in.L - 1) + "; heads=");
      }
  }
  spec.text.push_back({"Text", in.text});
  if (model_view_needs_gradients(base.view))
    spec.text.push_back({"Target", "'" + in.target_text + "' (id " + std::to_string(in.target_token) +
                                       ") after position " + std::to_string(in.target_position)});
  return spec;
}

std::string model_export_bytes(const Inspection& in, const ModelExportRequest& req, ExportFormat format) {
  if (is_figure_format(format)) {
    const ImageFormat f = format == ExportFormat::PNG ? ImageFormat::PNG
                          : format == ExportFormat::SVG ? ImageFormat::SVG
                                                        : ImageFormat::PDF;
    return render_figure(model_figure(in, req), f);
  }
  const std::vector<ViewData> views = model_views_for_request(in, req);
  const bool many = req.all_layers || req.base.all_heads;
  const ExportRequest& base = req.base;
  const long T = in.T;
  switch (format) {
    case ExportFormat::CSV:
      require(!many, "out",
              "--all-heads / --all-layers with .csv writes one file per head: give a folder as --out (e.g. out/), or "
              "use .npy or .json for one file");
      return matrix_to_csv(views[0].values);
    case ExportFormat::NPY:
      if (req.all_layers) return npy_of(views, {in.L, in.H, T, T});
      if (many) return npy_of(views, {in.H, T, T});
      return npy_of(views, {T, T});
    case ExportFormat::JSON: {
      json j;
      j["schema_version"] = 1;
      j["kind"] = "model_view";
      j["model"] = in.model_name;
      j["text"] = in.text;
      j["view"] = base.view;
      j["row_axis"] = "query";
      j["col_axis"] = "key";
      j["rows"] = views[0].row_labels;
      j["cols"] = views[0].col_labels;
      json ids = json::array();
      for (const TokenChip& t : in.tokens) ids.push_back(t.id);
      j["token_ids"] = ids;
      if (model_view_needs_gradients(base.view))
        j["target"] = {{"position", in.target_position}, {"token", in.target_token}, {"text", in.target_text},
                       {"logprob", in.target_logprob}};
      if (!many) {
        j["layer"] = views[0].layer;
        j["head"] = views[0].head;
        j["values"] = matrix_to_json_nan_null(views[0].values);
      } else {
        j["layers"] = json::array();
        for (const ViewData& v : views) {
          if (j["layers"].empty() || j["layers"].back()["layer"] != v.layer)
            j["layers"].push_back({{"layer", v.layer}, {"heads", json::array()}});
          j["layers"].back()["heads"].push_back({{"head", v.head}, {"values", matrix_to_json_nan_null(v.values)}});
        }
      }
      return j.dump() + "\n";
    }
    default: break;
  }
  throw InputError("format", "unsupported format");
}

std::vector<ExportFile> plan_model_export(const Inspection& in, const ModelExportRequest& req, const std::string& out,
                                          const std::optional<ExportFormat>& format) {
  require(!out.empty(), "out", "the output path is empty");
  std::error_code ec;
  const bool folder = out != "-" && (out.back() == '/' || std::filesystem::is_directory(out, ec));
  if (!folder) {
    require(out != "-" || format.has_value(), "format", "writing to stdout ('-') needs --format");
    const ExportFormat f = format ? *format : export_format_from_path(out);
    return {{out, model_export_bytes(in, req, f), false}};
  }
  const ExportFormat f = format.value_or(ExportFormat::PNG);
  if (std::filesystem::is_directory(out, ec))
    require(::access(out.c_str(), W_OK) == 0, "out", "cannot write into the folder '" + out + "': permission denied");
  const bool create = !std::filesystem::is_directory(out, ec);
  const std::string dir = out.back() == '/' ? out : out + "/";
  const bool aggregate = model_view_is_aggregate(req.base.view);
  std::vector<ExportFile> files;
  for (const ViewData& v : model_views_for_request(in, req)) {
    ModelExportRequest one = req;
    one.all_layers = false;
    one.base.all_heads = false;
    one.base.layer = v.layer;
    one.base.head = v.head;
    files.push_back({dir + file_name(v, aggregate, f), model_export_bytes(in, one, f), create});
  }
  return files;
}

}  // namespace attn
