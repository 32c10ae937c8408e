// The "Positional encodings" and "Cost" tabs and the encoding controls, under Xvfb: heatmap cells
// whose values are known exactly (a sinusoidal table's sin 0 and cos 0, ALiBi's -m (i - j) on one
// colour range for all heads) have exactly the diverging map's colours; choosing an encoding in
// the control column changes the case (absolute ones after switching to projections); the cost
// table is drawn, a time measurement runs to its end in the background, can be cancelled, and a
// quit during a measurement exits cleanly.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

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

// Starts the app on a workspace written from `json`, with the given tab open and the mouse away.
bool open_tab(GuiSession& g, const std::string& json, const std::string& tab) {
  std::string args = "--fresh";
  if (!json.empty()) {
    const std::string ws = g.home() + "/case.json";
    std::ofstream(ws) << json;
    args = "--workspace '" + ws + "'";
  }
  if (!g.start_app(args)) return false;
  const Rect t = g.widget(tab);
  g.click(t.cx(), t.cy());
  g.xdo("mousemove 5 300", 700);  // away from the maps, so no tooltip covers them
  return true;
}

#define REQUIRE_DISPLAY(g) \
  if (!(g).has_display()) GTEST_SKIP() << "Xvfb could not start"

TEST(GuiPositionalTab, SinusoidalTableHasTheExactColoursOfSinAndCos) {
  GuiSession g(fresh_home("sin"));
  REQUIRE_DISPLAY(g);
  ASSERT_TRUE(open_tab(g, R"({"schema_version": 1, "config": {"mode": "projection", "H": 1, "N": 4, "D": 8, "dk": 4,
      "dv": 4, "positional": {"kind": "sinusoidal"}}, "tokens": ["a", "b", "c", "d"], "inputs": {"random": {"seed": 5}}})",
                       "tab_positional"))
      << g.app_log();
  ASSERT_TRUE(g.has_widget("pe_table_image")) << "the PE table was not drawn";
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

TEST(GuiPositionalTab, AlibiBiasesShareOneColourRangeAcrossHeads) {
  GuiSession g(fresh_home("alibi"));
  REQUIRE_DISPLAY(g);
  ASSERT_TRUE(open_tab(g, R"({"schema_version": 1, "config": {"mode": "direct", "H": 2, "N": 4, "dk": 2,
      "positional": {"kind": "alibi"}}, "tokens": ["a", "b", "c", "d"], "inputs": {"random": {"seed": 5}}})",
                       "tab_positional"))
      << g.app_log();
  ASSERT_TRUE(g.has_widget("pe_bias_h0_image") && g.has_widget("pe_bias_h1_image")) << "bias maps missing";
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
  auto choose = [&](const std::string& item) {
    const Rect combo = g.widget("pos_kind_combo");
    g.click(combo.cx(), combo.cy());
    const Rect it = g.widget(item);
    g.click(it.cx(), it.cy());
  };
  choose("pos_kind_alibi");
  const Rect tab = g.widget("tab_positional");
  g.click(tab.cx(), tab.cy());
  EXPECT_TRUE(g.has_widget("pe_bias_h0_image")) << "choosing ALiBi drew no bias map";
  // Absolute encodings need projections: switch, then choose the sinusoidal table.
  const Rect sw = g.widget("pos_switch_projection");
  g.click(sw.cx(), sw.cy());
  choose("pos_kind_sinusoidal");
  g.xdo("mousemove 5 300", 500);
  EXPECT_TRUE(g.has_widget("pe_table_image")) << "no PE table after choosing sinusoidal";
  g.xdo("keydown ctrl;key q;keyup ctrl", 300);
  ASSERT_EQ(g.wait_app_exit(15), 0) << g.app_log();
  const auto j = nlohmann::json::parse(slurp_file(home + "/data/attnscope/workspace.json"));
  EXPECT_EQ(j["config"]["mode"], "projection");
  EXPECT_EQ(j["config"]["positional"]["kind"], "sinusoidal");
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
  ASSERT_TRUE(g.has_widget("cost_table")) << "no cost table";
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
  g.xdo("keydown ctrl;key q;keyup ctrl", 300);
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
  g.xdo("keydown ctrl;key q;keyup ctrl", 300);
  // The worker is cancelled and joined between two runs; the app exits with 0, no abort.
  EXPECT_EQ(g.wait_app_exit(30), 0) << g.app_log();
}

}  // namespace
}  // namespace attn::testing
