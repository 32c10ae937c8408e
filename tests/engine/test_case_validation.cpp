// Bad numbers in a case are refused with a message that names the tensor and the element, and the
// checks that run on every GUI edit stay cheap (a whole-matrix pass, not a message per element).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "engine/core/error.h"
#include "engine/sandbox/init.h"
#include "engine/sandbox/multihead.h"
#include "tests/engine/test_util.h"

namespace attn {
namespace {

AttentionCase small_case(AttnMode mode) { return random_cell_case(mode, 5, 2, 6, 4, 11); }

std::string refusal(const AttentionCase& c) {
  try {
    validate_case(c);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(CaseValidation, NonFiniteElementIsNamedByTensorHeadAndPosition) {
  AttentionCase c = small_case(AttnMode::Direct);
  EXPECT_EQ(refusal(c), "") << "a valid case passes";
  c.tensors.K[1](2, 3) = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(refusal(c), "K[1]: element [2][3] is not a finite number");
  c = small_case(AttnMode::Direct);
  c.tensors.V[0](4, 0) = -std::numeric_limits<float>::infinity();
  EXPECT_EQ(refusal(c), "V[0]: element [4][0] is not a finite number");
  c = small_case(AttnMode::Projection);
  c.tensors.X(0, 5) = std::numeric_limits<float>::infinity();
  EXPECT_EQ(refusal(c), "X: element [0][5] is not a finite number");
  c = small_case(AttnMode::Projection);
  c.tensors.Wo(7, 1) = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(refusal(c), "Wo: element [7][1] is not a finite number");
}

TEST(CaseValidation, FirstBadElementInRowMajorOrderIsReported) {
  AttentionCase c = small_case(AttnMode::Direct);
  c.tensors.Q[0](3, 1) = std::numeric_limits<float>::quiet_NaN();
  c.tensors.Q[0](1, 2) = std::numeric_limits<float>::infinity();
  EXPECT_EQ(refusal(c), "Q[0]: element [1][2] is not a finite number");
}

TEST(CaseValidation, WrongShapeSaysWhatWasExpected) {
  AttentionCase c = small_case(AttnMode::Direct);
  c.tensors.Q[1].resize(5, 3);
  c.tensors.Q[1].setZero();
  EXPECT_EQ(refusal(c), "Q[1]: has shape (5 x 3), expected (5 x 4)");
}

}  // namespace
}  // namespace attn
