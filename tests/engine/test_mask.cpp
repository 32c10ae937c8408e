// Masks: each kind's rule on small grids, the bottom-right alignment for cross-attention, the
// combination rule, and bad parameters.
#include <gtest/gtest.h>

#include "engine/core/error.h"
#include "engine/ops/mask.h"

namespace attn {
namespace {

MaskSpec one(MaskPart p) {
  MaskSpec s;
  s.parts.push_back(std::move(p));
  return s;
}

MaskPart part(MaskKind k) {
  MaskPart p;
  p.kind = k;
  return p;
}

TEST(Mask, CausalSelfIsLowerTriangular) {
  const MaskM m = build_mask(one(part(MaskKind::Causal)), 4, 4);
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) EXPECT_EQ(m(i, j), j <= i) << i << "," << j;
}

TEST(Mask, CausalCrossIsAlignedBottomRight) {
  // N = 2 queries, M = 5 keys: query 0 sits at position 3, query 1 at position 4 (sees all).
  const MaskM m = build_mask(one(part(MaskKind::Causal)), 2, 5);
  EXPECT_EQ(m.row(0).cast<int>().sum(), 4);
  EXPECT_EQ(m(0, 4), 0);
  EXPECT_EQ(m.row(1).cast<int>().sum(), 5);
}

TEST(Mask, SlidingWindowCausalAndCentered) {
  MaskPart w = part(MaskKind::SlidingWindow);
  w.width = 3;
  const MaskM causal = build_mask(one(w), 6, 6);
  for (int i = 0; i < 6; ++i)
    for (int j = 0; j < 6; ++j) EXPECT_EQ(causal(i, j), i - j >= 0 && i - j < 3) << i << "," << j;
  w.centered = true;
  const MaskM centered = build_mask(one(w), 6, 6);
  for (int i = 0; i < 6; ++i)
    for (int j = 0; j < 6; ++j) EXPECT_EQ(centered(i, j), std::abs(i - j) <= 1) << i << "," << j;
}

TEST(Mask, StridedWithLocalWindow) {
  MaskPart s = part(MaskKind::Strided);
  s.stride = 3;
  const MaskM m = build_mask(one(s), 7, 7);
  for (int i = 0; i < 7; ++i)
    for (int j = 0; j < 7; ++j) EXPECT_EQ(m(i, j), j <= i && (i - j) % 3 == 0) << i << "," << j;
  s.width = 2;
  const MaskM ml = build_mask(one(s), 7, 7);
  EXPECT_EQ(ml(5, 4), 1);  // local neighbour
  EXPECT_EQ(ml(5, 3), 0);  // neither local (d = 2) nor on the stride
  EXPECT_EQ(ml(5, 2), 1);  // stride
}

TEST(Mask, PaddingAndGlobalCombine) {
  MaskSpec spec;
  MaskPart causal = part(MaskKind::Causal);
  MaskPart pad = part(MaskKind::Padding);
  pad.key_flags = {1, 1, 1, 0, 1};
  MaskPart glob = part(MaskKind::Global);
  glob.tokens = {0};
  spec.parts = {causal, pad, glob};
  const MaskM m = build_mask(spec, 5, 5);
  EXPECT_EQ(m(4, 3), 0);                           // padded key
  EXPECT_EQ(m(2, 3), 0);                           // causal
  EXPECT_EQ(m.row(0).cast<int>().sum(), 5);        // the global token sees everything
  EXPECT_EQ(m.col(0).cast<int>().sum(), 5);        // and is seen by everyone
}

TEST(Mask, BadParametersNameTheField) {
  MaskPart w = part(MaskKind::SlidingWindow);
  w.width = 0;
  try {
    build_mask(one(w), 3, 3);
    FAIL() << "width 0 accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("width"), std::string::npos) << e.what();
  }
  MaskPart pad = part(MaskKind::Padding);
  pad.key_flags = {1, 0};
  EXPECT_THROW(build_mask(one(pad), 3, 3), InputError);
  MaskPart c = part(MaskKind::Custom);
  c.custom = MaskM::Ones(2, 2);
  EXPECT_THROW(build_mask(one(c), 3, 3), InputError);
  MaskPart g = part(MaskKind::Global);
  g.tokens = {7};
  EXPECT_THROW(build_mask(one(g), 3, 3), InputError);
  EXPECT_THROW(mask_kind_from_name("diagonal"), InputError);
}

}  // namespace
}  // namespace attn
