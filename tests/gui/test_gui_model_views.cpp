// The Model tab's other views, under Xvfb with the shipped model words-2l4h, each checked against
// the engine computed here: the summaries table sorted by a column selects the head of its first
// row; the diff of two sentences draws A, B and the signed difference A - B with the diverging
// colormap; the big map's aggregates (mean over heads, attention rollout) are the engine's; the
// integrated gradients of the selected layer are the engine's (diverging); the head view keeps
// only the hovered token's lines and draws a strong weight in its head's colour.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <functional>

#include "engine/analysis/attribution.h"
#include "engine/analysis/rollout.h"
#include "engine/figure/color_scale.h"
#include "engine/figure/colormap.h"
#include "engine/model/model_session.h"
#include "tests/gui/gui_harness.h"

namespace attn::testing {
namespace {

const std::string kModelDir =
    (std::filesystem::path(__FILE__).parent_path().parent_path().parent_path() / "assets" / "models" / "words-2l4h").string();

std::string fresh_home(const std::string& name) {
  const std::string dir =
      (std::filesystem::temp_directory_path() / ("attnscope-gui-views-" + name + "-" + std::to_string(getpid()))).string();
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

Inspection inspect(const std::string& text) {
  auto bundle = load_model_bundle(kModelDir);
  InspectRequest req;
  req.text = text;
  req.gradients = false;
  return inspect_sentence(*bundle, req);
}

MaskM causal(int T) {
  MaskM m = MaskM::Zero(T, T);
  for (int i = 0; i < T; ++i)
    for (int j = 0; j <= i; ++j) m(i, j) = 1;
  return m;
}

// A point inside cell (r, c), near its top-left corner (numbers are drawn in the middle).
void cell_point(const Rect& img, int rows, int cols, int r, int c, int* x, int* y) {
  const double cw = double(img.x1 - img.x0) / cols, ch = double(img.y1 - img.y0) / rows;
  *x = img.x0 + int(c * cw + std::min(4.0, cw * 0.2)) + 1;
  *y = img.y0 + int(r * ch + std::min(4.0, ch * 0.2)) + 1;
}

// The pixel shows value v under the colormap on [vmin, vmax]: the table entry of the DESIGN.md
// rule, or a neighbouring entry (the shader computes t in its own float arithmetic).
::testing::AssertionResult shows_value(const Image& shot, int x, int y, const Colormap& cm, float v, float vmin,
                                       float vmax) {
  const Rgb p = shot.at(x, y);
  const int k = colormap_index(v, vmin, vmax);
  for (int d = -1; d <= 1; ++d) {
    const int kk = std::clamp(k + d, 0, kColormapSize - 1);
    const Rgb8 c = cm.color(kk);
    if (p == Rgb{c.r, c.g, c.b}) return ::testing::AssertionSuccess();
  }
  const Rgb8 c = cm.color(k);
  return ::testing::AssertionFailure() << "pixel (" << x << ", " << y << ") is " << p << ", expected " << Rgb{c.r, c.g, c.b}
                                       << " (" << cm.name << " entry " << k << " for " << v << " on [" << vmin << ", "
                                       << vmax << "])";
}

// Checks every cell on and below the diagonal of a heatmap image against `values`, and one cell
// above it against the masked grey. Returns the number of cells checked.
int expect_map(const Image& shot, const Rect& img, const MatRM& values, const Colormap& cm, float vmin, float vmax,
               const std::string& what) {
  const int T = int(values.rows());
  int checked = 0;
  for (int r = 0; r < T; ++r)
    for (int c = 0; c <= r; ++c) {
      int x, y;
      cell_point(img, T, T, r, c, &x, &y);
      EXPECT_TRUE(shows_value(shot, x, y, cm, values(r, c), vmin, vmax)) << what << " cell (" << r << ", " << c << ")";
      ++checked;
    }
  int x, y;
  cell_point(img, T, T, 0, T - 1, &x, &y);
  EXPECT_EQ(shot.at(x, y), (Rgb{kMaskedFill.r, kMaskedFill.g, kMaskedFill.b})) << what << ": masked cell (0, T-1)";
  return checked;
}

// The autosaved workspace's model view, once it satisfies `ok` (autosave runs 1 s after an edit).
nlohmann::json wait_model_state(const std::string& home, const std::function<bool(const nlohmann::json&)>& ok,
                                double seconds = 8.0) {
  nlohmann::json m;
  for (int i = 0; i < int(seconds * 10); ++i) {
    try {
      m = nlohmann::json::parse(slurp_file(home + "/data/attnscope/workspace.json"))["view"]["model"];
      if (ok(m)) return m;
    } catch (const std::exception&) {
      // not written yet
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return m;
}

// The head view's head colours (Tableau 10, app/gui/widgets/head_view.cpp: the GUI tests do not
// link ImGui).
const Rgb kHeadColors[10] = {{78, 121, 167}, {242, 142, 43}, {225, 87, 89},   {118, 183, 178}, {89, 161, 79},
                             {237, 201, 72}, {176, 122, 161}, {255, 157, 167}, {156, 117, 95},  {186, 176, 172}};

int color_distance(const Rgb& a, const Rgb& b) { return std::abs(a.r - b.r) + std::abs(a.g - b.g) + std::abs(a.b - b.b); }

// The largest colour distance from `bg` in the (2 rx + 1) x (2 ry + 1) box around (x, y).
int max_ink(const Image& shot, int x, int y, int rx, int ry, const Rgb& bg) {
  int best = 0;
  for (int yy = y - ry; yy <= y + ry; ++yy)
    for (int xx = x - rx; xx <= x + rx; ++xx) best = std::max(best, color_distance(shot.at(xx, yy), bg));
  return best;
}

// Moves the mouse, lets the app draw a frame there, then clicks: ImGui 1.86 ignores a press on
// an item-overlap widget (a table header) in the frame the mouse arrives from another item.
void move_click(GuiSession& g, int x, int y) {
  g.xdo("mousemove " + std::to_string(x) + " " + std::to_string(y), 300);
  g.xdo("click 1");
}

TEST(GuiModelViews, SummariesSortedByPreviousTokenFirstRowSelectsThatHead) {
  const std::string text = "the dog sees the cat near the tree .";
  // The engine's previous-token head for this sentence (largest previous-token summary).
  const Inspection in = inspect(text);
  int best_l = 0, best_h = 0, low_l = 0, low_h = 0;
  for (int l = 0; l < in.L; ++l)
    for (int h = 0; h < in.H; ++h) {
      const double v = in.summaries[size_t(l)][size_t(h)].previous_token;
      if (v > in.summaries[size_t(best_l)][size_t(best_h)].previous_token) best_l = l, best_h = h;
      if (v < in.summaries[size_t(low_l)][size_t(low_h)].previous_token) low_l = l, low_h = h;
    }
  // On words-2l4h that is L0 H2 (the model's previous-token head); the app starts on L0 H0.
  EXPECT_EQ(best_l, 0);
  EXPECT_EQ(best_h, 2);
  ASSERT_FALSE(best_l == 0 && best_h == 0) << "the test needs a head other than the starting one";
  ASSERT_FALSE(low_l == best_l && low_h == best_h);

  const std::string home = fresh_home("summaries");
  GuiSession g(home);
  if (!g.has_display()) GTEST_SKIP() << "Xvfb could not start";
  ASSERT_TRUE(g.start_app("--fresh --model '" + kModelDir + "' --text '" + text + "'")) << g.app_log();
  ASSERT_TRUE(g.wait_widget("model_settled_T9", 20)) << g.app_log();
  const Rect tab = g.widget("model_tab_summaries");
  move_click(g, tab.cx(), tab.cy());
  ASSERT_TRUE(g.wait_widget("model_summary_header_6")) << "no summaries table";
  ASSERT_TRUE(g.has_widget("model_summary_row_0"));
  // Column 6 is "previous token" (layer, head, similarity, then the summaries in order).
  const Rect header = g.widget("model_summary_header_6");
  const Rect row0 = g.widget("model_summary_row_0");
  // First click: ascending, so the first row is the lowest head.
  move_click(g, header.cx(), header.cy());
  move_click(g, row0.x0 + 6, row0.cy());
  nlohmann::json m = wait_model_state(home, [&](const nlohmann::json& j) { return j["layer"] == low_l && j["head"] == low_h; });
  EXPECT_EQ(m["layer"], low_l) << "ascending sort, first row";
  EXPECT_EQ(m["head"], low_h) << "ascending sort, first row";
  // Second click: descending, so the first row is the previous-token head.
  move_click(g, header.cx(), header.cy());
  move_click(g, row0.x0 + 6, row0.cy());
  m = wait_model_state(home, [&](const nlohmann::json& j) { return j["layer"] == best_l && j["head"] == best_h; });
  EXPECT_EQ(m["layer"], best_l) << "descending sort, first row";
  EXPECT_EQ(m["head"], best_h) << "descending sort, first row";
  EXPECT_EQ(m["big"], "head");
  g.xdo("keydown ctrl;key q;keyup ctrl", 300);
  EXPECT_EQ(g.wait_app_exit(10), 0) << g.app_log();
}

TEST(GuiModelViews, DiffOfTwoSentencesShowsBothMapsAndTheSignedDifference) {
  const std::string text_a = "the dog sees the cat near the tree .";
  const std::string text_b = "the cat sees the dog near the house .";
  const Inspection a = inspect(text_a), b = inspect(text_b);
  ASSERT_EQ(a.T, b.T) << "the test needs two sentences of one length";
  const int T = a.T, L = 1, H = 1;  // the head compared: L1 H1
  const MatRM& ma = a.att[L][H];
  const MatRM& mb = b.att[L][H];
  const MatRM d = signed_difference(ma, mb);
  const MaskM mask = causal(T);
  // The GUI's range for the difference: the gradient colour settings (auto), symmetric about 0.
  const ColorScale ds = resolve_scale(RangeRequest{}, RangeKind::Signed, {ScaleInput{&d, &mask}});
  ASSERT_GT(ds.vmax, 0.05f) << "the two sentences should differ in this head";
  EXPECT_FLOAT_EQ(ds.vmin, -ds.vmax);

  const std::string home = fresh_home("diff");
  GuiSession g(home);
  if (!g.has_display()) GTEST_SKIP() << "Xvfb could not start";
  ASSERT_TRUE(g.start_app("--fresh --model '" + kModelDir + "' --text '" + text_a + "'")) << g.app_log();
  ASSERT_TRUE(g.wait_widget("model_settled_T" + std::to_string(T), 20)) << g.app_log();
  const Rect thumb = g.widget("model_thumb_L1H1_image");
  move_click(g, thumb.cx(), thumb.cy());
  const Rect tab = g.widget("model_tab_diff");
  move_click(g, tab.cx(), tab.cy());
  ASSERT_TRUE(g.wait_widget("model_diff_sentence_mode")) << "no diff controls";
  const Rect mode = g.widget("model_diff_sentence_mode");
  move_click(g, mode.x0 + 8, mode.cy());
  ASSERT_TRUE(g.wait_widget("model_diff_text")) << "no second sentence box";
  const Rect box = g.widget("model_diff_text");
  move_click(g, box.cx(), box.cy());
  g.xdo("type --delay 20 '" + text_b + "';mousemove 5 5", 500);
  ASSERT_TRUE(g.wait_widget("model_diff_ready:" + text_b, 20)) << "the second sentence was not computed: " << g.app_log();
  ASSERT_TRUE(g.has_widget("model_diff_d_image")) << "no difference map for two sentences of one length";
  const Image shot = g.screenshot("diff.png");

  const Colormap& viridis = colormap(ColormapId::Viridis);
  EXPECT_EQ(expect_map(shot, g.widget("model_diff_a_image"), ma, viridis, 0.f, 1.f, "A"), T * (T + 1) / 2);
  EXPECT_EQ(expect_map(shot, g.widget("model_diff_b_image"), mb, viridis, 0.f, 1.f, "B"), T * (T + 1) / 2);
  EXPECT_EQ(expect_map(shot, g.widget("model_diff_d_image"), d, colormap(ColormapId::RdBu), ds.vmin, ds.vmax, "A - B"),
            T * (T + 1) / 2);
  // The map is signed: its most negative and most positive cells are the two ends of the colormap.
  int neg = 0, pos = 0;
  for (int r = 0; r < T; ++r)
    for (int c = 0; c <= r; ++c) {
      neg += d(r, c) < -0.5f * ds.vmax;
      pos += d(r, c) > 0.5f * ds.vmax;
    }
  EXPECT_GT(neg + pos, 0);
  g.xdo("keydown ctrl;key q;keyup ctrl", 300);
  EXPECT_EQ(g.wait_app_exit(10), 0) << g.app_log();
}

TEST(GuiModelViews, BigMapAggregatesAreTheEnginesMeanAndRollout) {
  const std::string text = "a small bird sees the big dog near the house .";
  const Inspection in = inspect(text);
  const int T = in.T;
  const std::string home = fresh_home("aggregate");
  GuiSession g(home);
  if (!g.has_display()) GTEST_SKIP() << "Xvfb could not start";
  ASSERT_TRUE(g.start_app("--fresh --model '" + kModelDir + "' --text '" + text + "'")) << g.app_log();
  ASSERT_TRUE(g.wait_widget("model_settled_T" + std::to_string(T), 20)) << g.app_log();
  // Select layer 1 (mean over heads is of the selected layer).
  const Rect thumb = g.widget("model_thumb_L1H0_image");
  move_click(g, thumb.cx(), thumb.cy());
  const Colormap& viridis = colormap(ColormapId::Viridis);
  const int cells = T * (T + 1) / 2;
  struct Case {
    const char* key;
    MatRM expected;
  };
  const std::vector<Case> cases = {{"mean-heads", mean_over_heads(in.att[1])}, {"rollout", attention_rollout(in.att)}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.key);
    const Rect combo = g.widget("model_big_kind");
    move_click(g, combo.cx(), combo.cy());
    ASSERT_TRUE(g.wait_widget(std::string("model_big_kind_") + c.key)) << "the combo did not open";
    const Rect item = g.widget(std::string("model_big_kind_") + c.key);
    move_click(g, item.x0 + 10, item.cy());
    g.xdo("mousemove 5 5", 700);
    const Image shot = g.screenshot(std::string("big_") + c.key + ".png");
    EXPECT_EQ(expect_map(shot, g.widget("model_big_image"), c.expected, viridis, 0.f, 1.f, c.key), cells);
  }
  // The rollout is not any single layer's mean (the check above would not tell them apart otherwise).
  EXPECT_GT((cases[0].expected - cases[1].expected).cwiseAbs().maxCoeff(), 0.05f);
  g.xdo("keydown ctrl;key q;keyup ctrl", 300);
  EXPECT_EQ(g.wait_app_exit(10), 0) << g.app_log();
  const auto ws = nlohmann::json::parse(slurp_file(home + "/data/attnscope/workspace.json"));
  EXPECT_EQ(ws["view"]["model"]["big"], "rollout");
}

TEST(GuiModelViews, IntegratedGradientsOfTheSelectedLayerAreTheEngines) {
  const std::string text = "the dog sees the cat near the tree .";
  // Layer 0: in the last layer only the target's row reaches F (the other rows are all 0).
  const int layer = 0;
  auto bundle = load_model_bundle(kModelDir);
  InspectRequest req;
  req.text = text;
  req.ig_layer = layer;
  req.ig_steps = 16;  // the GUI's default steps; target: the top next token after the last one
  const Inspection in = inspect_sentence(*bundle, req);
  ASSERT_EQ(in.ig.per_head.size(), size_t(in.H));
  const int T = in.T;
  const MaskM mask = causal(T);
  // The head whose map has the most cells far from white (the check sees more than a blank map).
  int head = 0, strong = -1;
  ColorScale cs;
  for (int h = 0; h < in.H; ++h) {
    const MatRM& m = in.ig.per_head[size_t(h)];
    const ColorScale hs = resolve_scale(RangeRequest{}, RangeKind::Signed, {ScaleInput{&m, &mask}});
    int n = 0;
    for (int r = 0; r < T; ++r)
      for (int c = 0; c <= r; ++c) n += std::abs(m(r, c)) > 0.1f * hs.vmax;
    if (n > strong) strong = n, head = h, cs = hs;
  }
  ASSERT_GE(strong, 4);
  const MatRM& ig = in.ig.per_head[size_t(head)];

  GuiSession g(fresh_home("ig"));
  if (!g.has_display()) GTEST_SKIP() << "Xvfb could not start";
  ASSERT_TRUE(g.start_app("--fresh --model '" + kModelDir + "' --text '" + text + "'")) << g.app_log();
  ASSERT_TRUE(g.wait_widget("model_settled_T" + std::to_string(T), 20)) << g.app_log();
  const Rect thumb = g.widget("model_thumb_L" + std::to_string(layer) + "H" + std::to_string(head) + "_image");
  move_click(g, thumb.cx(), thumb.cy());
  const Rect combo = g.widget("model_map");
  move_click(g, combo.cx(), combo.cy());
  ASSERT_TRUE(g.wait_widget("model_map_model-ig")) << "the map combo did not open";
  const Rect item = g.widget("model_map_model-ig");
  move_click(g, item.x0 + 10, item.cy());
  g.xdo("mousemove 5 5", 300);
  // IG runs in the background: wait until the big map shows it (every cell within one table entry).
  const Colormap& rdbu = colormap(ColormapId::RdBu);
  Image shot;
  Rect img;
  bool shown = false;
  for (int attempt = 0; attempt < 30 && !shown; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    shot = g.screenshot("ig.png");
    img = g.widget("model_big_image");
    shown = true;
    for (int r = 0; r < T && shown; ++r)
      for (int c = 0; c <= r && shown; ++c) {
        int x, y;
        cell_point(img, T, T, r, c, &x, &y);
        shown = bool(shows_value(shot, x, y, rdbu, ig(r, c), cs.vmin, cs.vmax));
      }
  }
  EXPECT_EQ(expect_map(shot, img, ig, rdbu, cs.vmin, cs.vmax, "IG"), T * (T + 1) / 2);
  g.xdo("keydown ctrl;key q;keyup ctrl", 300);
  EXPECT_EQ(g.wait_app_exit(10), 0) << g.app_log();
}

TEST(GuiModelViews, HeadViewHoverKeepsOnlyTheTokensLines) {
  const std::string text = "the dog sees the cat near the tree .";
  const Inspection in = inspect(text);
  const int T = in.T;
  // The strongest link to an earlier token among the later queries (hovering a query opens a
  // tooltip below and right of it, over the rows after it: only the rows before it are checked).
  int head = 0, q = 0, key = 0;
  float strongest = -1.f;
  for (int h = 0; h < in.H; ++h)
    for (int i = T / 2; i < T; ++i)
      for (int j = 0; j < i; ++j)
        if (in.att[0][size_t(h)](i, j) > strongest) strongest = in.att[0][size_t(h)](i, j), head = h, q = i, key = j;
  ASSERT_GT(strongest, 0.5f);
  const MatRM& A = in.att[0][size_t(head)];

  GuiSession g(fresh_home("headview"));
  if (!g.has_display()) GTEST_SKIP() << "Xvfb could not start";
  ASSERT_TRUE(g.start_app("--fresh --model '" + kModelDir + "' --text '" + text + "'")) << g.app_log();
  ASSERT_TRUE(g.wait_widget("model_settled_T" + std::to_string(T), 20)) << g.app_log();
  const Rect tab = g.widget("model_tab_head_view");
  move_click(g, tab.cx(), tab.cy());
  ASSERT_TRUE(g.wait_widget("model_head_view_lines")) << "no head view";
  // Show only `head`: hide the others with their buttons.
  for (int h = 0; h < in.H; ++h) {
    if (h == head) continue;
    const Rect b = g.widget("model_hv_head_" + std::to_string(h));
    move_click(g, b.cx(), b.cy());
  }
  g.xdo("mousemove 5 5", 500);
  const Rect lines = g.widget("model_head_view_lines");
  const Rect area = g.widget("model_head_view_area");
  const double row_h = double(lines.y1 - lines.y0) / (T - 1);
  auto y_of = [&](int i) { return int(std::lround(lines.y0 + i * row_h)); };
  const Image before = g.screenshot("headview.png");
  const Rgb bg = before.at((lines.x0 + lines.x1) / 2, area.y1 - 4);  // below the rows: no lines
  // Hover token q on the left.
  g.xdo("mousemove " + std::to_string(lines.x0 - 20) + " " + std::to_string(y_of(q)), 700);
  const Image after = g.screenshot("headview_hover.png");

  // Just right of the left column every row's lines start; with the hover only row q's remain.
  int rows_checked = 0;
  for (int i = 0; i < q; ++i) {
    if (A.row(i).maxCoeff() < 0.3f) continue;
    EXPECT_GT(max_ink(before, lines.x0 + 3, y_of(i), 1, 2, bg), 30) << "row " << i << " has no line without the hover";
    EXPECT_LT(max_ink(after, lines.x0 + 3, y_of(i), 1, 2, bg), 10) << "row " << i << " still has lines under the hover";
    ++rows_checked;
  }
  EXPECT_GE(rows_checked, 3);
  EXPECT_GT(max_ink(after, lines.x0 + 3, y_of(q), 1, 2, bg), 30) << "the hovered row lost its lines";
  // The strongest link, halfway: the head's colour at opacity A(q, key) over the background
  // (ImGui blends src * a + dst * (1 - a); the best of the pixels around the centre of the line).
  const Rgb hc = kHeadColors[head % 10];
  const float alpha = float(int(std::clamp(strongest, 0.f, 1.f) * 255.f + 0.5f)) / 255.f;
  const Rgb want{int(std::lround(hc.r * alpha + bg.r * (1 - alpha))), int(std::lround(hc.g * alpha + bg.g * (1 - alpha))),
                 int(std::lround(hc.b * alpha + bg.b * (1 - alpha)))};
  const int mx = (lines.x0 + lines.x1) / 2, my = (y_of(q) + y_of(key)) / 2;
  int best = 1 << 30;
  for (int yy = my - 2; yy <= my + 2; ++yy)
    for (int xx = mx - 1; xx <= mx + 1; ++xx) best = std::min(best, color_distance(after.at(xx, yy), want));
  EXPECT_LT(best, 24) << "line " << q << " -> " << key << " of head " << head << " (weight " << strongest
                      << ") is not drawn in its colour " << want << " near (" << mx << ", " << my << ")";
  g.xdo("keydown ctrl;key q;keyup ctrl", 300);
  EXPECT_EQ(g.wait_app_exit(10), 0) << g.app_log();
}

}  // namespace
}  // namespace attn::testing
