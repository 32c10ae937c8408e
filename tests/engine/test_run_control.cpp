// Long runs can be watched and stopped: steps_done counts heads of the forward and backward
// passes, and a set cancel flag ends the run with RunCancelled instead of a result.
#include <gtest/gtest.h>

#include "engine/sandbox/init.h"
#include "engine/sandbox/multihead.h"

namespace attn {
namespace {

AttentionCase random_case(int H) {
  AttentionCase c;
  c.config.N = c.config.M = 16;
  c.config.H = H;
  c.config.dk = c.config.dv = 8;
  init_random_tensors(c, 3);
  c.loss.kind = LossKind::Cell;
  return c;
}

TEST(RunControl, CountsHeadsOfBothPasses) {
  std::atomic<bool> cancel{false};
  std::atomic<int> steps{0};
  RunControl ctl{&cancel, &steps};
  const AttentionResult r = run_attention(random_case(5), true, &ctl);
  EXPECT_TRUE(r.has_grads);
  EXPECT_EQ(steps.load(), 10);
}

TEST(RunControl, CancelledRunThrows) {
  std::atomic<bool> cancel{true};
  std::atomic<int> steps{0};
  RunControl ctl{&cancel, &steps};
  EXPECT_THROW(run_attention(random_case(3), true, &ctl), RunCancelled);
  EXPECT_EQ(steps.load(), 0);
}

}  // namespace
}  // namespace attn
