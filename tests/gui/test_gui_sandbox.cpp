// The GUI as a user meets it, under Xvfb: it opens on the default example, clicks and typing
// change what is drawn, heatmap pixels equal the colormap of known weights, CJK tokens draw as
// glyphs, undo/redo works, the workspace survives a restart, and without a display the app
// says so and exits 2.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "engine/figure/colormap.h"
#include "engine/io/case_json.h"
#include "engine/sandbox/multihead.h"
#include "tests/gui/gui_harness.h"

namespace attn::testing {
namespace {

std::string fresh_home(const std::string& name) {
  const std::string dir = (std::filesystem::temp_directory_path() / ("attnscope-gui-" + name + "-" + std::to_string(getpid()))).string();
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// The colour a weight must have in the big map: viridis, fixed range [0, 1], the shared rule.
Rgb expected_weight_color(float a) {
  const Rgb8 c = colormap(ColormapId::Viridis).color(colormap_index(a, 0.f, 1.f));
  return {c.r, c.g, c.b};
}

// A point inside cell (r, c) of a heatmap image, near its top-left corner (numbers are drawn in
// the middle of big cells).
void cell_point(const Rect& img, int rows, int cols, int r, int c, int* x, int* y) {
  const double cw = double(img.x1 - img.x0) / cols, ch = double(img.y1 - img.y0) / rows;
  *x = img.x0 + int(c * cw + std::min(4.0, cw * 0.2)) + 1;
  *y = img.y0 + int(r * ch + std::min(4.0, ch * 0.2)) + 1;
}

#define REQUIRE_SESSION(g)                                                   \
  if (!(g).has_display()) GTEST_SKIP() << "Xvfb could not start";          \
  ASSERT_TRUE((g).start_app("--fresh")) << (g).app_log()

TEST(GuiSandbox, OpensOnTheDefaultExampleWithExactColours) {
  GuiSession g(fresh_home("default"));
  REQUIRE_SESSION(g);
  const Rect img = g.widget("big_stage_image");
  ASSERT_GT(img.x1 - img.x0, 100);
  const Image shot = g.screenshot("default.png");
  // Default example, head 0 (previous token), causal, 6 x 6: A[0][0] = 1, A[1][0] = 0.975...
  int x, y;
  cell_point(img, 6, 6, 0, 0, &x, &y);
  EXPECT_EQ(shot.at(x, y), expected_weight_color(1.f));
  // Row 1 ("cat"): logits s*9 at key 0 and 0 at key 1; A = 1 / (1 + e^{-9 s}), s = 1/sqrt(6).
  const float s = 1.f / std::sqrt(6.f), a10 = 1.f / (1.f + std::exp(-9.f * s));
  cell_point(img, 6, 6, 1, 0, &x, &y);
  EXPECT_EQ(shot.at(x, y), expected_weight_color(a10));
  cell_point(img, 6, 6, 1, 1, &x, &y);
  EXPECT_EQ(shot.at(x, y), expected_weight_color(1.f - a10));
  // A masked cell (row 0, key 5) is the exporter's masked grey.
  cell_point(img, 6, 6, 0, 5, &x, &y);
  EXPECT_EQ(shot.at(x, y), (Rgb{kMaskedFill.r, kMaskedFill.g, kMaskedFill.b}));
}

// Checks a vertical colour bar in a screenshot: every pixel row inside its border is exactly one
// entry of the table, the entry the band rule gives for that row (top = entry 255, bottom = entry
// 0, h / 256 pixels per entry; +-1 for the hook's whole-pixel rectangle), so its ends are the
// ends of the colormap.
void expect_colorbar(const Image& shot, const Rect& bar, ColormapId id, const char* what) {
  const Colormap& cmap = colormap(id);
  const double h = bar.y1 - bar.y0;
  ASSERT_GT(h, 60) << what;
  const int x = bar.cx();
  int top = -1, bottom = -1, bad = 0;
  for (int y = bar.y0 + 2; y <= bar.y1 - 3; ++y) {
    const int expected = std::clamp(int(std::floor(256.0 * (bar.y1 - (y + 0.5)) / h)), 0, 255);
    int found = -1;
    for (int k = std::max(0, expected - 2); k <= std::min(255, expected + 2) && found < 0; ++k) {
      const Rgb8 c = cmap.color(k);
      if (shot.at(x, y) == Rgb{c.r, c.g, c.b}) found = k;
    }
    if (found < 0 && ++bad <= 3) ADD_FAILURE() << what << ": row " << y << " is " << shot.at(x, y) << ", expected entry ~" << expected;
    if (found >= 0 && top < 0) top = found;
    if (found >= 0) bottom = found;
  }
  EXPECT_GE(top, 250) << what << ": the top of the bar is the last entry";
  EXPECT_LE(bottom, 5) << what << ": the bottom of the bar is the first entry";
}

TEST(GuiSandbox, ColourBarsShowTheirColormapEndToEnd) {
  GuiSession g(fresh_home("colorbar"));
  REQUIRE_SESSION(g);
  ASSERT_TRUE(g.wait_widget("big_stage_colorbar")) << g.app_log();
  ASSERT_TRUE(g.wait_widget("grad_1_colorbar")) << g.app_log();
  g.xdo("mousemove 5 5", 700);  // no tooltip over the maps
  const Image shot = g.screenshot("colorbar.png");
  expect_colorbar(shot, g.widget("big_stage_colorbar"), ColormapId::Viridis, "weights bar (viridis)");
  expect_colorbar(shot, g.widget("grad_1_colorbar"), ColormapId::RdBu, "dA bar (rdbu)");
}

TEST(GuiSandbox, PresetClickChangesTheMap) {
  GuiSession g(fresh_home("preset"));
  REQUIRE_SESSION(g);
  const Rect combo = g.widget("preset_combo");
  g.click(combo.cx(), combo.cy());
  ASSERT_TRUE(g.wait_widget("preset_article")) << "the preset list did not open";
  const Rect item = g.widget("preset_article");
  g.click(item.cx(), item.cy());
  g.xdo("mousemove 5 5", 600);  // move away so no tooltip covers the map
  const Rect img = g.widget("big_stage_image");
  const Image shot = g.screenshot("article.png");
  // Article: one query 2, keys 1, 2, 3, no scaling: A = e^{2k} / (e^2 + e^4 + e^6).
  const double z = std::exp(2.0) + std::exp(4.0) + std::exp(6.0);
  for (int j = 0; j < 3; ++j) {
    int x, y;
    cell_point(img, 1, 3, 0, j, &x, &y);
    EXPECT_EQ(shot.at(x, y), expected_weight_color(float(std::exp(2.0 * (j + 1)) / z))) << "key " << j;
  }
}

TEST(GuiSandbox, ProjectionStripEndsWithTheConcatenatedHeadsAndZ) {
  // A projection case: the strip goes on past one head's O to the heads concatenated and to
  // Z = O Wo + bo; a click on Z shows it large in rdbu on [-max|Z|, max|Z|], and the backward
  // pass adds the weights' gradients dWq, dWk, dWv and dWo.
  const std::string home = fresh_home("projection");
  const std::string ws = home + "/proj.json";
  const std::string text = R"({"schema_version": 1, "config": {"mode": "projection", "H": 2, "N": 6, "D": 8, "dk": 4,
    "dv": 4, "mask": "causal"}, "tokens": ["the", "cat", "sat", "on", "the", "mat"],
    "inputs": {"random": {"seed": 3}}, "loss": {"kind": "cell", "row": 5, "col": 1}})";
  std::ofstream(ws) << text;
  const AttentionCase c = case_from_text(text);
  const AttentionResult r = run_attention(c, true);
  GuiSession g(home);
  if (!g.has_display()) GTEST_SKIP() << "Xvfb could not start";
  ASSERT_TRUE(g.start_app("--workspace '" + ws + "'")) << g.app_log();
  ASSERT_TRUE(g.wait_widget("strip_5_image") && g.wait_widget("strip_6_image")) << "no concat / Z stage in the strip";
  EXPECT_TRUE(g.wait_widget("grad_w3_image")) << "no dWo map";
  const Rect z_thumb = g.widget("strip_6_image");
  g.click(z_thumb.cx(), z_thumb.cy());
  g.xdo("mousemove 5 5", 700);
  const Rect img = g.widget("big_stage_image");
  const Image shot = g.screenshot("projection_z.png");
  const float m = r.Z.cwiseAbs().maxCoeff();
  for (auto [i, j] : {std::pair{0, 0}, std::pair{0, 2}, std::pair{3, 4}, std::pair{5, 7}}) {
    int x, y;
    cell_point(img, 6, 8, i, j, &x, &y);
    const Rgb8 e = colormap(ColormapId::RdBu).color(colormap_index(r.Z(i, j), -m, m));
    EXPECT_EQ(shot.at(x, y), (Rgb{e.r, e.g, e.b})) << "Z(" << i << ", " << j << ") = " << r.Z(i, j);
  }
}

TEST(GuiSandbox, CjkTokensDrawAsDistinctGlyphs) {
  // xdotool cannot type CJK reliably (it remaps one spare keycode per character and races), so
  // the tokens come from a workspace file, as a user's saved work would.
  const std::string home = fresh_home("cjk");
  const std::string ws = home + "/cjk.json";
  std::ofstream(ws) << R"({"schema_version": 1, "config": {"mode": "direct", "mask": "causal"},
    "tokens": ["我", "爱", "你"],
    "inputs": {"Q": [[[1, 0], [0, 1], [1, 1]]], "K": [[[1, 0], [0, 1], [1, 1]]], "V": [[[1, 0], [0, 1], [1, 1]]]}})";
  GuiSession g(home);
  if (!g.has_display()) GTEST_SKIP() << "Xvfb could not start";
  ASSERT_TRUE(g.start_app("--workspace '" + ws + "'")) << g.app_log();
  g.xdo("mousemove 5 5", 600);
  const Rect img = g.widget("big_stage_image");
  const Image shot = g.screenshot("cjk.png");
  // Three tokens now: the row labels left of the map show three different glyphs (a missing
  // glyph would draw the same fallback box three times).
  const int rows = 3;
  const double ch = double(img.y1 - img.y0) / rows;
  std::vector<std::vector<int>> ink(rows);
  for (int r = 0; r < rows; ++r) {
    const int y0 = img.y0 + int(r * ch + ch / 2) - 8;
    for (int yy = y0; yy < y0 + 16; ++yy)
      for (int xx = std::max(0, img.x0 - 24); xx < img.x0 - 2; ++xx) {
        const Rgb p = shot.at(xx, yy);
        ink[r].push_back(p.r + p.g + p.b > 300 ? 1 : 0);
      }
  }
  int total[rows] = {0, 0, 0};
  for (int r = 0; r < rows; ++r)
    for (int v : ink[r]) total[r] += v;
  for (int r = 0; r < rows; ++r) EXPECT_GT(total[r], 10) << "row " << r << " label has no ink";
  EXPECT_NE(ink[0], ink[1]);
  EXPECT_NE(ink[1], ink[2]);
  EXPECT_NE(ink[0], ink[2]);
}

// Types a sentence, runs extra key steps, quits with Ctrl+Q and returns the autosaved sentence.
std::string type_then_quit(const std::string& home, const std::string& extra_steps) {
  GuiSession g(home);
  if (!g.has_display() || !g.start_app("--fresh")) {
    ADD_FAILURE() << "cannot start: " << g.app_log();
    return "";
  }
  const Rect field = g.widget("sentence");
  g.click(field.cx(), field.cy());
  g.xdo("key End;key --repeat 25 --delay 120 BackSpace;type --delay 40 'one two three four';key Return", 800);
  // Modifiers are held across frames (a chord faster than one frame would reach the app as
  // separate events, which never happens with a person at the keyboard).
  if (!extra_steps.empty()) g.xdo("mousemove 5 5;" + extra_steps, 600);
  g.xdo("keydown ctrl;key q;keyup ctrl", 300);
  EXPECT_EQ(g.wait_app_exit(10), 0) << g.app_log();
  const std::string saved = slurp_file(home + "/data/attnscope/workspace.json");
  if (saved.empty()) {
    ADD_FAILURE() << "no autosave written";
    return "";
  }
  return nlohmann::json::parse(saved)["view"]["sentence"].get<std::string>();
}

TEST(GuiSandbox, UndoRedo) {
  // One undo step is one frame's change of the text box, so how many characters it takes back
  // depends on how fast frames come; what must hold is: undo shortens the text to a prefix, and
  // redo brings the whole text back.
  const std::string typed = "one two three four";
  const std::string undone = type_then_quit(fresh_home("undo1"), "keydown ctrl;key z;keyup ctrl");
  EXPECT_LT(undone.size(), typed.size());
  EXPECT_EQ(typed.compare(0, undone.size(), undone), 0) << "'" << undone << "' is not a prefix of the typed text";
  EXPECT_EQ(type_then_quit(fresh_home("undo2"), "keydown ctrl;key z;keyup ctrl;keydown ctrl;keydown shift;key z;keyup shift;keyup ctrl"),
            typed);
}

TEST(GuiSandbox, TypingNResizesTheCaseAndLabelsNewTokens) {
  // 300 queries without typing 300 words: the new tokens are t6..t299, the sentence follows, and
  // the case (over 256 x 256: computed on the worker thread) is what the autosave holds.
  const std::string home = fresh_home("n300");
  GuiSession g(home);
  REQUIRE_SESSION(g);
  const Rect n = g.widget("n_queries");
  g.click(n.x0 + 15, n.cy());
  g.xdo("key ctrl+a;type --delay 60 '300';key Return", 1500);
  g.xdo("mousemove 5 5;keydown ctrl;key q;keyup ctrl", 300);
  EXPECT_EQ(g.wait_app_exit(20), 0) << g.app_log();
  const auto j = nlohmann::json::parse(slurp_file(home + "/data/attnscope/workspace.json"));
  EXPECT_EQ(j["config"]["N"], 300);
  EXPECT_EQ(j["config"]["M"], 300) << "self-attention: M follows N";
  ASSERT_EQ(j["tokens"]["queries"].size(), 300u);
  EXPECT_EQ(j["tokens"]["queries"][1], "cat") << "the tokens that stay are kept";
  EXPECT_EQ(j["tokens"]["queries"][299], "t299");
  const std::string sentence = j["view"]["sentence"];
  EXPECT_EQ(sentence.rfind("the cat sat on the mat t6 t7", 0), 0u) << sentence.substr(0, 60);
}

TEST(GuiSandbox, ShortcutTapsShorterThanAFrameCount) {
  // Ctrl+Z then Ctrl+Q with no delay between press and release: both land between two frames,
  // where ImGui 1.86's key state alone would never show them pressed (key_events.h keeps them).
  const std::string home = fresh_home("tap");
  GuiSession g(home);
  REQUIRE_SESSION(g);
  const Rect field = g.widget("sentence");
  g.click(field.cx(), field.cy());
  g.xdo("key End;type --delay 40 ' dog';key Return;mousemove 5 5", 800);
  g.xdo("key --delay 0 ctrl+z", 600);
  g.xdo("key --delay 0 ctrl+q", 300);
  EXPECT_EQ(g.wait_app_exit(10), 0) << "the quit tap was lost: " << g.app_log();
  const auto j = nlohmann::json::parse(slurp_file(home + "/data/attnscope/workspace.json"));
  const std::string sentence = j["view"]["sentence"];
  EXPECT_EQ(sentence.find("dog"), std::string::npos) << "the undo tap was lost: " << sentence;
}

TEST(GuiSandbox, WorkspaceSurvivesARestart) {
  const std::string home = fresh_home("restore");
  ASSERT_EQ(type_then_quit(home, ""), "one two three four");
  // A second launch without --fresh restores it.
  GuiSession g2(home);
  ASSERT_TRUE(g2.has_display());
  ASSERT_TRUE(g2.start_app("")) << g2.app_log();
  g2.xdo("keydown ctrl;key q;keyup ctrl", 300);
  EXPECT_EQ(g2.wait_app_exit(10), 0);
  const auto j = nlohmann::json::parse(slurp_file(home + "/data/attnscope/workspace.json"));
  EXPECT_EQ(j["config"]["N"], 4);
  EXPECT_EQ(j["tokens"]["queries"][3], "four");
}

TEST(GuiSandbox, ExportEqualsTheCliExportOfTheSameView) {
  const std::string home = fresh_home("export");
  const std::string ws = home + "/case.json";
  std::ofstream(ws) << R"({"schema_version": 1, "config": {"mode": "direct", "mask": "causal", "H": 2, "N": 4, "dk": 4},
    "tokens": ["the", "cat", "sat", "down"], "inputs": {"random": {"seed": 5}}})";
  ASSERT_EQ(run_shell("'" + std::string(ATTNSCOPE_BIN) + "' compute --input '" + ws + "' --forward-only --output /dev/null"), 0);
  {
    GuiSession g(home);
    if (!g.has_display()) GTEST_SKIP() << "Xvfb could not start";
    ASSERT_TRUE(g.start_app("--workspace '" + ws + "'")) << g.app_log();
    const Rect save = g.widget("export_weights");
    g.click(save.cx(), save.cy());
    ASSERT_TRUE(g.wait_widget("export_save")) << "the export popup did not open";
    const Rect ok = g.widget("export_save");
    g.click(ok.cx(), ok.cy());
    g.xdo("keydown ctrl;key q;keyup ctrl", 300);
    EXPECT_EQ(g.wait_app_exit(10), 0) << g.app_log();
  }
  const std::string gui_png = home + "/weights_H0.png";
  ASSERT_TRUE(std::filesystem::exists(gui_png)) << "the GUI wrote no file";
  const std::string cli_png = home + "/cli.png";
  ASSERT_EQ(run_shell("'" + std::string(ATTNSCOPE_BIN) + "' export --input '" + ws + "' --view weights --head 0 --cell-px 32 --dpi 150 --out '" + cli_png + "'"), 0);
  const Image a = load_png(gui_png), b = load_png(cli_png);
  ASSERT_GT(a.w, 100);
  EXPECT_EQ(a.w, b.w);
  EXPECT_EQ(a.h, b.h);
  EXPECT_TRUE(a.rgb == b.rgb) << "the GUI's PNG and the CLI's PNG of the same view differ";
}

TEST(GuiNoDisplay, SaysSoAndExitsTwo) {
  const std::string home = fresh_home("nodisplay");
  const int code = run_shell("env -u DISPLAY -u WAYLAND_DISPLAY HOME='" + home + "' '" + std::string(ATTNSCOPE_BIN) +
                             "' --fresh >'" + home + "/out' 2>'" + home + "/err'");
  EXPECT_EQ(code, 2);
  const std::string err = slurp_file(home + "/err");
  EXPECT_NE(err.find("X display"), std::string::npos) << err;
  EXPECT_NE(err.find("attnscope demo"), std::string::npos) << err;
}

}  // namespace
}  // namespace attn::testing
