// `attnscope export` as a user runs it: every format from the extension, grids and folders of
// heads, the options that change the picture, and bad input: one line on stderr, exit 2, no file.
#include <gtest/gtest.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "engine/figure/colormap.h"
#include "tests/cli/cli_runner.h"
#include "tests/engine/image_test_util.h"

namespace attn::testing {
namespace {

using nlohmann::json;

// 3 heads, 4 tokens, causal, a loss (so gradients exist).
const char* kCase = R"({
  "schema_version": 1,
  "config": {"mode": "direct", "H": 3, "N": 4, "M": 4, "dk": 2, "dv": 2, "scale": "one", "mask": {"kind": "causal"}},
  "tokens": ["the", "cat", "sat", "\u732b"],
  "inputs": {"random": {"seed": 2, "std": 1}},
  "loss": {"kind": "cell", "head": 1, "row": 3, "col": 0}
})";

const char* kNoLoss = R"({
  "schema_version": 1,
  "config": {"mode": "direct", "H": 1, "scale": "one"},
  "tokens": ["a", "b"],
  "inputs": {"Q": [[[1, 0], [0, 1]]], "K": [[[1, 0], [0, 1]]], "V": [[[1, 2], [3, 4]]]}
})";

struct ExportCli : ::testing::Test {
  TempDir dir;
  std::string in;
  void SetUp() override {
    in = dir.file("case.json");
    write_text(in, kCase);
  }
  RunResult run(const std::string& args) { return run_attnscope("export --input '" + in + "' " + args); }
};

TEST_F(ExportCli, PngWithDpiAndDescription) {
  const std::string out = dir.file("w.png");
  const RunResult r = run("--view weights --head 2 --cell-px 16 --dpi 150 --out '" + out + "'");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;
  const std::string png = slurp(out);
  const Image img = decode_png(png);
  ASSERT_TRUE(img.ok());
  PngInfo info = read_png_info(png);
  ASSERT_TRUE(info.ok);
  EXPECT_EQ(info.res_x, 5906u) << "150 dpi = 5905.5 -> 5906 pixels per metre";
  EXPECT_EQ(info.unit, 1);
  const std::string& d = info.text["Description"];
  EXPECT_NE(d.find("source=case.json"), std::string::npos) << d;
  EXPECT_NE(d.find("layer=0; head=2; view=weights; range=[0, 1] viridis"), std::string::npos) << d;
  EXPECT_EQ(info.text["Title"], "L0 H2 \u00b7 weights");
  // The weights' first row is (1, masked, masked, masked): the top-left cell is the table's top.
  bool found = false;
  const Rgb8 top = colormap(ColormapId::Viridis).color(255);
  for (int y = 0; y < img.h && !found; ++y)
    for (int x = 0; x < img.w && !found; ++x) found = img.rgb(x, y) == top;
  EXPECT_TRUE(found);
}

TEST_F(ExportCli, EveryFormatFromTheExtension) {
  for (const char* ext : {"png", "svg", "pdf", "csv", "json", "npy", "PNG"}) {
    const std::string out = dir.file(std::string("s.") + ext);
    const RunResult r = run("--view scores --head 1 --out '" + out + "'");
    ASSERT_EQ(r.code, 0) << ext << ": " << r.err;
    const std::string bytes = slurp(out);
    ASSERT_FALSE(bytes.empty()) << ext;
    const std::string e = ext;
    if (e == "png" || e == "PNG") EXPECT_EQ(bytes.substr(1, 3), "PNG");
    if (e == "svg") EXPECT_EQ(std::system(("xmllint --noout '" + out + "'").c_str()), 0);
    if (e == "pdf") EXPECT_EQ(bytes.substr(0, 5), "%PDF-");
    if (e == "npy") EXPECT_NE(bytes.find("'shape': (4, 4)"), std::string::npos);
    if (e == "csv") EXPECT_EQ(std::count(bytes.begin(), bytes.end(), '\n'), 4);
    if (e == "json") {
      const json j = json::parse(bytes);
      EXPECT_EQ(j["view"], "scores");
      EXPECT_EQ(j["head"], 1);
      EXPECT_EQ(j["values"].size(), 4u);
      EXPECT_EQ(j["rows"][3], "\u732b");
    }
  }
  // The CSV holds the same numbers as compute's JSON (9 significant digits: bit-exact floats).
  const RunResult c = run_attnscope("compute --input '" + in + "' --forward-only");
  ASSERT_EQ(c.code, 0);
  const json res = json::parse(c.out);
  const std::string csv = slurp(dir.file("s.csv"));
  const float first = std::strtof(csv.c_str(), nullptr);
  EXPECT_EQ(first, res["heads"][1]["scores"][0][0].get<float>());
  // Masked logits are "nan" in CSV and null in JSON.
  ASSERT_EQ(run("--view logits --out '" + dir.file("l.csv") + "'").code, 0);
  EXPECT_NE(slurp(dir.file("l.csv")).find("nan"), std::string::npos);
  ASSERT_EQ(run("--view logits --out '" + dir.file("l.json") + "'").code, 0);
  EXPECT_TRUE(json::parse(slurp(dir.file("l.json")))["values"][0][1].is_null());
}

TEST_F(ExportCli, AllHeadsGridFileOrOneFilePerHeadInAFolder) {
  RunResult r = run("--view grad-s --all-heads --out '" + dir.file("grid.png") + "'");
  ASSERT_EQ(r.code, 0) << r.err;
  const Image grid = decode_png(slurp(dir.file("grid.png")));
  r = run("--view grad-s --head 0 --out '" + dir.file("one.png") + "'");
  ASSERT_EQ(r.code, 0) << r.err;
  const Image one = decode_png(slurp(dir.file("one.png")));
  ASSERT_TRUE(grid.ok() && one.ok());
  EXPECT_NE(read_png_info(slurp(dir.file("grid.png"))).text["Description"].find("heads=0-2"), std::string::npos);
  // A folder named with a trailing '/' (created) gets one file per head.
  r = run("--view weights --all-heads --out '" + dir.file("heads") + "/'");
  ASSERT_EQ(r.code, 0) << r.err;
  for (int h = 0; h < 3; ++h)
    EXPECT_TRUE(decode_png(slurp(dir.file("heads/L0_H" + std::to_string(h) + "_weights.png"))).ok()) << h;
  // An existing folder, with another format.
  std::filesystem::create_directory(dir.file("npys"));
  r = run("--view grad-q --all-heads --format npy --out '" + dir.file("npys") + "'");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(dir.file("npys/L0_H2_grad-q.npy")));
  // All heads into one .npy: a stack (H, N, M).
  r = run("--view weights --all-heads --out '" + dir.file("all.npy") + "'");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(slurp(dir.file("all.npy")).find("'shape': (3, 4, 4)"), std::string::npos);
}

TEST_F(ExportCli, OptionsChangeThePicture) {
  const std::string base = "--view scores --head 0 --cell-px 12 ";
  ASSERT_EQ(run(base + "--out '" + dir.file("a.png") + "'").code, 0);
  ASSERT_EQ(run(base + "--colormap magma --vmin -1 --vmax 1 --annotate --title 'My title' --out '" + dir.file("b.png") + "'").code, 0);
  ASSERT_EQ(run(base + "--transparent --out '" + dir.file("c.png") + "'").code, 0);
  ASSERT_EQ(run("--view weights --log --clip-percentile 99 --width 700 --out '" + dir.file("d.png") + "'").code, 0);
  const Image a = decode_png(slurp(dir.file("a.png"))), b = decode_png(slurp(dir.file("b.png")));
  const Image c = decode_png(slurp(dir.file("c.png"))), d = decode_png(slurp(dir.file("d.png")));
  ASSERT_TRUE(a.ok() && b.ok() && c.ok() && d.ok());
  EXPECT_NE(a.rgba, b.rgba);
  EXPECT_EQ(read_png_info(slurp(dir.file("b.png"))).text["Title"], "My title");
  EXPECT_NE(read_png_info(slurp(dir.file("b.png"))).text["Description"].find("range=[-1, 1] magma"), std::string::npos);
  EXPECT_EQ(a.alpha(0, 0), 255);
  EXPECT_EQ(c.alpha(0, 0), 0);
  EXPECT_EQ(d.w, 700);
  EXPECT_NE(read_png_info(slurp(dir.file("d.png"))).text["Description"].find("scale=log10"), std::string::npos);
}

TEST_F(ExportCli, WholeLayerViewsOfAProjectionCase) {
  // output-all (the heads side by side), z and grad-wo are one matrix for the layer: no head in
  // the title or the description, and the numbers are the layer's.
  write_text(in, R"({"schema_version": 1, "config": {"mode": "projection", "H": 2, "N": 3, "D": 4, "dk": 2, "dv": 2},
    "tokens": ["a", "b", "c"], "inputs": {"random": {"seed": 4}}, "loss": {"kind": "cell", "row": 2, "col": 1}})");
  const std::string png = dir.file("z.png");
  RunResult r = run("--view z --out '" + png + "'");
  ASSERT_EQ(r.code, 0) << r.err;
  PngInfo info = read_png_info(slurp(png));
  ASSERT_TRUE(info.ok);
  EXPECT_EQ(info.text["Title"], "L0 \u00b7 z");
  EXPECT_NE(info.text["Description"].find("heads=all; view=z"), std::string::npos) << info.text["Description"];
  r = run("--view output-all --out '" + dir.file("o.json") + "'");
  ASSERT_EQ(r.code, 0) << r.err;
  const json o = json::parse(slurp(dir.file("o.json")));
  EXPECT_EQ(o["values"].size(), 3u);
  EXPECT_EQ(o["values"][0].size(), 4u) << "H * dv columns";
  r = run("--view grad-wo --out '" + dir.file("wo.csv") + "'");
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string csv = slurp(dir.file("wo.csv"));
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 4) << "H * dv = 4 rows:\n" << csv;
}

TEST_F(ExportCli, HelpListsViewsAndFormats) {
  const RunResult r = run_attnscope("export --help");
  EXPECT_EQ(r.code, 0);
  for (const char* s : {"weights", "grad-q", "scores_raw", ".npy", "--all-heads", "--clip-percentile", "viridis"})
    EXPECT_NE(r.out.find(s), std::string::npos) << s;
}

struct BadExport {
  const char* name;
  std::string args;  // after --input; {dir} is the temporary folder
  const char* expect_in_message;
  const char* case_text = nullptr;
};

class ExportCliBadInput : public ::testing::TestWithParam<BadExport> {};

TEST_P(ExportCliBadInput, OneLineExitTwoNoOutput) {
  const BadExport& b = GetParam();
  TempDir dir;
  write_text(dir.file("case.json"), b.case_text ? b.case_text : kCase);
  std::string args = b.args;
  for (size_t k; (k = args.find("{dir}")) != std::string::npos;) args.replace(k, 5, dir.path().string());
  const bool own_input = args.rfind("--input", 0) == 0;
  const RunResult r = run_attnscope("export " + (own_input ? "" : "--input '" + dir.file("case.json") + "' ") + args);
  EXPECT_EQ(r.code, 2) << b.name << ": " << r.err;
  EXPECT_NE(r.err.find(b.expect_in_message), std::string::npos) << b.name << ": " << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one line: " << r.err;
  EXPECT_TRUE(r.out.empty());
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir.path()))
    EXPECT_EQ(entry.path().filename().string(), "case.json") << b.name << ": left " << entry.path();
}

INSTANTIATE_TEST_SUITE_P(
    All, ExportCliBadInput,
    ::testing::Values(
        BadExport{"unknown_view", "--view attention --out {dir}/o.png", "unknown view 'attention'"},
        BadExport{"head_out_of_range", "--head 3 --out {dir}/o.png", "head 3 is out of range: the case has 3 heads"},
        BadExport{"negative_head", "--head -1 --out {dir}/o.png", "out of range"},
        BadExport{"unknown_extension", "--out {dir}/o.bmp", "unknown file extension '.bmp'"},
        BadExport{"no_extension", "--out {dir}/o", "has no file extension"},
        BadExport{"unknown_format", "--format gif --out {dir}/o.png", "unknown format 'gif'"},
        BadExport{"unwritable_path", "--out {dir}/missing/sub/o.png", "cannot write"},
        BadExport{"folder_in_missing_parent", "--all-heads --out {dir}/missing/sub/", "cannot create the folder"},
        BadExport{"layer_one", "--layer 1 --out {dir}/o.png", "layer 1 does not exist"},
        BadExport{"unknown_colormap", "--colormap jet --out {dir}/o.png", "unknown colormap 'jet'"},
        BadExport{"vmin_above_vmax", "--vmin 2 --vmax 1 --out {dir}/o.png", "must not be greater than vmax"},
        BadExport{"percentile_out_of_range", "--clip-percentile 30 --out {dir}/o.png", "(50, 100]"},
        BadExport{"log_with_negative_vmin", "--view scores --log --vmin -1 --out {dir}/o.png", "log scale needs vmin > 0"},
        BadExport{"gradient_without_loss", "--view grad-q --out {dir}/o.png", "has no loss", kNoLoss},
        BadExport{"bias_without_bias", "--view bias --out {dir}/o.png", "needs a logit bias"},
        BadExport{"projection_only_view", "--view grad-wq --out {dir}/o.png", "projection-mode"},
        BadExport{"z_of_a_direct_case", "--view z --out {dir}/o.png", "projection-mode"},
        BadExport{"whole_layer_view_with_all_heads", "--view output-all --all-heads --out {dir}/o.png",
                  "one matrix for the whole layer"},
        BadExport{"csv_of_all_heads", "--all-heads --out {dir}/o.csv", "one file per head"},
        BadExport{"cell_and_width", "--cell-px 4 --width 500 --out {dir}/o.png", "excludes"},
        BadExport{"too_large", "--all-heads --cell-px 2000 --out {dir}/o.png", "the figure would be"},
        BadExport{"width_too_small", "--width 20 --out {dir}/o.png", "too narrow"},
        BadExport{"stdout_without_format", "--out -", "needs --format"},
        BadExport{"missing_input_file", "--input {dir}/nope.json --out {dir}/o.png", "nope.json"},
        BadExport{"bad_dpi", "--dpi 0 --out {dir}/o.png", "dpi"}),
    [](const ::testing::TestParamInfo<BadExport>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace attn::testing
