// The Model tab as a user meets it, under Xvfb, with the shipped model words-2l4h: a typed
// sentence gives a grid; a clicked thumbnail opens large with pixels equal to the colormap of the
// model's own weights (computed here with the engine); arrow keys move between heads and the
// choice survives in the workspace; CJK and accented text shows glyphs in the token chips; a bad
// model folder shows an error and keeps the working model.
#include <gtest/gtest.h>

#include <filesystem>

#include "engine/figure/colormap.h"
#include "engine/model/model_session.h"
#include "tests/gui/gui_harness.h"

namespace attn::testing {
namespace {

const std::string kModelDir =
    (std::filesystem::path(__FILE__).parent_path().parent_path().parent_path() / "assets" / "models" / "words-2l4h").string();

std::string fresh_home(const std::string& name) {
  const std::string dir =
      (std::filesystem::temp_directory_path() / ("attnscope-gui-model-" + name + "-" + std::to_string(getpid()))).string();
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

Rgb viridis(float a) {
  const Rgb8 c = colormap(ColormapId::Viridis).color(colormap_index(a, 0.f, 1.f));
  return {c.r, c.g, c.b};
}

// A point inside cell (r, c), near its top-left corner (numbers are drawn in the middle).
void cell_point(const Rect& img, int rows, int cols, int r, int c, int* x, int* y) {
  const double cw = double(img.x1 - img.x0) / cols, ch = double(img.y1 - img.y0) / rows;
  *x = img.x0 + int(c * cw + std::min(4.0, cw * 0.2)) + 1;
  *y = img.y0 + int(r * ch + std::min(4.0, ch * 0.2)) + 1;
}

// Ink (bright pixels) of the text line of a chip, as a 0/1 pattern.
std::vector<int> chip_ink(const Image& shot, const Rect& chip) {
  std::vector<int> ink;
  const int h = (chip.y1 - chip.y0) / 2;  // the upper half holds the text, the lower the id
  for (int y = chip.y0 + 2; y < chip.y0 + h; ++y)
    for (int x = chip.x0 + 2; x < chip.x1 - 2; ++x) {
      const Rgb p = shot.at(x, y);
      ink.push_back(p.r + p.g + p.b > 360 ? 1 : 0);
    }
  return ink;
}
int total(const std::vector<int>& v) {
  int t = 0;
  for (int x : v) t += x;
  return t;
}

TEST(GuiModel, TypedSentenceThumbnailOpensLargeWithTheModelsWeights) {
  ASSERT_TRUE(std::filesystem::exists(kModelDir + "/config.json")) << kModelDir;
  const std::string home = fresh_home("grid");
  GuiSession g(home);
  if (!g.has_display()) GTEST_SKIP() << "Xvfb could not start";
  ASSERT_TRUE(g.start_app("--fresh --model '" + kModelDir + "' --text 'the dog'")) << g.app_log();
  ASSERT_TRUE(g.wait_widget("model_settled_T2", 20)) << "the first sentence was not computed: " << g.app_log();
  // Type a new sentence into the box (select all, type over it).
  const std::string text = "the big cat sees a small bird near the house .";
  const Rect box = g.widget("model_sentence");
  g.click(box.cx(), box.cy());
  g.xdo("keydown ctrl;key a;keyup ctrl;type --delay 30 '" + text + "'", 300);
  const int T = 11;
  ASSERT_TRUE(g.wait_widget("model_settled_T" + std::to_string(T), 20)) << "no grid for the typed sentence";
  // Click the thumbnail of layer 1, head 2; the big view shows it.
  ASSERT_TRUE(g.has_widget("model_thumb_L1H2_image"));
  const Rect thumb = g.widget("model_thumb_L1H2_image");
  g.click(thumb.cx(), thumb.cy());
  g.xdo("mousemove 5 5", 700);  // no tooltip over the map
  const Rect img = g.widget("model_big_image");
  ASSERT_GT(img.x1 - img.x0, 200);
  const Image shot = g.screenshot("model_grid.png");

  // The expected weights, from the engine.
  auto bundle = load_model_bundle(kModelDir);
  InspectRequest req;
  req.text = text;
  req.gradients = false;
  const Inspection in = inspect_sentence(*bundle, req);
  ASSERT_EQ(in.T, T);
  const MatRM& A = in.att[1][2];
  int checked = 0;
  for (auto [r, c] : std::vector<std::pair<int, int>>{{0, 0}, {3, 1}, {5, 5}, {7, 2}, {10, 0}, {10, 9}, {6, 4}}) {
    int x, y;
    cell_point(img, T, T, r, c, &x, &y);
    EXPECT_EQ(shot.at(x, y), viridis(A(r, c))) << "cell (" << r << ", " << c << ") weight " << A(r, c);
    ++checked;
  }
  // Above the diagonal: the exporter's masked grey.
  int x, y;
  cell_point(img, T, T, 1, 8, &x, &y);
  EXPECT_EQ(shot.at(x, y), (Rgb{kMaskedFill.r, kMaskedFill.g, kMaskedFill.b}));
  EXPECT_EQ(checked, 7);

  // Arrow keys: right -> L1 H3, up -> L0 H3; the choice and the sentence are autosaved.
  g.xdo("key Right;key Up", 400);
  g.xdo("keydown ctrl;key q;keyup ctrl", 300);
  EXPECT_EQ(g.wait_app_exit(10), 0) << g.app_log();
  const auto ws = nlohmann::json::parse(slurp_file(home + "/data/attnscope/workspace.json"));
  const auto& m = ws["view"]["model"];
  EXPECT_EQ(m["sentence"], text);
  EXPECT_EQ(m["layer"], 0);
  EXPECT_EQ(m["head"], 3);
  EXPECT_EQ(m["tab_open"], true);
}

TEST(GuiModel, CjkAndAccentedTextShowsGlyphsInTheChips) {
  // xdotool cannot type CJK reliably: the sentence comes from the command line.
  GuiSession g(fresh_home("cjk"));
  if (!g.has_display()) GTEST_SKIP() << "Xvfb could not start";
  ASSERT_TRUE(g.start_app("--fresh --model '" + kModelDir + "' --text '我 爱 你 café'")) << g.app_log();
  ASSERT_TRUE(g.wait_widget("model_settled_T4", 20)) << g.app_log();
  g.xdo("mousemove 5 5", 600);
  const Image shot = g.screenshot("model_cjk.png");
  std::vector<std::vector<int>> ink;
  for (int i = 0; i < 4; ++i) {
    ink.push_back(chip_ink(shot, g.widget("model_chip_" + std::to_string(i))));
    EXPECT_GT(total(ink.back()), 10) << "chip " << i << " has no ink";
  }
  // Three different CJK glyphs (a missing glyph draws the same fallback box each time).
  EXPECT_NE(ink[0], ink[1]);
  EXPECT_NE(ink[1], ink[2]);
  EXPECT_NE(ink[0], ink[2]);
}

TEST(GuiModel, BadModelFolderShowsAnErrorAndKeepsTheModel) {
  const std::string home = fresh_home("badfolder");
  GuiSession g(home);
  if (!g.has_display()) GTEST_SKIP() << "Xvfb could not start";
  ASSERT_TRUE(g.start_app("--fresh --model '" + kModelDir + "' --text 'the dog sees the cat'")) << g.app_log();
  ASSERT_TRUE(g.wait_widget("model_settled_T5", 20)) << g.app_log();
  const Rect folder = g.widget("model_folder");
  g.click(folder.cx(), folder.cy());
  g.xdo("keydown ctrl;key a;keyup ctrl;type '" + home + "/no-such-model';key Return", 800);
  ASSERT_TRUE(g.wait_widget("model_error", 10)) << "no error shown for a missing folder";
  // The app is still alive and on the working model.
  g.xdo("mousemove 5 5;keydown ctrl;key q;keyup ctrl", 300);
  EXPECT_EQ(g.wait_app_exit(10), 0) << g.app_log();
  const auto ws = nlohmann::json::parse(slurp_file(home + "/data/attnscope/workspace.json"));
  EXPECT_EQ(ws["view"]["model"]["dir"], kModelDir);
}

TEST(GuiModel, ExportEqualsTheCliExportOfTheSameHead) {
  const std::string home = fresh_home("export");
  const std::string text = "the dog sees the cat near the tree .";
  {
    GuiSession g(home);
    if (!g.has_display()) GTEST_SKIP() << "Xvfb could not start";
    ASSERT_TRUE(g.start_app("--fresh --model '" + kModelDir + "' --text '" + text + "'")) << g.app_log();
    ASSERT_TRUE(g.wait_widget("model_settled_T9", 20)) << g.app_log();
    const Rect thumb = g.widget("model_thumb_L1H1_image");
    g.click(thumb.cx(), thumb.cy());
    const Rect exp = g.widget("model_export");
    g.click(exp.cx(), exp.cy());
    ASSERT_TRUE(g.wait_widget("model_export_save")) << "the export popup did not open";
    const Rect ok = g.widget("model_export_save");
    g.click(ok.cx(), ok.cy());
    g.xdo("keydown ctrl;key q;keyup ctrl", 300);
    EXPECT_EQ(g.wait_app_exit(10), 0) << g.app_log();
  }
  const std::string gui_png = home + "/words-2l4h_L1H1_model-weights.png";
  ASSERT_TRUE(std::filesystem::exists(gui_png)) << "the GUI wrote no file";
  const std::string cli_png = home + "/cli.png";
  ASSERT_EQ(run_shell("'" + std::string(ATTNSCOPE_BIN) + "' export --model '" + kModelDir + "' --text '" + text +
                      "' --view model-weights --layer 1 --head 1 --cell-px 24 --dpi 150 --out '" + cli_png + "'"),
            0);
  const Image a = load_png(gui_png), b = load_png(cli_png);
  ASSERT_GT(a.w, 100);
  EXPECT_EQ(a.w, b.w);
  EXPECT_EQ(a.h, b.h);
  EXPECT_TRUE(a.rgb == b.rgb) << "the GUI's PNG and the CLI's PNG of the same head differ";
}

TEST(GuiModelCli, MissingModelFolderIsOneLineAndExitTwo) {
  // Checked before any window opens: no display needed.
  const std::string home = fresh_home("cli");
  const int code = run_shell("env -u DISPLAY HOME='" + home + "' '" + std::string(ATTNSCOPE_BIN) +
                             "' --model '" + home + "/nope' --text 'the dog' >'" + home + "/out' 2>'" + home + "/err'");
  EXPECT_EQ(code, 2);
  const std::string err = slurp_file(home + "/err");
  EXPECT_NE(err.find("--model"), std::string::npos) << err;
  EXPECT_NE(err.find("nope"), std::string::npos) << err;
}

}  // namespace
}  // namespace attn::testing
