// Colormaps, colour scales, ticks, the data writers (.npy, CSV, JSON) and the named views that
// the export reads from an attention result.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "engine/core/error.h"
#include "engine/figure/attention_views.h"
#include "engine/figure/color_scale.h"
#include "engine/figure/colormap.h"
#include "engine/figure/export_view.h"
#include "engine/figure/ticks.h"
#include "engine/io/matrix_writers.h"
#include "engine/sandbox/multihead.h"
#include "tests/engine/test_util.h"

namespace attn {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

TEST(Colormap, TablesHaveThePublishedEnds) {
  // viridis runs from #440154 to #fde725 (matplotlib's published data).
  const Colormap& v = colormap(ColormapId::Viridis);
  EXPECT_EQ(v.color(0), (Rgb8{68, 1, 84}));
  EXPECT_EQ(v.color(255), (Rgb8{253, 231, 37}));
  EXPECT_EQ(colormap(ColormapId::Magma).color(0), (Rgb8{0, 0, 4}));
  EXPECT_EQ(colormap(ColormapId::Inferno).color(255), (Rgb8{252, 255, 164}));
  for (int i = 0; i < 256; ++i) {
    EXPECT_EQ(colormap(ColormapId::Grey).color(i), (Rgb8{uint8_t(i), uint8_t(i), uint8_t(i)}));
    EXPECT_EQ(colormap(ColormapId::Greys).color(i).r, colormap(ColormapId::Greys).color(i).g);
  }
  EXPECT_EQ(colormap(ColormapId::Greys).color(0), (Rgb8{255, 255, 255}));
  // Diverging: blue at the negative end, red at the positive end, near white in the middle.
  const Colormap& d = colormap(ColormapId::RdBu);
  EXPECT_TRUE(d.diverging);
  EXPECT_GT(d.color(0).b, d.color(0).r);
  EXPECT_GT(d.color(255).r, d.color(255).b);
  for (int k : {127, 128}) EXPECT_GE(std::min({d.color(k).r, d.color(k).g, d.color(k).b}), 235);
  // Sequential maps get brighter along the table (perceptual order), up to rounding.
  for (ColormapId id : {ColormapId::Viridis, ColormapId::Magma, ColormapId::Inferno, ColormapId::Cividis}) {
    const Colormap& m = colormap(id);
    auto luma = [&](int k) { return 0.2126 * m.color(k).r + 0.7152 * m.color(k).g + 0.0722 * m.color(k).b; };
    EXPECT_LT(luma(0), luma(128)) << m.name;
    EXPECT_LT(luma(128), luma(255)) << m.name;
  }
  EXPECT_EQ(colormap_names().size(), all_colormaps().size());
  EXPECT_EQ(&colormap_from_name("cividis"), &colormap(ColormapId::Cividis));
  try {
    colormap_from_name("jet");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("viridis"), std::string::npos) << "lists the known names";
  }
}

TEST(Colormap, IndexRuleFromTheDesign) {
  // index = clamp(floor(t * 255 + 0.5), 0, 255), t = (v - vmin) / (vmax - vmin)
  EXPECT_EQ(colormap_index(0.f, 0.f, 1.f), 0);
  EXPECT_EQ(colormap_index(1.f, 0.f, 1.f), 255);
  EXPECT_EQ(colormap_index(0.5f, 0.f, 1.f), 128);  // 127.5 + 0.5 -> 128
  EXPECT_EQ(colormap_index(0.f, -2.f, 2.f), 128);  // zero on a symmetric range
  EXPECT_EQ(colormap_index(-5.f, 0.f, 1.f), 0);
  EXPECT_EQ(colormap_index(7.f, 0.f, 1.f), 255);
  EXPECT_EQ(colormap_index(-INFINITY, 0.f, 1.f), 0);
  EXPECT_EQ(colormap_index(INFINITY, 0.f, 1.f), 255);
  EXPECT_EQ(colormap_index(kNaN, 0.f, 1.f), -1);
  for (int k = 0; k < 256; ++k) {
    EXPECT_EQ(colormap_index(float(k) / 255.f, 0.f, 1.f), k);
    // Just below and above the rounding boundary between k-1 and k.
    if (k > 0) {
      EXPECT_EQ(colormap_index((k - 0.5f - 1e-3f) / 255.f, 0.f, 1.f), k - 1);
      EXPECT_EQ(colormap_index((k - 0.5f + 1e-3f) / 255.f, 0.f, 1.f), k);
    }
  }
  const ColorScale log{ColormapId::Viridis, 1e-3f, 1.f, true};
  EXPECT_EQ(log.index(1e-3f), 0);
  EXPECT_EQ(log.index(1.f), 255);
  EXPECT_EQ(log.index(std::sqrt(1e-3f)), 128);  // the middle in log10
  EXPECT_EQ(log.index(0.f), 0);
  EXPECT_EQ(log.index(-1.f), 0);
}

TEST(ColorScale, DefaultsPerKindOfView) {
  MatRM w(2, 2);
  w << 0.2f, 0.8f, 0.5f, 0.5f;
  ColorScale s = resolve_scale({}, RangeKind::Unit, {{&w, nullptr}});
  EXPECT_EQ(s.cmap, ColormapId::Viridis);
  EXPECT_EQ(s.vmin, 0.f);
  EXPECT_EQ(s.vmax, 1.f) << "weights use the fixed range [0, 1]";
  MatRM g(2, 3);
  g << -0.5f, 3.f, 1.f, kNaN, -100.f, 0.f;
  MaskM mask = MaskM::Ones(2, 3);
  mask(1, 1) = 0;  // hides the -100
  s = resolve_scale({}, RangeKind::Signed, {{&g, &mask}});
  EXPECT_EQ(s.cmap, ColormapId::RdBu);
  EXPECT_EQ(s.vmin, -3.f);
  EXPECT_EQ(s.vmax, 3.f) << "[-max|v|, max|v|] over the cells shown (NaN and masked ignored)";
  // Shared over several matrices.
  MatRM g2 = MatRM::Constant(1, 1, -4.f);
  s = resolve_scale({}, RangeKind::Signed, {{&g, &mask}, {&g2, nullptr}});
  EXPECT_EQ(s.vmax, 4.f);
  // A zero gradient gets [-1, 1] (zero stays the neutral middle).
  MatRM z = MatRM::Zero(3, 3);
  s = resolve_scale({}, RangeKind::Signed, {{&z, nullptr}});
  EXPECT_EQ(s.vmin, -1.f);
  EXPECT_EQ(s.vmax, 1.f);
  EXPECT_EQ(s.index(0.f), 128);
}

TEST(ColorScale, UserRangePercentileAndLog) {
  MatRM v(1, 101);
  for (int k = 0; k <= 100; ++k) v(0, k) = float(k);  // 0..100
  RangeRequest r;
  r.clip_percentile = 90;
  ColorScale s = resolve_scale(r, RangeKind::Sequential, {{&v, nullptr}});
  EXPECT_FLOAT_EQ(s.vmin, 10.f);
  EXPECT_FLOAT_EQ(s.vmax, 90.f);
  s = resolve_scale(r, RangeKind::Signed, {{&v, nullptr}});
  EXPECT_FLOAT_EQ(s.vmax, 90.f);
  EXPECT_FLOAT_EQ(s.vmin, -90.f);
  r.clip_percentile = 99.5;  // interpolates between order statistics: 99 + 0.5 * (100 - 99)
  s = resolve_scale(r, RangeKind::Sequential, {{&v, nullptr}});
  EXPECT_FLOAT_EQ(s.vmax, 99.5f);
  r = {};
  r.vmin = -2.f;
  r.vmax = 5.f;
  r.cmap = ColormapId::Magma;
  s = resolve_scale(r, RangeKind::Unit, {{&v, nullptr}});
  EXPECT_EQ(s.vmin, -2.f);
  EXPECT_EQ(s.vmax, 5.f);
  EXPECT_EQ(s.cmap, ColormapId::Magma);
  r = {};
  r.log = true;
  s = resolve_scale(r, RangeKind::Sequential, {{&v, nullptr}});
  EXPECT_TRUE(s.log);
  EXPECT_EQ(s.vmin, 1.f) << "smallest positive value";
  EXPECT_EQ(s.vmax, 100.f);
  EXPECT_EQ(s.cmap, ColormapId::Viridis);
  MatRM tiny(1, 2);
  tiny << 1e-30f, 0.5f;
  s = resolve_scale(r, RangeKind::Unit, {{&tiny, nullptr}});
  EXPECT_FLOAT_EQ(s.vmin, 1e-6f) << "no more than six decades below vmax";
  MatRM neg = MatRM::Constant(2, 2, -1.f);
  EXPECT_THROW(resolve_scale(r, RangeKind::Signed, {{&neg, nullptr}}), InputError);
  r.vmin = 0.f;
  EXPECT_THROW(resolve_scale(r, RangeKind::Unit, {{&v, nullptr}}), InputError);
  RangeRequest bad;
  bad.vmin = 2.f;
  bad.vmax = 1.f;
  EXPECT_THROW(resolve_scale(bad, RangeKind::Unit, {{&v, nullptr}}), InputError);
  bad = {};
  bad.clip_percentile = 40;
  EXPECT_THROW(resolve_scale(bad, RangeKind::Unit, {{&v, nullptr}}), InputError);
}

TEST(ColorScale, ScanWithAndWithoutMaskAgree) {
  // The unmasked, all-finite matrix takes a vectorised pass; a mask, NaN or Inf takes the cell by
  // cell one. Both must give the same range for the same shown cells.
  MatRM a(3, 4);
  a << 0.5f, -2.f, 3.f, 0.25f, 1.f, -0.75f, 2.5f, 0.f, -1.5f, 4.f, 0.125f, -3.5f;
  const MaskM all = MaskM::Ones(3, 4);
  for (RangeKind kind : {RangeKind::Signed, RangeKind::Sequential}) {
    const ColorScale fast = resolve_scale({}, kind, {{&a, nullptr}});
    const ColorScale masked = resolve_scale({}, kind, {{&a, &all}});
    EXPECT_EQ(fast.vmin, masked.vmin);
    EXPECT_EQ(fast.vmax, masked.vmax);
  }
  ColorScale s = resolve_scale({}, RangeKind::Sequential, {{&a, nullptr}});
  EXPECT_EQ(s.vmin, -3.5f);
  EXPECT_EQ(s.vmax, 4.f);
  RangeRequest log;
  log.log = true;
  s = resolve_scale(log, RangeKind::Sequential, {{&a, nullptr}});
  EXPECT_EQ(s.vmin, 0.125f) << "the smallest positive value";
  s = resolve_scale(log, RangeKind::Sequential, {{&a, &all}});
  EXPECT_EQ(s.vmin, 0.125f);
  // +-Inf is not shown, like NaN.
  MatRM b = a;
  b(0, 0) = INFINITY;
  b(2, 3) = -INFINITY;
  s = resolve_scale({}, RangeKind::Sequential, {{&b, nullptr}});
  EXPECT_EQ(s.vmin, -2.f);
  EXPECT_EQ(s.vmax, 4.f);
  // A mask hides cells whatever their values.
  MaskM m = all;
  m(1, 0) = m(2, 1) = 0;  // hides 1 and 4
  s = resolve_scale({}, RangeKind::Signed, {{&a, &m}});
  EXPECT_EQ(s.vmax, 3.5f);
  // A zero end is +0 whether the data holds -0 or +0 (no "-0" tick label).
  MatRM z(1, 3);
  z << -0.f, 1.f, 2.f;
  s = resolve_scale({}, RangeKind::Sequential, {{&z, nullptr}});
  EXPECT_EQ(s.vmin, 0.f);
  EXPECT_FALSE(std::signbit(s.vmin));
  const MaskM z_all = MaskM::Ones(1, 3);
  s = resolve_scale({}, RangeKind::Sequential, {{&z, &z_all}});
  EXPECT_FALSE(std::signbit(s.vmin));
}

TEST(Ticks, NiceValuesAndText) {
  double step = 0;
  std::vector<double> t = nice_ticks(0, 1, 6, &step);
  ASSERT_EQ(t.size(), 6u);
  EXPECT_DOUBLE_EQ(step, 0.2);
  EXPECT_DOUBLE_EQ(t.back(), 1.0);
  t = nice_ticks(-3.7, 3.7, 7, &step);
  EXPECT_NE(std::find(t.begin(), t.end(), 0.0), t.end()) << "zero is a tick, exactly";
  for (double x : t) EXPECT_LE(std::abs(x), 3.7);
  EXPECT_LE(t.size(), 7u);
  EXPECT_EQ(format_tick(-0.4, 0.2), "\u22120.4");
  EXPECT_EQ(format_tick(0.0, 0.2), "0.0");
  EXPECT_EQ(format_tick(0.25, 0.05), "0.25");
  EXPECT_EQ(format_tick(2e-6, 1e-6), "2e\u221206");
  EXPECT_EQ(format_cell(0.25f, 1.0), "0.25");
  EXPECT_EQ(format_cell(-3.1f, 4.0), "\u22123.10");
  EXPECT_EQ(format_cell(-0.001f, 1.0), "0.00");
  EXPECT_EQ(format_cell(1.2e-5f, 1e-4), "1.2e\u221205");
  const ColorScale log{ColormapId::Viridis, 1e-4f, 1.f, true};
  t = scale_ticks(log, 8);
  ASSERT_EQ(t.size(), 5u);
  EXPECT_DOUBLE_EQ(t.front(), 1e-4);
  EXPECT_DOUBLE_EQ(t.back(), 1.0);
  const std::vector<std::string> texts = tick_texts(log, t, 0);
  EXPECT_EQ(texts.front(), "10\u207b\u2074");
  EXPECT_EQ(texts.back(), "10\u2070");
}

TEST(MatrixWriters, NpyIsVersionOneFloat32LittleEndianCOrderBitExact) {
  MatRM m(3, 5);
  for (long k = 0; k < m.size(); ++k) m.data()[k] = float(k) * 0.1f - 0.7f;
  m(0, 0) = kNaN;
  m(0, 1) = -0.f;
  m(0, 2) = std::numeric_limits<float>::denorm_min();
  m(0, 3) = -INFINITY;
  const std::string npy = matrix_to_npy(m);
  ASSERT_GE(npy.size(), 10u);
  EXPECT_EQ(npy.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  const size_t hlen = size_t((unsigned char)npy[8]) | size_t((unsigned char)npy[9]) << 8;
  EXPECT_EQ((10 + hlen) % 64, 0u) << "data aligned to 64 bytes";
  const std::string header = npy.substr(10, hlen);
  EXPECT_EQ(header.back(), '\n');
  EXPECT_NE(header.find("'descr': '<f4'"), std::string::npos);
  EXPECT_NE(header.find("'fortran_order': False"), std::string::npos);
  EXPECT_NE(header.find("'shape': (3, 5)"), std::string::npos);
  ASSERT_EQ(npy.size(), 10 + hlen + 4 * 15);
  EXPECT_EQ(std::memcmp(npy.data() + 10 + hlen, m.data(), 4 * 15), 0) << "bit-exact float32 data";
  const MatRM back = matrix_from_npy(npy);
  ASSERT_EQ(back.rows(), 3);
  ASSERT_EQ(back.cols(), 5);
  EXPECT_EQ(std::memcmp(back.data(), m.data(), 4 * 15), 0);
  const std::string stack = matrices_to_npy({m, m});
  EXPECT_NE(stack.find("'shape': (2, 3, 5)"), std::string::npos);
  EXPECT_THROW(matrices_to_npy({m, MatRM(2, 2)}), InputError);
  EXPECT_THROW(matrix_from_npy("not a npy file"), InputError);
}

std::vector<std::vector<std::string>> split_csv(const std::string& csv) {
  std::vector<std::vector<std::string>> rows(1, std::vector<std::string>(1));
  for (char ch : csv) {
    if (ch == ',') rows.back().emplace_back();
    else if (ch == '\n') rows.push_back(std::vector<std::string>(1));
    else rows.back().back() += ch;
  }
  rows.pop_back();
  return rows;
}

TEST(MatrixWriters, CsvRoundTripsAtThePrecisionWritten) {
  MatRM m(4, 3);
  for (long k = 0; k < m.size(); ++k) m.data()[k] = std::sin(float(k) * 1.37f) * std::pow(10.f, float(k % 7) - 3);
  m(3, 2) = kNaN;
  // 9 significant digits: every float32 comes back bit-exact.
  auto rows = split_csv(matrix_to_csv(m));
  ASSERT_EQ(rows.size(), 4u);
  for (long i = 0; i < 4; ++i) {
    ASSERT_EQ(rows[size_t(i)].size(), 3u);
    for (long j = 0; j < 3; ++j) {
      const float back = std::strtof(rows[size_t(i)][size_t(j)].c_str(), nullptr);
      if (std::isnan(m(i, j))) {
        EXPECT_EQ(rows[size_t(i)][size_t(j)], "nan");
        EXPECT_TRUE(std::isnan(back));
      } else {
        EXPECT_EQ(std::memcmp(&back, &m(i, j), 4), 0) << rows[size_t(i)][size_t(j)];
      }
    }
  }
  // 4 digits: within half a unit of the 4th significant digit.
  rows = split_csv(matrix_to_csv(m, 4));
  for (long i = 0; i < 3; ++i)
    for (long j = 0; j < 3; ++j) {
      const double back = std::strtod(rows[size_t(i)][size_t(j)].c_str(), nullptr);
      EXPECT_LE(std::abs(back - m(i, j)), 5e-4 * std::abs(m(i, j)) + 1e-30) << rows[size_t(i)][size_t(j)];
    }
}

TEST(MatrixWriters, JsonHasNullForMissingValues) {
  MatRM m(1, 3);
  m << 1.5f, kNaN, -2.f;
  const json j = matrix_to_json_nan_null(m);
  EXPECT_EQ(j[0][0].get<double>(), 1.5);
  EXPECT_TRUE(j[0][1].is_null());
  EXPECT_EQ(j[0][2].get<double>(), -2.0);
}

AttentionCase small_case(bool with_loss) {
  AttentionCase c;
  AttentionConfig& cfg = c.config;
  cfg.N = cfg.M = 3;
  cfg.H = 2;
  cfg.dk = cfg.dv = 2;
  MaskPart causal;
  causal.kind = MaskKind::Causal;
  cfg.mask.parts.push_back(causal);
  for (int h = 0; h < 2; ++h) {
    MatRM q(3, 2), k(3, 2), v(3, 2);
    q << 1, 0, 0, 1, 1, 1;
    k << 1, 0.5f * h, 0, 1, 1, 1;
    v << 1, 2, 3, 4, 5, 6;
    c.tensors.Q.push_back(q);
    c.tensors.K.push_back(k);
    c.tensors.V.push_back(v);
  }
  c.query_tokens = c.key_tokens = {"a", "b", "c"};
  if (with_loss) {
    c.loss.kind = LossKind::Cell;
    c.loss.row = 2;
    c.loss.col = 1;
  }
  return c;
}

TEST(AttentionViews, ViewsOfAResult) {
  const AttentionCase c = small_case(true);
  const AttentionResult r = run_attention(c);
  ViewData w = extract_view(c, r, "weights", 1);
  EXPECT_EQ(w.values, r.heads[1].cache.A);
  EXPECT_EQ(w.mask, r.allowed) << "masked cells are hatched in the weights";
  EXPECT_EQ(w.range, RangeKind::Unit);
  EXPECT_EQ(w.row_labels, c.query_tokens);
  EXPECT_EQ(w.row_axis, "query");
  EXPECT_EQ(w.col_axis, "key");
  const ViewData lg = extract_view(c, r, "logits", 0);
  EXPECT_TRUE(std::isnan(lg.values(0, 1))) << "a masked logit has no value";
  EXPECT_EQ(lg.values(2, 2), r.heads[0].cache.L(2, 2));
  EXPECT_EQ(extract_view(c, r, "scores", 0).values, (r.scale * r.heads[0].cache.S).eval());
  const ViewData o = extract_view(c, r, "output", 1);
  EXPECT_EQ(o.values, col_block(r.O, 2, 2).eval());
  EXPECT_EQ(o.col_axis, "dim");
  EXPECT_EQ(o.col_labels, (std::vector<std::string>{"0", "1"}));
  EXPECT_EQ(extract_view(c, r, "grad-q", 0).values, r.heads[0].grad.dQ);
  EXPECT_EQ(extract_view(c, r, "grad-s", 1).values, r.heads[1].grad.dL);
  EXPECT_EQ(extract_view(c, r, "mask", 0).values(0, 1), 0.f);
  for (const ViewInfo& v : view_infos()) {
    const std::string n = v.name;
    if (n == "bias" || n.rfind("grad-w", 0) == 0 || n == "z") {
      EXPECT_THROW(extract_view(c, r, n, 0), InputError) << n;  // no bias, direct mode
    } else {
      EXPECT_GT(extract_view(c, r, n, 0).values.size(), 0) << n;
    }
  }
  EXPECT_THROW(extract_view(c, r, "attention", 0), InputError);
  EXPECT_THROW(extract_view(c, r, "weights", 2), InputError);
  EXPECT_THROW(extract_view(c, r, "weights", -1), InputError);
  const AttentionCase nl = small_case(false);
  const AttentionResult rn = run_attention(nl);
  EXPECT_THROW(extract_view(nl, rn, "grad-q", 0), InputError);
}

TEST(AttentionViews, WholeLayerViewsOfAProjectionCase) {
  const AttentionCase c = random_cell_case(AttnMode::Projection, 4, 2, 5, 3, 9);
  const AttentionResult r = run_attention(c);
  const ViewData o = extract_view(c, r, "output-all", 0);
  EXPECT_EQ(o.values, r.O);
  EXPECT_FALSE(o.per_head);
  EXPECT_EQ(o.col_axis, "head.dim");
  EXPECT_EQ(o.col_labels, (std::vector<std::string>{"0.0", "0.1", "0.2", "1.0", "1.1", "1.2"}));
  EXPECT_EQ(extract_view(c, r, "output-all", 1).values, r.O) << "the head argument does not matter";
  const ViewData z = extract_view(c, r, "z", 0);
  EXPECT_EQ(z.values, r.Z);
  EXPECT_EQ(z.col_axis, "model dim");
  const ViewData dwo = extract_view(c, r, "grad-wo", 0);
  EXPECT_EQ(dwo.values, r.dWo);
  EXPECT_EQ(dwo.row_labels.size(), 6u);
  EXPECT_EQ(dwo.row_labels[4], "1.1");
  // One figure for the layer: titled "L0 . z", never per head.
  ExportRequest req;
  req.view = "z";
  const FigureSpec spec = figure_for_views(views_for_request(c, r, req), req);
  EXPECT_EQ(spec.title, "L0 \u00b7 z");
  req.all_heads = true;
  try {
    views_for_request(c, r, req);
    ADD_FAILURE() << "--all-heads of a whole-layer view";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("no heads"), std::string::npos) << e.what();
  }
}

TEST(ExportView, FiguresAndDataOfARequest) {
  const AttentionCase c = small_case(true);
  const AttentionResult r = run_attention(c);
  ExportRequest req;
  req.view = "scores";
  req.head = 1;
  req.source = "case.json";
  std::vector<ViewData> views = views_for_request(c, r, req);
  ASSERT_EQ(views.size(), 1u);
  FigureSpec spec = figure_for_views(views, req);
  EXPECT_EQ(spec.title, "L0 H1 \u00b7 scores");
  ASSERT_EQ(spec.panels.size(), 1u);
  EXPECT_EQ(spec.panels[0].scale.cmap, ColormapId::RdBu);
  EXPECT_EQ(spec.panels[0].scale.vmin, -spec.panels[0].scale.vmax);
  bool described = false;
  for (const auto& kv : spec.text)
    described |= kv.first == "Description" && kv.second.find("source=case.json; layer=0; head=1; view=scores; range=[") == 0;
  EXPECT_TRUE(described);
  req.all_heads = true;
  views = views_for_request(c, r, req);
  ASSERT_EQ(views.size(), 2u);
  spec = figure_for_views(views, req);
  EXPECT_EQ(spec.title, "L0 \u00b7 scores");
  EXPECT_EQ(spec.panels[1].title, "H1");
  EXPECT_TRUE(spec.shared_scale);
  EXPECT_EQ(spec.panels[0].scale.vmax, spec.panels[1].scale.vmax);
  EXPECT_THROW(export_bytes(views, req, ExportFormat::CSV), InputError) << "one CSV cannot hold all heads";
  EXPECT_NE(export_bytes(views, req, ExportFormat::NPY).find("'shape': (2, 3, 3)"), std::string::npos);
  const json j = json::parse(export_bytes(views, req, ExportFormat::JSON));
  EXPECT_EQ(j["heads"].size(), 2u);
  EXPECT_EQ(j["rows"], json({"a", "b", "c"}));
  req.layer = 1;
  EXPECT_THROW(views_for_request(c, r, req), InputError);
  EXPECT_EQ(export_format_from_path("a/b.PDF"), ExportFormat::PDF);
  EXPECT_THROW(export_format_from_path("a/b.bmp"), InputError);
  EXPECT_THROW(export_format_from_path("a/b"), InputError);
  EXPECT_THROW(export_format_from_path("a.png/b"), InputError);
}

}  // namespace
}  // namespace attn
