// The cost model: the matmul count benchmarks use, and score functions that cost more than a dot
// product show it (additive costs N M da per head, not N M dk).
#include <gtest/gtest.h>

#include "engine/analysis/cost.h"

namespace attn {
namespace {

AttentionConfig config(ScoreKind kind) {
  AttentionConfig c;
  c.N = c.M = 128;
  c.H = 4;
  c.dk = c.dv = 32;
  c.score.kind = kind;
  return c;
}

TEST(Cost, MatmulCountMatchesTheBenchmarkConvention) {
  EXPECT_DOUBLE_EQ(attention_matmul_flops(12, 1024, 1024, 64, 64, false), 4.0 * 12 * 1024 * 1024 * 64);
  EXPECT_DOUBLE_EQ(attention_matmul_flops(12, 1024, 1024, 64, 64, true), 8.0 * 12 * 1024 * 1024 * 64);
}

TEST(Cost, ForwardOfScaledDotIsTheFourMatmulTermsPlusSoftmax) {
  const CostReport r = attention_cost(config(ScoreKind::ScaledDot));
  const double nm = 128.0 * 128 * 4;
  EXPECT_DOUBLE_EQ(r.forward_flops, nm * (2 * 32 + 2 + 4 + 2 * 32));
  EXPECT_GT(r.backward_flops, r.forward_flops);
  EXPECT_DOUBLE_EQ(r.activation_bytes, 4.0 * 4 * (3 * 128 * 128 + 4 * 128 * 32));
}

TEST(Cost, ScoreFunctionsChangeTheCount) {
  const double dot = attention_cost(config(ScoreKind::ScaledDot)).forward_flops;
  EXPECT_GT(attention_cost(config(ScoreKind::General)).forward_flops, dot);
  EXPECT_GT(attention_cost(config(ScoreKind::Cosine)).forward_flops, dot);
  AttentionConfig add = config(ScoreKind::Additive);
  add.score.dim = 64;
  EXPECT_GT(attention_cost(add).forward_flops, 1.5 * dot);
  AttentionConfig rope = config(ScoreKind::ScaledDot);
  rope.positional.kind = PosKind::Rope;
  EXPECT_GT(attention_cost(rope).forward_flops, dot);
}

}  // namespace
}  // namespace attn
