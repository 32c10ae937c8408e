// `attnscope export --input case.json --view weights --head 0 --out f.png`: a heatmap of one view
// as a figure (PNG, SVG, PDF: labels, title, colour bar) or as raw data (CSV, JSON, .npy); the
// format comes from the extension. --all-heads gives a grid figure (or one file per head when
// --out is a folder). Everything is rendered in memory first, then written atomically.
// `attnscope export --model DIR --text "..." --view model-weights --layer 1 --head 3 --out f.png`
// does the same for a sentence run through a model (engine/model/model_export.h): --all-heads is
// one layer's heads, --all-layers the whole layers x heads grid; gradient views take --target /
// --target-position (default: the model's top next token after the last token).
#include <filesystem>
#include <memory>

#include "app/cli/cli.h"
#include "engine/core/error.h"
#include "engine/figure/export_view.h"
#include "engine/io/atomic_file.h"
#include "engine/io/case_json.h"
#include "engine/model/model_export.h"
#include "engine/model/model_session.h"
#include "engine/sandbox/multihead.h"

namespace attn::cli {

namespace {

struct ExportOptions {
  std::string input, model, text, target, out, view = "weights", format, colormap, title;
  int head = 0, layer = 0, width = 0, target_position = -1, ig_steps = 32;
  bool all_layers = false;
  CLI::Option *view_opt = nullptr, *target_opt = nullptr, *target_position_opt = nullptr, *text_opt = nullptr;
  float vmin = 0, vmax = 0;
  double clip = 0, cell_px = 0, dpi = 96, font_pt = 9;
  bool all_heads = false, log = false, annotate = false, transparent = false, per_head_scale = false;
  CLI::Option *vmin_opt = nullptr, *vmax_opt = nullptr, *clip_opt = nullptr, *title_opt = nullptr;
};

// --model: tokenize and inspect the sentence (gradients / IG only when the view needs them), then
// export through model_export.
int run_model_export(const ExportOptions& o, ExportRequest req) {
  require(o.text_opt->count() > 0, "text", "--model needs --text \"a sentence\" (or --text - to read it from stdin)");
  require(!o.all_heads || !o.all_layers, "all-layers", "--all-heads and --all-layers exclude each other");
  req.view = o.view_opt->count() ? o.view : "model-weights";
  ModelExportRequest mreq{req, o.all_layers};
  const bool aggregate = model_view_is_aggregate(req.view);  // unknown views fail before any work
  if (aggregate)
    require(!o.all_heads && !o.all_layers, "view",
            "'" + req.view + "' is one map for the sentence (no heads): drop --all-heads / --all-layers");
  const bool grads = model_view_needs_gradients(req.view);
  require(grads || (!o.target_opt->count() && !o.target_position_opt->count()), "target",
          "--target / --target-position apply to gradient views only (model-grad, model-attxgrad, model-ig, "
          "grad-rollout), not '" + req.view + "'");
  std::optional<ExportFormat> format;
  if (!o.format.empty()) format = export_format_from_name(o.format);
  std::error_code ec;
  const bool folder = o.out != "-" && !o.out.empty() && (o.out.back() == '/' || std::filesystem::is_directory(o.out, ec));
  if (!format && !folder && o.out != "-") export_format_from_path(o.out);  // a bad extension fails early

  std::unique_ptr<ModelBundle> b = load_model_bundle(o.model);
  const int L = b->model.config.n_layer, H = b->model.config.n_head;
  if (!o.all_layers && req.view != "rollout" && req.view != "grad-rollout")
    require(req.layer >= 0 && req.layer < L, "layer",
            "layer " + std::to_string(req.layer) + " is out of range: the model has " + std::to_string(L) +
                " layers (0 to " + std::to_string(L - 1) + ")");
  if (!o.all_layers && !o.all_heads && !aggregate)
    require(req.head >= 0 && req.head < H, "head",
            "head " + std::to_string(req.head) + " is out of range: the model has " + std::to_string(H) +
                " heads per layer (0 to " + std::to_string(H - 1) + ")");
  InspectRequest ir;
  ir.text = o.text == "-" ? read_file("-", "text") : o.text;
  ir.gradients = grads;
  ir.target_position = o.target_position;
  if (o.target_opt->count()) ir.target_token = token_id_for_text(*b, o.target);
  if (req.view == "model-ig") {
    require(!o.all_layers, "view", "model-ig is computed for one layer (--layer): use --all-heads, not --all-layers");
    ir.ig_layer = req.layer;
    ir.ig_steps = o.ig_steps;
  }
  const Inspection in = inspect_sentence(*b, ir);
  mreq.base.source = b->name;
  write_export(plan_model_export(in, mreq, o.out, format));
  return kExitOk;
}

int run_export(const ExportOptions& o) {
  require(o.input.empty() || o.model.empty(), "input",
          "--input (a case file) and --model (a model folder) exclude each other: give one");
  require(!o.input.empty() || !o.model.empty(), "input",
          "give --input case.json, or --model DIR with --text \"a sentence\"");
  ExportRequest req;
  req.layer = o.layer;
  req.head = o.head;
  req.all_heads = o.all_heads;
  req.per_panel_scale = o.per_head_scale;
  if (!o.colormap.empty()) req.range.cmap = colormap_from_name(o.colormap).id;
  if (o.vmin_opt->count()) req.range.vmin = o.vmin;
  if (o.vmax_opt->count()) req.range.vmax = o.vmax;
  if (o.clip_opt->count()) req.range.clip_percentile = o.clip;
  req.range.log = o.log;
  if (o.title_opt->count()) req.title = o.title;
  req.style.cell_px = o.cell_px;
  req.style.width_px = o.width;
  req.style.dpi = o.dpi;
  req.style.font_pt = o.font_pt;
  req.style.annotate = o.annotate;
  req.style.transparent = o.transparent;
  if (!o.model.empty()) return run_model_export(o, req);
  for (const auto* opt : {o.text_opt, o.target_opt, o.target_position_opt})
    require(opt->count() == 0, opt->get_name().substr(2), opt->get_name() + " needs --model DIR (a case has no sentence)");
  require(!o.all_layers, "all-layers", "--all-layers needs --model DIR (a case is one layer)");

  req.view = o.view;
  view_info(o.view);  // unknown views fail before any work
  req.source = o.input == "-" ? "stdin" : std::filesystem::path(o.input).filename().string();

  std::optional<ExportFormat> format;
  if (!o.format.empty()) format = export_format_from_name(o.format);
  std::error_code ec;
  const bool folder = o.out != "-" && !o.out.empty() && (o.out.back() == '/' || std::filesystem::is_directory(o.out, ec));
  if (!format && !folder && o.out != "-") export_format_from_path(o.out);  // a bad extension fails early

  const AttentionCase c = case_from_text(read_file(o.input, "input"), o.input);
  const AttentionResult r = run_attention(c, view_info(o.view).needs_loss);
  write_export(plan_export(c, r, req, o.out, format));
  return kExitOk;
}

}  // namespace

void add_export_command(CLI::App& app, Action& action) {
  auto o = std::make_shared<ExportOptions>();
  CLI::App* sub = app.add_subcommand(
      "export", "Export a view as a figure (.png .svg .pdf: labels, title, colour bar) or data (.csv .json .npy)");
  sub->add_option("-i,--input", o->input, "case or workspace JSON file ('-' = stdin)");
  sub->add_option("--model", o->model, "a model folder (config.json, model.safetensors, tokenizer): export a sentence's heads");
  o->text_opt = sub->add_option("--text", o->text, "with --model: the sentence ('-' = stdin)");
  o->target_opt = sub->add_option("--target", o->target,
                                  "with --model, gradient views: the target token (text of one token; default: the "
                                  "model's top next token)");
  o->target_position_opt = sub->add_option("--target-position", o->target_position,
                                           "with --model: the position whose next token is the target (default: the last)");
  sub->add_option("--ig-steps", o->ig_steps, "with --model --view model-ig: integration steps (default 32)");
  sub->add_flag("--all-layers", o->all_layers, "with --model: the whole layers x heads grid (panels \"L0 H0\" ...)");
  sub->add_option("-o,--out", o->out,
                  "output file (format from the extension: .png .svg .pdf .csv .json .npy; '-' = stdout with "
                  "--format), or a folder (existing, or ending in '/') for one file per head")
      ->required();
  o->view_opt = sub->add_option("--view", o->view,
                                 "what to draw: " + view_names() + " (default weights); with --model: " +
                                     model_view_names() + " (default model-weights)");
  sub->add_option("--head", o->head, "head index, 0-based (default 0)");
  sub->add_option("--layer", o->layer, "layer index (a case has one layer: 0; a model's layers from 0)");
  sub->add_flag("--all-heads", o->all_heads, "every head: a grid figure for a file, one file per head for a folder");
  sub->add_flag("--per-head-scale", o->per_head_scale, "grid: each head its own range and colour bar");
  sub->add_option("--format", o->format, "png, svg, pdf, csv, json or npy (default: from the extension; png for a folder)");
  std::string cmaps;
  for (const std::string& n : colormap_names()) cmaps += (cmaps.empty() ? "" : ", ") + n;
  sub->add_option("--colormap", o->colormap,
                  cmaps + " (default viridis for weights, rdbu centred on 0 for scores and gradients)");
  o->vmin_opt = sub->add_option("--vmin", o->vmin, "value at the low end of the colormap");
  o->vmax_opt = sub->add_option("--vmax", o->vmax, "value at the high end of the colormap");
  o->clip_opt = sub->add_option("--clip-percentile", o->clip,
                                "clip the range to the P-th percentile, P in (50, 100] (e.g. 99)");
  sub->add_flag("--log", o->log, "log10 colour scale (positive values; others take the low end)");
  CLI::Option* cell = sub->add_option("--cell-px", o->cell_px, "pixels per cell (default: about 5 inches per heatmap)");
  CLI::Option* width = sub->add_option("--width", o->width, "figure width in pixels (cells fit it)");
  cell->excludes(width);
  sub->add_option("--dpi", o->dpi, "pixels per inch: recorded in PNG; text sizes are in points (default 96)");
  sub->add_option("--font-size", o->font_pt, "label size in points (default 9)");
  sub->add_flag("--annotate", o->annotate, "print each value in cells large enough to hold it");
  o->title_opt = sub->add_option("--title", o->title, "figure title (default \"L0 H3 \u00b7 weights\"; \"\" = none)");
  sub->add_flag("--transparent", o->transparent, "transparent background instead of white");
  sub->callback([o, &action] { action = [o] { return run_export(*o); }; });
}

}  // namespace attn::cli
