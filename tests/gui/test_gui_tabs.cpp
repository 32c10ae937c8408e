// The "Positional encodings" and "Cost" tabs and the encoding controls, under Xvfb: heatmap cells
// whose values are known exactly (a sinusoidal table's sin 0 and cos 0, ALiBi's -m (i - j) on one
// colour range for all heads) have exactly the diverging map's colours; choosing an encoding in
// the control column changes the case (absolute ones after switching to projections); the cost
// table is drawn, a time measurement runs to its end in the background, can be cancelled, and a
// quit during a measurement exits cleanly.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/figure/colormap.h"
#include "tests/gui/gui_harness.h"

namespace attn::testing {
namespace {

std::string fresh_home(const std::string& name) {
  const std::string dir =
      (std::filesystem::temp_directory_path() / ("attnscope-gui-tabs-" + name + "-" + std::to_string(getpid()))).string();
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// The diverging map (rdbu, the GUI's default) at value v on the range [-m, m].
Rgb diverging(float v, float m) {
  const Rgb8 c = colormap(ColormapId::RdBu).color(colormap_index(v, -m, m));
  return {c.r, c.g, c.b};
}

// A point inside cell (r, c) of a heatmap image near its top-left corner (numbers sit in the middle).
void cell_point(const Rect& img, int rows, int cols, int r, int c, int* x, int* y) {
  const double cw = double(img.x1 - img.x0) / cols, ch = double(img.y1 - img.y0) / rows;
  *x = img.x0 + int(c * cw + std::min(4.0, cw * 0.2)) + 1;
  *y = img.y0 + int(r * ch + std::min(4.0, ch * 0.2)) + 1;
}

Rgb pixel(const Image& shot, const Rect& img, int rows, int cols, int r, int c) {
  int x, y;
  cell_point(img, rows, cols, r, c, &x, &y);
  return shot.at(x, y);
}

// The widget only a tab draws (hooks stay in the file once drawn, so it proves the tab opened once).
std::string tab_marker(const std::string& tab) { return tab == "tab_cost" ? "cost_table" : "pe_preview"; }

// Clicks a tab until its content has been drawn: under a loaded machine a click on a tab now and
// then does not take (the click is repeated; clicking the open tab again does nothing).
bool click_tab(GuiSession& g, const std::string& tab) {
  for (int attempt = 0; attempt < 4; ++attempt) {
    const Rect t = g.widget(tab);
    g.click(t.cx(), t.cy());
    if (g.has_widget(tab_marker(tab))) return true;
  }
  return false;
}

// Starts the app on a workspace written from `json`, with the given tab open and the mouse away.
bool open_tab(GuiSession& g, const std::string& json, const std::string& tab) {
  std::string args = "--fresh";
  if (!json.empty()) {
    const std::string ws = g.home() + "/case.json";
    std::ofstream(ws) << json;
    args = "--workspace '" + ws + "'";
  }
  if (!g.start_app(args) || !click_tab(g, tab)) return false;
  g.xdo("mousemove 5 300", 700);  // away from the maps, so no tooltip covers them
  return true;
}

// Ctrl+Q with both keys held over several frames (a tap faster than a frame can be missed by
// ImGui 1.86's key state when the machine is busy).
void quit(GuiSession& g) { g.xdo("keydown ctrl;keydown q;sleep 0.4;keyup q;keyup ctrl", 300); }

#define REQUIRE_DISPLAY(g) \
  if (!(g).has_display()) GTEST_SKIP() << "Xvfb could not start"

TEST(GuiPositionalTab, SinusoidalTableHasTheExactColoursOfSinAndCos) {
  GuiSession g(fresh_home("sin"));
  REQUIRE_DISPLAY(g);
  ASSERT_TRUE(open_tab(g, R"({"schema_version": 1, "config": {"mode": "projection", "H": 1, "N": 4, "D": 8, "dk": 4,
      "dv": 4, "positional": {"kind": "sinusoidal"}}, "tokens": ["a", "b", "c", "d"], "inputs": {"random": {"seed": 5}}})",
                       "tab_positional"))
      << g.app_log();
  ASSERT_TRUE(g.wait_widget("pe_table_image")) << "the PE table was not drawn";
  const Rect img = g.widget("pe_table_image");
  const Image shot = g.screenshot("pe_sinusoidal.png");
  // P (4 positions x 8 dims), range [-1, 1] (max |v| = cos 0 = 1): P(0, 0) = sin 0 = 0 is the
  // map's centre, P(0, 1) = cos 0 = 1 its top, P(1, 0) = sin 1 and P(2, 1) = cos 2 in between.
  EXPECT_EQ(pixel(shot, img, 4, 8, 0, 0), diverging(0.f, 1.f));
  EXPECT_EQ(pixel(shot, img, 4, 8, 0, 1), diverging(1.f, 1.f));
  EXPECT_EQ(pixel(shot, img, 4, 8, 1, 0), diverging(std::sin(1.f), 1.f));
  EXPECT_EQ(pixel(shot, img, 4, 8, 2, 1), diverging(std::cos(2.f), 1.f));
  EXPECT_FALSE(diverging(0.f, 1.f) == diverging(1.f, 1.f));  // the test can tell the two apart
  // P P^T: the diagonal is sum_k (sin^2 + cos^2) = d/2 = 4, the largest value: the map's top.
  const Rect sim = g.widget("pe_similarity_image");
  EXPECT_EQ(pixel(shot, sim, 4, 4, 2, 2), diverging(4.f, 4.f));
}

TEST(GuiPositionalTab, CaseWithoutEncodingPreviewsASinusoidalTable) {
  // The default example has no positional encoding: the tab previews the sinusoidal table (128
  // positions x 64 dims) instead of opening empty. P(0, 1) = cos 0 = 1 is the top of its range.
  GuiSession g(fresh_home("preview"));
  REQUIRE_DISPLAY(g);
  ASSERT_TRUE(open_tab(g, "", "tab_positional")) << g.app_log();
  ASSERT_TRUE(g.wait_widget("pe_table_image")) << "no table drawn for a case without an encoding";
  const Rect img = g.widget("pe_table_image");
  const Image shot = g.screenshot("pe_preview.png");
  EXPECT_EQ(pixel(shot, img, 128, 64, 0, 1), diverging(1.f, 1.f));
}

TEST(GuiPositionalTab, SaveWritesTheTableShownAsCsvAndPng) {
  // The PE table is no attention view: its Save... writes the numbers shown (here the previewed
  // sinusoidal table, 128 positions x 64 dims) with the same writers as every other export.
  const std::string home = fresh_home("pe_save");
  GuiSession g(home);
  REQUIRE_DISPLAY(g);
  ASSERT_TRUE(open_tab(g, "", "tab_positional")) << g.app_log();
  for (const std::string name : {"pe.csv", "pe.png"}) {
    ASSERT_TRUE(g.wait_widget("export_pe_table")) << g.app_log();
    const Rect save = g.widget("export_pe_table");
    g.click(save.cx(), save.cy());
    ASSERT_TRUE(g.wait_widget("export_path")) << "the export popup did not open";
    const Rect path = g.widget("export_path");
    g.click(path.cx(), path.cy());
    g.xdo("keydown ctrl;key a;keyup ctrl;type --delay 30 '" + name + "';key Return", 1200);
  }
  quit(g);
  EXPECT_EQ(g.wait_app_exit(10), 0) << g.app_log();
  std::ifstream csv(home + "/pe.csv");
  ASSERT_TRUE(csv.good()) << "no CSV written";
  std::vector<std::vector<double>> rows;
  for (std::string line; std::getline(csv, line);) {
    std::vector<double> r;
    std::stringstream ss(line);
    for (std::string cell; std::getline(ss, cell, ',');) r.push_back(std::stod(cell));
    rows.push_back(r);
  }
  ASSERT_EQ(rows.size(), 128u);
  ASSERT_EQ(rows[0].size(), 64u);
  for (int p : {0, 5, 127})
    for (int k : {0, 3, 31}) {
      const double angle = p / std::pow(10000.0, 2.0 * k / 64);
      EXPECT_NEAR(rows[size_t(p)][size_t(2 * k)], std::sin(angle), 1e-6) << p << ", " << k;
      EXPECT_NEAR(rows[size_t(p)][size_t(2 * k + 1)], std::cos(angle), 1e-6) << p << ", " << k;
    }
  const Image png = load_png(home + "/pe.png");
  EXPECT_GT(png.w, 200) << "no PNG figure written";
}

TEST(GuiPositionalTab, AlibiBiasesShareOneColourRangeAcrossHeads) {
  GuiSession g(fresh_home("alibi"));
  REQUIRE_DISPLAY(g);
  ASSERT_TRUE(open_tab(g, R"({"schema_version": 1, "config": {"mode": "direct", "H": 2, "N": 4, "dk": 2,
      "positional": {"kind": "alibi"}}, "tokens": ["a", "b", "c", "d"], "inputs": {"random": {"seed": 5}}})",
                       "tab_positional"))
      << g.app_log();
  ASSERT_TRUE(g.wait_widget("pe_bias_h0_image") && g.wait_widget("pe_bias_h1_image")) << "bias maps missing";
  const Rect h0 = g.widget("pe_bias_h0_image"), h1 = g.widget("pe_bias_h1_image");
  const Image shot = g.screenshot("pe_alibi.png");
  // H = 2: slopes 2^-4 and 2^-8. B(i, j) = -m (i - j) for j <= i, 0 after (the causal form).
  // Both heads use [-3/16, 3/16], the largest |B| (head 0, row 3, key 0).
  const float m = 3.f / 16.f;
  EXPECT_EQ(pixel(shot, h0, 4, 4, 3, 0), diverging(-3.f / 16.f, m));  // the map's bottom
  EXPECT_EQ(pixel(shot, h0, 4, 4, 1, 0), diverging(-1.f / 16.f, m));
  EXPECT_EQ(pixel(shot, h0, 4, 4, 0, 0), diverging(0.f, m));
  EXPECT_EQ(pixel(shot, h0, 4, 4, 0, 3), diverging(0.f, m));  // a future key: no bias
  EXPECT_EQ(pixel(shot, h1, 4, 4, 3, 0), diverging(-3.f / 256.f, m));
  EXPECT_FALSE(diverging(-3.f / 16.f, m) == diverging(-3.f / 256.f, m));
}

TEST(GuiPositionalControls, ChoosingEncodingsChangesTheCase) {
  const std::string home = fresh_home("controls");
  GuiSession g(home);
  REQUIRE_DISPLAY(g);
  ASSERT_TRUE(g.start_app("--fresh")) << g.app_log();  // the default example: direct mode
  auto choose = [&](const std::string& item, const std::string& combo_name = "pos_kind_combo") {
    const Rect combo = g.widget(combo_name);
    g.click(combo.cx(), combo.cy());
    ASSERT_TRUE(g.wait_widget(item)) << item << " did not appear";
    const Rect it = g.widget(item);
    g.click(it.cx(), it.cy());
  };
  choose("pos_kind_alibi");
  ASSERT_TRUE(click_tab(g, "tab_positional"));
  EXPECT_TRUE(g.wait_widget("pe_bias_h0_image")) << "choosing ALiBi drew no bias map";
  // Absolute encodings need projections: switch, then choose the sinusoidal table.
  const Rect sw = g.widget("pos_switch_projection");
  g.click(sw.cx(), sw.cy());
  choose("pos_kind_sinusoidal");
  g.xdo("mousemove 5 300", 500);
  EXPECT_TRUE(g.wait_widget("pe_table_image")) << "no PE table after choosing sinusoidal";
  // The general score q^T W k gets its W; Shaw's relative keys then need a dot score: the engine
  // refuses, and the case keeps the sinusoidal encoding (the message goes to the status line).
  choose("score_kind_general", "score_kind_combo");
  choose("pos_kind_shaw");
  g.xdo("mousemove 5 300", 300);
  g.screenshot("controls_refused.png");
  EXPECT_TRUE(g.wait_widget("pos_refused")) << "the refusal was not shown next to the controls";
  quit(g);
  ASSERT_EQ(g.wait_app_exit(15), 0) << g.app_log();
  const auto j = nlohmann::json::parse(slurp_file(home + "/data/attnscope/workspace.json"));
  EXPECT_EQ(j["config"]["mode"], "projection");
  EXPECT_EQ(j["config"]["positional"]["kind"], "sinusoidal");
  EXPECT_EQ(j["config"]["score"]["kind"], "general");
  EXPECT_EQ(j["inputs"]["W_score"].size(), 2u) << "one W per head";
}

// Clicks an item of the "max N" combo of the Cost tab.
void choose_max_n(GuiSession& g, const std::string& n) {
  const Rect combo = g.widget("cost_max_n");
  g.click(combo.cx(), combo.cy());
  const Rect it = g.widget("cost_max_" + n);
  g.click(it.cx(), it.cy());
}

bool wait_for_widget(GuiSession& g, const std::string& name, double seconds) {
  for (int i = 0; i < int(seconds * 5); ++i) {
    if (g.has_widget(name)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return false;
}

TEST(GuiCostTab, TableAndAMeasurementThatRunsToTheEndOrIsCancelled) {
  GuiSession g(fresh_home("cost"));
  REQUIRE_DISPLAY(g);
  ASSERT_TRUE(open_tab(g, "", "tab_cost")) << g.app_log();
  ASSERT_TRUE(g.wait_widget("cost_table")) << "no cost table";
  const Rect table = g.widget("cost_table");
  EXPECT_GT(table.y1 - table.y0, 100) << "the table has no rows";
  choose_max_n(g, "256");
  const Rect measure = g.widget("cost_measure_button");
  g.click(measure.cx(), measure.cy());
  ASSERT_TRUE(wait_for_widget(g, "cost_result", 90)) << "the measurement did not finish";
  EXPECT_TRUE(g.has_widget("cost_progress")) << "no progress bar while it ran";
  EXPECT_TRUE(g.has_widget("cost_plot_ms"));
  g.xdo("mousemove 5 300", 300);
  g.screenshot("cost_done.png");
  // A long measurement: Cancel stops it between runs and says so.
  choose_max_n(g, "4096");
  g.click(measure.cx(), measure.cy());
  ASSERT_TRUE(wait_for_widget(g, "cost_cancel_button", 10)) << "no Cancel button while running";
  const Rect cancel = g.widget("cost_cancel_button");
  g.click(cancel.cx(), cancel.cy());
  EXPECT_TRUE(wait_for_widget(g, "cost_cancelled", 30)) << "the cancel was not confirmed";
  quit(g);
  EXPECT_EQ(g.wait_app_exit(15), 0) << g.app_log();
}

TEST(GuiCostTab, QuitDuringAMeasurementExitsCleanly) {
  GuiSession g(fresh_home("cost-quit"));
  REQUIRE_DISPLAY(g);
  ASSERT_TRUE(open_tab(g, "", "tab_cost")) << g.app_log();
  choose_max_n(g, "4096");
  const Rect measure = g.widget("cost_measure_button");
  g.click(measure.cx(), measure.cy());
  ASSERT_TRUE(wait_for_widget(g, "cost_progress", 10));
  quit(g);
  // The worker is cancelled and joined between two runs; the app exits with 0, no abort.
  EXPECT_EQ(g.wait_app_exit(30), 0) << g.app_log();
}

}  // namespace
}  // namespace attn::testing
