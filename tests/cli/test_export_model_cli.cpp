// `attnscope export --model DIR --text "..."` as a user runs it, on the shipped model: one head's
// PNG has the colormap colours of the model's weights, grids of a layer and of every layer, .npy
// and JSON round trips, gradient views with a target, and every kind of bad input (one line on
// stderr, exit 2, no file).
#include <gtest/gtest.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "engine/figure/figure.h"
#include "engine/io/matrix_writers.h"
#include "engine/model/model_export.h"
#include "engine/model/model_session.h"
#include "tests/cli/cli_runner.h"
#include "tests/engine/image_test_util.h"

namespace attn::testing {
namespace {

using nlohmann::json;

const std::string kModel = std::string(ATTNSCOPE_FIXTURES) + "/../../assets/models/words-2l4h";
const std::string kText = "the teachers that the child likes sleep near the river .";

// The same inspection the CLI makes (same weights, same code: the same floats).
const Inspection& inspection(bool gradients = false) {
  static std::unique_ptr<ModelBundle> b = load_model_bundle(kModel);
  static Inspection fwd, grad;
  static bool have[2] = {false, false};
  Inspection& in = gradients ? grad : fwd;
  if (!have[gradients]) {
    InspectRequest r;
    r.text = kText;
    r.gradients = gradients;
    in = inspect_sentence(*b, r);
    have[gradients] = true;
  }
  return in;
}

struct ExportModelCli : ::testing::Test {
  TempDir dir;
  RunResult run(const std::string& args) {
    return run_attnscope("export --model '" + kModel + "' --text '" + kText + "' " + args);
  }
};

TEST_F(ExportModelCli, OneHeadPngHasTheColoursOfTheWeights) {
  const std::string out = dir.file("h.png");
  const RunResult r = run("--view model-weights --layer 0 --head 2 --cell-px 20 --out '" + out + "'");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;
  const std::string png = slurp(out);
  const Image img = decode_png(png);
  ASSERT_TRUE(img.ok());
  PngInfo info = read_png_info(png);
  EXPECT_EQ(info.text["Title"], "L0 H2 \u00b7 model-weights");
  EXPECT_EQ(info.text["Text"], kText);
  // Where the cells are: the same figure laid out in-process.
  const Inspection& in = inspection();
  ModelExportRequest req;
  req.base.view = "model-weights";
  req.base.layer = 0;
  req.base.head = 2;
  req.base.style.cell_px = 20;
  const FigureSpec spec = model_figure(in, req);
  const FigureLayout lay = layout_figure(spec);
  ASSERT_EQ(lay.width, img.w);
  ASSERT_EQ(lay.height, img.h);
  const PanelLayout& p = lay.panels[0];
  const ColorScale& scale = spec.panels[0].scale;
  int checked = 0;
  for (int i = 0; i < in.T; ++i)
    for (int j = 0; j <= i; ++j) {
      const int x = int(p.heatmap.x + (j + 0.5) * p.cell_w), y = int(p.heatmap.y + (i + 0.5) * p.cell_h);
      const Rgb8 want = scale.color(in.att[0][2](i, j)), got = img.rgb(x, y);
      EXPECT_EQ(got, want) << "cell (" << i << ", " << j << ") value " << in.att[0][2](i, j);
      ++checked;
    }
  EXPECT_EQ(checked, in.T * (in.T + 1) / 2);
  // The previous-token head's bright cells really are on the sub-diagonal: the top of viridis there.
  EXPECT_EQ(scale.color(1.f), colormap(ColormapId::Viridis).color(255));
}

TEST_F(ExportModelCli, GridsOfOneLayerAndOfEveryLayer) {
  ASSERT_EQ(run("--all-heads --layer 1 --cell-px 10 --out '" + dir.file("layer.png") + "'").code, 0);
  const RunResult r = run("--all-layers --cell-px 10 --out '" + dir.file("all.png") + "'");
  ASSERT_EQ(r.code, 0) << r.err;
  const Image layer = decode_png(slurp(dir.file("layer.png"))), all = decode_png(slurp(dir.file("all.png")));
  ASSERT_TRUE(layer.ok() && all.ok());
  const Inspection& in = inspection();
  ModelExportRequest req;
  req.base.view = "model-weights";
  req.base.style.cell_px = 10;
  req.all_layers = true;
  const FigureSpec spec = model_figure(in, req);
  ASSERT_EQ(spec.panels.size(), 8u);
  EXPECT_EQ(spec.panels[5].title, "L1 H1");
  EXPECT_EQ(spec.grid_cols, 4);
  const FigureLayout lay = layout_figure(spec);
  EXPECT_EQ(all.w, lay.width);
  EXPECT_EQ(all.h, lay.height);
  // 2 rows x 4 columns of panels: the L1 panels sit below the L0 ones, in the same columns.
  EXPECT_EQ(lay.panels[4].heatmap.x, lay.panels[0].heatmap.x);
  EXPECT_GT(lay.panels[4].heatmap.y, lay.panels[0].heatmap.y + lay.panels[0].heatmap.h);
  EXPECT_GT(all.w, layer.w) << "4 heads per row are wider than one layer's 2 x 2 grid";
  const std::string d = read_png_info(slurp(dir.file("all.png"))).text["Description"];
  EXPECT_NE(d.find("layers=0-1; heads=0-3"), std::string::npos) << d;
}

TEST_F(ExportModelCli, NpyAndJsonRoundTrip) {
  ASSERT_EQ(run("--layer 1 --head 3 --out '" + dir.file("one.npy") + "'").code, 0);
  const Inspection& in = inspection();
  EXPECT_EQ(matrix_from_npy(slurp(dir.file("one.npy"))), in.att[1][3]);
  // --all-layers: (L, H, T, T), layer-major, bit-exact floats
  ASSERT_EQ(run("--all-layers --out '" + dir.file("all.npy") + "'").code, 0);
  const std::string bytes = slurp(dir.file("all.npy"));
  const std::string shape = "'shape': (2, 4, " + std::to_string(in.T) + ", " + std::to_string(in.T) + ")";
  ASSERT_NE(bytes.find(shape), std::string::npos) << bytes.substr(0, 128);
  const std::size_t hlen = std::size_t((unsigned char)bytes[8]) | std::size_t((unsigned char)bytes[9]) << 8;
  ASSERT_EQ((10 + hlen) % 64, 0u);
  const std::size_t TT = std::size_t(in.T) * in.T;
  ASSERT_EQ(bytes.size(), 10 + hlen + 8 * TT * 4);
  for (int l = 0; l < 2; ++l)
    for (int h = 0; h < 4; ++h) {
      MatRM m(in.T, in.T);
      std::memcpy(m.data(), bytes.data() + 10 + hlen + (l * 4 + h) * TT * 4, TT * 4);
      EXPECT_EQ(m, in.att[l][h]) << l << " " << h;
    }
  ASSERT_EQ(run("--all-heads --layer 0 --out '" + dir.file("l0.npy") + "'").code, 0);
  EXPECT_NE(slurp(dir.file("l0.npy")).find("'shape': (4, "), std::string::npos);
  // JSON of a gradient view with a chosen target
  const RunResult r = run("--view model-grad --all-layers --target runs --target-position 3 --out '" + dir.file("g.json") + "'");
  ASSERT_EQ(r.code, 0) << r.err;
  const json j = json::parse(slurp(dir.file("g.json")));
  EXPECT_EQ(j["kind"], "model_view");
  EXPECT_EQ(j["target"]["text"], "runs");
  EXPECT_EQ(j["target"]["position"], 3);
  EXPECT_EQ(j["layers"].size(), 2u);
  EXPECT_EQ(j["layers"][1]["heads"].size(), 4u);
  EXPECT_EQ(j["rows"][1], "teachers");
  // rows after the target position get no gradient
  EXPECT_EQ(j["layers"][0]["heads"][0]["values"][5][0].get<double>(), 0.0);
}

TEST_F(ExportModelCli, AggregateAndGradientViews) {
  for (const char* v : {"rollout", "grad-rollout", "mean-heads", "max-heads"}) {
    const RunResult r = run(std::string("--view ") + v + " --layer 1 --out '" + dir.file(std::string(v) + ".png") + "'");
    ASSERT_EQ(r.code, 0) << v << ": " << r.err;
    EXPECT_TRUE(decode_png(slurp(dir.file(std::string(v) + ".png"))).ok()) << v;
  }
  ASSERT_EQ(run("--view rollout --out '" + dir.file("r.csv") + "'").code, 0);
  const std::string csv = slurp(dir.file("r.csv"));
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), inspection().T);
  const RunResult ig = run("--view model-ig --layer 1 --all-heads --ig-steps 8 --out '" + dir.file("ig.png") + "'");
  ASSERT_EQ(ig.code, 0) << ig.err;
  EXPECT_NE(read_png_info(slurp(dir.file("ig.png"))).text["Target"].find("after position"), std::string::npos);
  // a folder: one file per head of every layer
  ASSERT_EQ(run("--view model-attxgrad --all-layers --out '" + dir.file("heads") + "/'").code, 0);
  EXPECT_TRUE(decode_png(slurp(dir.file("heads/L1_H3_model-attxgrad.png"))).ok());
}

struct BadModelExport {
  const char* name;
  std::string args;  // {model}, {dir}
  const char* expect_in_message;
};

class ExportModelCliBadInput : public ::testing::TestWithParam<BadModelExport> {};

TEST_P(ExportModelCliBadInput, OneLineExitTwoNoOutput) {
  const BadModelExport& b = GetParam();
  TempDir dir;
  write_text(dir.file("case.json"), R"({"schema_version": 1, "config": {"H": 1, "N": 2, "M": 2, "dk": 2, "dv": 2}})");
  std::string args = b.args;
  for (size_t k; (k = args.find("{dir}")) != std::string::npos;) args.replace(k, 5, dir.path().string());
  for (size_t k; (k = args.find("{model}")) != std::string::npos;) args.replace(k, 7, kModel);
  const RunResult r = run_attnscope("export " + args);
  EXPECT_EQ(r.code, 2) << b.name << ": " << r.err;
  EXPECT_NE(r.err.find(b.expect_in_message), std::string::npos) << b.name << ": " << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one line: " << r.err;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir.path()))
    EXPECT_EQ(entry.path().filename().string(), "case.json") << b.name << ": left " << entry.path();
}

std::string long_text() {
  std::string s;
  for (int i = 0; i < 65; ++i) s += "cat ";
  return s;
}

INSTANTIATE_TEST_SUITE_P(
    All, ExportModelCliBadInput,
    ::testing::Values(
        BadModelExport{"input_and_model", "--input {dir}/case.json --model {model} --text cat --out {dir}/o.png",
                       "--input (a case file) and --model (a model folder) exclude each other"},
        BadModelExport{"neither", "--out {dir}/o.png", "give --input case.json, or --model DIR"},
        BadModelExport{"missing_text", "--model {model} --out {dir}/o.png", "--model needs --text"},
        BadModelExport{"empty_text", "--model {model} --text '  ' --out {dir}/o.png", "text: is empty"},
        BadModelExport{"too_long_text", "--model {model} --text '" + long_text() + "' --out {dir}/o.png",
                       "has 65 tokens; the model 'words-2l4h' takes at most 64"},
        BadModelExport{"case_view_for_a_model", "--model {model} --text cat --view weights --out {dir}/o.png",
                       "unknown view 'weights' for a model"},
        BadModelExport{"unknown_view", "--model {model} --text cat --view attention --out {dir}/o.png",
                       "unknown view 'attention' for a model; use one of: model-weights"},
        BadModelExport{"layer_out_of_range", "--model {model} --text cat --layer 2 --out {dir}/o.png",
                       "layer 2 is out of range: the model has 2 layers"},
        BadModelExport{"negative_layer", "--model {model} --text cat --layer -1 --all-heads --out {dir}/o.png",
                       "layer -1 is out of range"},
        BadModelExport{"head_out_of_range", "--model {model} --text cat --head 4 --out {dir}/o.png",
                       "head 4 is out of range: the model has 4 heads"},
        BadModelExport{"unknown_target_token", "--model {model} --text cat --view model-grad --target zebra --out {dir}/o.png",
                       "'zebra' is not in the vocabulary"},
        BadModelExport{"target_of_two_tokens", "--model {model} --text cat --view model-grad --target 'the cat' --out {dir}/o.png",
                       "is 2 tokens"},
        BadModelExport{"target_position_out_of_range",
                       "--model {model} --text 'the cat' --view model-grad --target-position 2 --out {dir}/o.png",
                       "target position: must be between 0 and 1"},
        BadModelExport{"target_for_weights", "--model {model} --text cat --target cat --out {dir}/o.png",
                       "apply to gradient views only"},
        BadModelExport{"grid_of_rollout", "--model {model} --text cat --view rollout --all-layers --out {dir}/o.png",
                       "no heads"},
        BadModelExport{"csv_of_a_grid", "--model {model} --text cat --all-layers --out {dir}/o.csv", "one file per head"},
        BadModelExport{"missing_model_folder", "--model {dir}/nope --text cat --out {dir}/o.png", "is not a folder"},
        BadModelExport{"not_a_model_folder", "--model {dir} --text cat --out {dir}/o.png", "has no config.json"},
        BadModelExport{"text_without_model", "--input {dir}/case.json --text cat --out {dir}/o.png", "--text needs --model"},
        BadModelExport{"all_layers_without_model", "--input {dir}/case.json --all-layers --out {dir}/o.png",
                       "--all-layers needs --model"}),
    [](const ::testing::TestParamInfo<BadModelExport>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace attn::testing
