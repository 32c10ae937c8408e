// The figure exporter as a user sees its files: the PNG's cells are exactly the colormap's colours,
// the colour bar runs from the table's first to its last entry, labels and titles leave ink,
// Chinese labels are glyphs (not the missing-glyph box), the PNG records its DPI and a
// description, the SVG is well-formed XML and the PDF rasterizes to the same cell colours.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "engine/core/error.h"
#include "engine/figure/figure.h"
#include "tests/engine/image_test_util.h"

namespace attn {
namespace {

using testing::decode_png;
using testing::Image;
using testing::ink_pixels;

// A small temporary folder for files that external tools read.
struct TmpDir {
  std::filesystem::path path;
  TmpDir() {
    std::string t = (std::filesystem::temp_directory_path() / "attnscope-figure-XXXXXX").string();
    path = mkdtemp(t.data());
  }
  ~TmpDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string file(const std::string& n) const { return (path / n).string(); }
};

void write_bytes(const std::string& path, const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }
std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
int run(const std::string& cmd) {
  const int st = std::system(cmd.c_str());
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

// rows x cols values spread over [lo, hi] in a scrambled order, so neighbouring cells differ.
MatRM spread(long rows, long cols, float lo, float hi) {
  MatRM m(rows, cols);
  const long n = rows * cols;
  for (long k = 0; k < n; ++k) m.data()[k] = lo + (hi - lo) * float((k * 7) % n) / float(n - 1);
  return m;
}

HeatmapPanel weights_panel(long rows, long cols) {
  HeatmapPanel p;
  p.values = spread(rows, cols, 0.f, 1.f);
  for (long i = 0; i < rows; ++i) p.row_labels.push_back("q" + std::to_string(i));
  for (long j = 0; j < cols; ++j) p.col_labels.push_back("k" + std::to_string(j));
  p.scale = ColorScale{ColormapId::Viridis, 0.f, 1.f, false};
  return p;
}

FigureSpec one_panel(HeatmapPanel p, double cell_px = 20) {
  FigureSpec s;
  s.title = "L0 H3 \u00b7 weights";
  s.panels.push_back(std::move(p));
  s.style.cell_px = cell_px;
  return s;
}

// Every cell's centre pixel equals the colormap colour of its value (or the masked grey).
int count_wrong_cells(const Image& img, const HeatmapPanel& p, const PanelLayout& pl, int tolerance = 0) {
  int bad = 0;
  for (long i = 0; i < p.values.rows(); ++i)
    for (long j = 0; j < p.values.cols(); ++j) {
      const int x = int(pl.heatmap.x + (j + 0.5) * pl.heatmap.w / double(p.values.cols()));
      const int y = int(pl.heatmap.y + (i + 0.5) * pl.heatmap.h / double(p.values.rows()));
      const float v = p.values(i, j);
      const bool masked = std::isnan(v) || (p.mask.size() && !p.mask(i, j));
      const Rgb8 got = img.rgb(x, y);
      if (masked) {  // the light grey, or the hatch over it: neutral either way
        const bool grey = got.r == got.g && got.g == got.b && got.r >= kMaskedHatch.r - tolerance &&
                          got.r <= kMaskedFill.r + tolerance;
        if (!grey && ++bad <= 3) ADD_FAILURE() << "masked cell (" << i << ", " << j << ") is not neutral grey";
        continue;
      }
      const Rgb8 want = p.scale.color(v);
      const int d = std::max({std::abs(got.r - want.r), std::abs(got.g - want.g), std::abs(got.b - want.b)});
      if (d > tolerance && ++bad <= 3)
        ADD_FAILURE() << "cell (" << i << ", " << j << ") at pixel (" << x << ", " << y << "): got " << int(got.r) << ","
                      << int(got.g) << "," << int(got.b) << " want " << int(want.r) << "," << int(want.g) << ","
                      << int(want.b);
    }
  return bad;
}

TEST(Figure, PngCellsAreExactlyTheColormapColours) {
  for (ColormapId id : {ColormapId::Viridis, ColormapId::Magma, ColormapId::Grey}) {
    HeatmapPanel p = weights_panel(6, 9);
    p.scale.cmap = id;
    const FigureSpec spec = one_panel(p);
    const FigureLayout L = layout_figure(spec);
    const Image img = decode_png(render_figure(spec, ImageFormat::PNG));
    ASSERT_TRUE(img.ok());
    ASSERT_EQ(img.w, L.width);
    ASSERT_EQ(img.h, L.height);
    EXPECT_EQ(count_wrong_cells(img, spec.panels[0], L.panels[0]), 0) << colormap(id).name;
    // One colour per cell: every pixel of a cell (not just the centre) has it, up to the edges.
    const Box& h = L.panels[0].heatmap;
    const Rgb8 c = p.scale.color(p.values(2, 3));
    for (int y = int(h.y) + 2 * 20; y < int(h.y) + 3 * 20; ++y)
      for (int x = int(h.x) + 3 * 20; x < int(h.x) + 4 * 20; ++x) ASSERT_EQ(img.rgb(x, y), c) << x << "," << y;
  }
}

TEST(Figure, DivergingScaleAndFractionalCellsStayOneColourPerCell) {
  HeatmapPanel p = weights_panel(7, 5);
  p.values = spread(7, 5, -2.5f, 1.5f);
  p.scale = ColorScale{ColormapId::RdBu, -2.5f, 2.5f, false};
  FigureSpec spec = one_panel(p, 0);
  spec.style.width_px = 517;  // cells of a fractional size
  const FigureLayout L = layout_figure(spec);
  EXPECT_EQ(L.width, 517);
  EXPECT_GE(L.panels[0].cell_w, 1.0);
  const Image img = decode_png(render_figure(spec, ImageFormat::PNG));
  ASSERT_TRUE(img.ok());
  EXPECT_EQ(img.w, 517);
  EXPECT_EQ(count_wrong_cells(img, spec.panels[0], L.panels[0]), 0);
  // No blended colours inside the heatmap: every pixel is one of the table's entries.
  const Box& h = L.panels[0].heatmap;
  const Colormap& cm = colormap(ColormapId::RdBu);
  int foreign = 0;
  for (int y = int(h.y); y < int(h.y + h.h); ++y)
    for (int x = int(h.x); x < int(h.x + h.w); ++x) {
      bool found = false;
      for (int k = 0; k < 256 && !found; ++k) found = cm.color(k) == img.rgb(x, y);
      foreign += !found;
    }
  EXPECT_EQ(foreign, 0) << "pixels that are no colormap entry (blending across cell edges)";
}

TEST(Figure, ColourBarEndsAreTheColormapEnds) {
  for (ColormapId id : {ColormapId::Viridis, ColormapId::RdBu, ColormapId::Cividis}) {
    HeatmapPanel p = weights_panel(4, 4);
    p.scale.cmap = id;
    const FigureSpec spec = one_panel(p);
    const FigureLayout L = layout_figure(spec);
    const Image img = decode_png(render_figure(spec, ImageFormat::PNG));
    const Box& bar = L.colorbar;
    ASSERT_GT(bar.w, 4);
    ASSERT_GE(bar.h, 80);
    const int x = int(bar.cx());
    const Colormap& cm = colormap(id);
    EXPECT_EQ(img.rgb(x, int(bar.y)), cm.color(255)) << cm.name << ": top of the bar = vmax end";
    EXPECT_EQ(img.rgb(x, int(bar.y + bar.h) - 1), cm.color(0)) << cm.name << ": bottom of the bar = vmin end";
    // Every row of the bar is a table entry, running down through the table without a jump
    // back up, and the middle row is near the middle entry.
    int last = 255;
    for (int y = int(bar.y); y < int(bar.y + bar.h); ++y) {
      int k = last;
      while (k >= 0 && cm.color(k) != img.rgb(x, y)) --k;
      ASSERT_GE(k, 0) << cm.name << ": bar row " << y << " is not a table entry at or below " << last;
      last = k;
    }
    int k_mid = 255;
    while (k_mid >= 0 && cm.color(k_mid) != img.rgb(x, int(bar.y + bar.h / 2))) --k_mid;
    EXPECT_NEAR(k_mid, 127.5, 256.0 / bar.h + 1) << cm.name;
    // Tick labels to the right of the bar leave ink.
    EXPECT_GT(ink_pixels(img, int(bar.x + bar.w + 2), int(bar.y) - 8, L.width, int(bar.y + bar.h) + 8), 50);
  }
}

TEST(Figure, LabelsAndTitleLeaveInkWhereTheLayoutPutsThem) {
  const FigureSpec spec = one_panel(weights_panel(5, 6), 30);
  const FigureLayout L = layout_figure(spec);
  const Image img = decode_png(render_figure(spec, ImageFormat::PNG));
  const PanelLayout& pl = L.panels[0];
  ASSERT_GT(pl.row_labels.w, 0);
  ASSERT_GT(pl.col_labels.h, 0);
  // Each row label sits in its row's band; each column label under its column.
  for (int i = 0; i < 5; ++i) {
    const int y0 = int(pl.heatmap.y + i * 30), y1 = y0 + 30;
    EXPECT_GT(ink_pixels(img, int(pl.row_labels.x), y0, int(pl.row_labels.x + pl.row_labels.w), y1), 10) << "row " << i;
  }
  for (int j = 0; j < 6; ++j) {
    const int x0 = int(pl.heatmap.x + j * 30), x1 = x0 + 30;
    EXPECT_GT(ink_pixels(img, x0, int(pl.col_labels.y), x1, int(pl.col_labels.y + pl.col_labels.h)), 10) << "col " << j;
  }
  EXPECT_GT(ink_pixels(img, int(L.title.x), int(L.title.y), int(L.title.x + L.title.w), int(L.title.y + L.title.h)), 50);
  // A figure without a title has no ink up there.
  FigureSpec untitled = spec;
  untitled.title.clear();
  const FigureLayout L2 = layout_figure(untitled);
  const Image img2 = decode_png(render_figure(untitled, ImageFormat::PNG));
  EXPECT_EQ(ink_pixels(img2, 0, 0, int(L2.colorbar.x), int(L2.panels[0].heatmap.y) - 2), 0);
}

TEST(Figure, ManyLabelsAreThinnedAndLongOnesRotated) {
  HeatmapPanel p = weights_panel(128, 128);
  p.col_labels[3] = "a-rather-long-token-label";
  const FigureSpec spec = one_panel(p, 4);
  const FigureLayout L = layout_figure(spec);
  const PanelLayout& pl = L.panels[0];
  EXPECT_GT(pl.row_step, 1);
  EXPECT_GE(pl.row_step * pl.cell_h, L.line_px) << "drawn labels are at least a line apart";
  EXPECT_LT((pl.row_step - 1) * pl.cell_h, L.line_px * 1.05 + 1e-9) << "and not thinned more than needed";
  EXPECT_TRUE(pl.col_rotated);
  EXPECT_GE(pl.col_step * pl.cell_w, L.line_px);
  // Short labels in wide cells stay horizontal and are all drawn.
  const FigureLayout wide = layout_figure(one_panel(weights_panel(4, 4), 40));
  EXPECT_FALSE(wide.panels[0].col_rotated);
  EXPECT_EQ(wide.panels[0].row_step, 1);
  EXPECT_EQ(wide.panels[0].col_step, 1);
}

TEST(Figure, MaskedCellsAreNeutralGreyAndHatched) {
  HeatmapPanel p = weights_panel(4, 4);
  p.values(0, 1) = std::numeric_limits<float>::quiet_NaN();
  p.mask = MaskM::Ones(4, 4);
  p.mask(2, 3) = 0;
  const FigureSpec spec = one_panel(p, 24);
  const FigureLayout L = layout_figure(spec);
  const Image img = decode_png(render_figure(spec, ImageFormat::PNG));
  const Box& h = L.panels[0].heatmap;
  for (auto [i, j] : {std::pair{0, 1}, std::pair{2, 3}}) {
    int fill = 0, hatch = 0;
    for (int y = int(h.y) + 24 * i; y < int(h.y) + 24 * (i + 1); ++y)
      for (int x = int(h.x) + 24 * j; x < int(h.x) + 24 * (j + 1); ++x) {
        const Rgb8 c = img.rgb(x, y);
        ASSERT_TRUE(c.r == c.g && c.g == c.b) << "masked cells are neutral grey";
        ASSERT_GE(c.r, kMaskedHatch.r);
        ASSERT_LE(c.r, kMaskedFill.r);
        fill += c == kMaskedFill;
        hatch += c.r < kMaskedFill.r;
      }
    EXPECT_GT(fill, 200) << "mostly the light grey";
    EXPECT_GT(hatch, 20) << "with a visible hatch";
  }
  // Their neighbours keep their own colour.
  EXPECT_EQ(count_wrong_cells(img, spec.panels[0], L.panels[0]), 0);
}

// The ink of a single large label in a 1 x 1 figure, as a bitmap over the label strip.
struct Ink {
  int w = 0, h = 0, count = 0;
  std::vector<uint8_t> on;
};
Ink label_ink(const std::string& label) {
  HeatmapPanel p;
  p.values = MatRM::Constant(1, 1, 0.5f);
  p.row_labels = {label};
  p.col_labels = {"x"};
  p.scale = ColorScale{};
  FigureSpec spec;
  spec.panels.push_back(p);
  spec.row_axis = spec.col_axis = "";
  spec.style.cell_px = 120;
  spec.style.font_pt = 48;
  const FigureLayout L = layout_figure(spec);
  const Image img = decode_png(render_figure(spec, ImageFormat::PNG));
  const Box& b = L.panels[0].row_labels;
  Ink ink;
  ink.w = int(b.w);
  ink.h = int(b.h);
  for (int y = 0; y < ink.h; ++y)
    for (int x = 0; x < ink.w; ++x) {
      const unsigned char* px = img.px(int(b.x) + x, int(b.y) + y);
      const bool on = px[0] + px[1] + px[2] < 3 * 128;
      ink.on.push_back(on);
      ink.count += on;
    }
  return ink;
}
// How much of the ink's bounding box outline is ink: near 1 for the missing-glyph box (a frame
// around hex digits), low for a real character.
double frame_score(const Ink& ink) {
  int x0 = ink.w, x1 = -1, y0 = ink.h, y1 = -1;
  for (int y = 0; y < ink.h; ++y)
    for (int x = 0; x < ink.w; ++x)
      if (ink.on[size_t(y * ink.w + x)]) x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y);
  if (x1 < 0) return 0;
  auto frac_row = [&](int y) {
    int n = 0;
    for (int x = x0; x <= x1; ++x) n += ink.on[size_t(y * ink.w + x)] || (y + 1 <= y1 && ink.on[size_t((y + 1) * ink.w + x)]) || (y - 1 >= y0 && ink.on[size_t((y - 1) * ink.w + x)]);
    return double(n) / (x1 - x0 + 1);
  };
  auto frac_col = [&](int x) {
    int n = 0;
    for (int y = y0; y <= y1; ++y) n += ink.on[size_t(y * ink.w + x)] || (x + 1 <= x1 && ink.on[size_t(y * ink.w + x + 1)]) || (x - 1 >= x0 && ink.on[size_t(y * ink.w + x - 1)]);
    return double(n) / (y1 - y0 + 1);
  };
  return std::min({frac_row(y0), frac_row(y1), frac_col(x0), frac_col(x1)});
}

TEST(Figure, ChineseLabelsAreGlyphsNotMissingGlyphBoxes) {
  // U+10FFFD (plane 16 private use) is in no installed font: pango draws its hex box. The test
  // first checks that such a box is recognised, so it could fail for a CJK label drawn as one.
  const Ink missing = label_ink("\U0010FFFD");
  ASSERT_GT(missing.count, 50);
  EXPECT_GT(frame_score(missing), 0.85) << "the missing-glyph box is a frame";
  for (const char* zh : {"\u6211", "\u6ce8", "\u673a"}) {  // 我 注 机
    const Ink ink = label_ink(zh);
    EXPECT_GT(ink.count, 80) << zh;
    EXPECT_LT(frame_score(ink), 0.6) << zh << " drew a box, not the character";
  }
  // Different characters give different shapes (a fallback box would repeat one pattern).
  EXPECT_NE(label_ink("\u6211").on, label_ink("\u4f60").on);
}

TEST(Figure, PngRecordsDpiAndDescription) {
  FigureSpec spec = one_panel(weights_panel(3, 3));
  spec.style.dpi = 300;
  spec.text = {{"Title", "L0 H3 \u00b7 weights"}, {"Description", "source=case.json; layer=0; head=3; view=weights; range=[0, 1]"}};
  const std::string png = render_figure(spec, ImageFormat::PNG);
  const testing::PngInfo info = testing::read_png_info(png);
  ASSERT_TRUE(info.ok);
  EXPECT_EQ(info.unit, PNG_RESOLUTION_METER);
  EXPECT_EQ(info.res_x, png_uint_32(std::lround(300 / 0.0254)));
  EXPECT_EQ(info.res_y, info.res_x);
  EXPECT_NEAR(info.res_x * 0.0254, 300.0, 0.01);
  ASSERT_TRUE(info.text.count("Description"));
  EXPECT_EQ(info.text.at("Description"), "source=case.json; layer=0; head=3; view=weights; range=[0, 1]");
  EXPECT_EQ(info.text.at("Title"), "L0 H3 \u00b7 weights") << "non-ASCII text goes to iTXt as UTF-8";
  // Text scales with the DPI, cells stay as many pixels as asked.
  const FigureLayout hi = layout_figure(spec);
  spec.style.dpi = 96;
  const FigureLayout lo = layout_figure(spec);
  EXPECT_NEAR(hi.font_px / lo.font_px, 300.0 / 96.0, 1e-9);
  EXPECT_EQ(hi.panels[0].heatmap.w, lo.panels[0].heatmap.w);
}

TEST(Figure, TransparentBackground) {
  FigureSpec spec = one_panel(weights_panel(3, 3));
  spec.style.transparent = true;
  const FigureLayout L = layout_figure(spec);
  const Image img = decode_png(render_figure(spec, ImageFormat::PNG));
  EXPECT_EQ(img.alpha(0, 0), 0);
  EXPECT_EQ(img.alpha(L.width - 1, L.height - 1), 0);
  EXPECT_EQ(img.alpha(int(L.panels[0].heatmap.cx()), int(L.panels[0].heatmap.cy())), 255);
  EXPECT_EQ(count_wrong_cells(img, spec.panels[0], L.panels[0]), 0);
  EXPECT_EQ(testing::read_png_info(render_figure(one_panel(weights_panel(3, 3)), ImageFormat::PNG)).ok, true);
}

TEST(Figure, AnnotationsOnlyInCellsThatHoldThem) {
  HeatmapPanel p = weights_panel(3, 3);
  FigureSpec spec = one_panel(p, 60);
  spec.style.annotate = true;
  FigureLayout L = layout_figure(spec);
  ASSERT_TRUE(L.panels[0].annotate);
  Image img = decode_png(render_figure(spec, ImageFormat::PNG));
  const Box& h = L.panels[0].heatmap;
  int cells_with_text = 0;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) {
      const Rgb8 c = p.scale.color(p.values(i, j));
      int other = 0;
      for (int y = int(h.y) + 60 * i; y < int(h.y) + 60 * (i + 1); ++y)
        for (int x = int(h.x) + 60 * j; x < int(h.x) + 60 * (j + 1); ++x) other += img.rgb(x, y) != c;
      cells_with_text += other > 20;
      EXPECT_EQ(img.rgb(int(h.x) + 60 * j + 2, int(h.y) + 60 * i + 2), c) << "the cell's corner keeps its colour";
    }
  EXPECT_EQ(cells_with_text, 9);
  spec.style.cell_px = 8;  // too small: no annotations, exact cells
  L = layout_figure(spec);
  EXPECT_FALSE(L.panels[0].annotate);
  img = decode_png(render_figure(spec, ImageFormat::PNG));
  EXPECT_EQ(count_wrong_cells(img, spec.panels[0], L.panels[0]), 0);
}

TEST(Figure, GridOfTwelveHeadsWithSharedAndPerPanelScales) {
  FigureSpec spec;
  spec.title = "L0 \u00b7 scores";
  for (int h = 0; h < 12; ++h) {
    HeatmapPanel p = weights_panel(6, 6);
    p.values = spread(6, 6, -1.f - h, 1.f + 0.5f * h);
    p.title = "H" + std::to_string(h);
    p.scale = ColorScale{ColormapId::RdBu, -12.f, 12.f, false};
    spec.panels.push_back(p);
  }
  spec.style.cell_px = 10;
  FigureLayout L = layout_figure(spec);
  ASSERT_EQ(L.panels.size(), 12u);
  EXPECT_GT(L.colorbar.w, 0) << "one shared bar";
  // 4 columns x 3 rows, panels do not overlap.
  EXPECT_EQ(L.panels[1].heatmap.y, L.panels[0].heatmap.y);
  EXPECT_GT(L.panels[4].heatmap.y, L.panels[0].heatmap.y + L.panels[0].heatmap.h);
  EXPECT_EQ(L.panels[4].heatmap.x, L.panels[0].heatmap.x);
  EXPECT_GT(L.panels[1].heatmap.x, L.panels[0].heatmap.x + L.panels[0].heatmap.w);
  EXPECT_EQ(L.panels[1].row_labels.w, 0) << "shared axes: row labels only in the first column";
  EXPECT_EQ(L.panels[0].col_labels.h, 0) << "column labels only under the bottom row";
  EXPECT_GT(L.panels[8].col_labels.h, 0);
  Image img = decode_png(render_figure(spec, ImageFormat::PNG));
  int bad = 0;
  for (size_t k = 0; k < 12; ++k) bad += count_wrong_cells(img, spec.panels[k], L.panels[k]);
  EXPECT_EQ(bad, 0);
  for (size_t k = 0; k < 12; ++k)  // panel titles
    EXPECT_GT(ink_pixels(img, int(L.panels[k].title.x), int(L.panels[k].title.y), int(L.panels[k].title.x + L.panels[k].title.w),
                         int(L.panels[k].title.y + L.panels[k].title.h)), 10) << k;

  spec.shared_scale = false;
  for (int h = 0; h < 12; ++h) spec.panels[size_t(h)].scale = ColorScale{ColormapId::RdBu, -1.f - h, 1.f + h, false};
  L = layout_figure(spec);
  EXPECT_EQ(L.colorbar.w, 0);
  img = decode_png(render_figure(spec, ImageFormat::PNG));
  bad = 0;
  for (size_t k = 0; k < 12; ++k) {
    ASSERT_GT(L.panels[k].colorbar.w, 0);
    bad += count_wrong_cells(img, spec.panels[k], L.panels[k]);
    const Box& b = L.panels[k].colorbar;
    EXPECT_EQ(img.rgb(int(b.cx()), int(b.y)), colormap(ColormapId::RdBu).color(255));
    if (k + 1 < 12 && (k + 1) % 4) {
      EXPECT_LT(b.x + b.w, L.panels[k + 1].row_labels.x + 1e-9);
    }
  }
  EXPECT_EQ(bad, 0);
}

TEST(Figure, SvgIsWellFormedXmlWithCrispCells) {
  const FigureSpec spec = one_panel(weights_panel(4, 5));
  const std::string svg = render_figure(spec, ImageFormat::SVG);
  ASSERT_NE(svg.find("<svg"), std::string::npos);
  EXPECT_NE(svg.find("image-rendering=\"optimizeSpeed\""), std::string::npos);
  TmpDir dir;
  write_bytes(dir.file("f.svg"), svg);
  EXPECT_EQ(run("xmllint --noout '" + dir.file("f.svg") + "'"), 0) << "xmllint (libxml2-utils) rejects the SVG";
  // A truncated file is rejected, so the check can fail.
  write_bytes(dir.file("bad.svg"), svg.substr(0, svg.size() / 2));
  EXPECT_NE(run("xmllint --noout '" + dir.file("bad.svg") + "' 2>/dev/null"), 0);
}

TEST(Figure, PdfRasterizesToTheSameCellColours) {
  HeatmapPanel p = weights_panel(5, 7);
  p.values(1, 1) = std::numeric_limits<float>::quiet_NaN();
  FigureSpec spec = one_panel(p, 24);
  spec.style.dpi = 96;
  const FigureLayout L = layout_figure(spec);
  const std::string pdf = render_figure(spec, ImageFormat::PDF);
  ASSERT_EQ(pdf.compare(0, 5, "%PDF-"), 0);
  TmpDir dir;
  write_bytes(dir.file("f.pdf"), pdf);
  // The page is W x H pixels at 96 dpi (W * 72 / 96 points), so -r 96 renders it 1:1.
  ASSERT_EQ(run("pdftoppm -png -r 96 -singlefile '" + dir.file("f.pdf") + "' '" + dir.file("page") + "'"), 0);
  const Image img = decode_png(read_bytes(dir.file("page.png")));
  ASSERT_TRUE(img.ok());
  EXPECT_NEAR(img.w, L.width, 1);
  EXPECT_NEAR(img.h, L.height, 1);
  // The cells are an embedded RGB image with /Interpolate false and no colour profile: poppler
  // samples it as it is, so the cell centres and the bar's ends come out exactly (no tolerance
  // needed with Debian 12's poppler 22.12; edges and text are antialiased, so only centres count).
  EXPECT_EQ(count_wrong_cells(img, spec.panels[0], L.panels[0]), 0);
  const Colormap& cm = colormap(ColormapId::Viridis);
  EXPECT_EQ(img.rgb(int(L.colorbar.cx()), int(L.colorbar.y)), cm.color(255));
  EXPECT_EQ(img.rgb(int(L.colorbar.cx()), int(L.colorbar.y + L.colorbar.h) - 1), cm.color(0));
}

TEST(Figure, BadSpecsAreInputErrors) {
  FigureSpec empty;
  EXPECT_THROW(layout_figure(empty), InputError);
  FigureSpec huge = one_panel(weights_panel(400, 400), 100);
  EXPECT_THROW(layout_figure(huge), InputError);
  FigureSpec labels = one_panel(weights_panel(3, 3));
  labels.panels[0].row_labels.pop_back();
  EXPECT_THROW(layout_figure(labels), InputError);
  FigureSpec narrow = one_panel(weights_panel(300, 300), 0);
  narrow.style.width_px = 200;  // fewer pixels than columns
  EXPECT_THROW(layout_figure(narrow), InputError);
  FigureSpec dpi = one_panel(weights_panel(3, 3));
  dpi.style.dpi = 0;
  EXPECT_THROW(layout_figure(dpi), InputError);
}

}  // namespace
}  // namespace attn
