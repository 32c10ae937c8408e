// ALiBi, T5 and Shaw et al. as a learner checks them: ALiBi's slopes (8 heads: 1/2 .. 1/256; 6
// heads: the reference rule), its two forms; T5 bucket indices for a table of distances against
// the reference formula and hand values; Shaw's clipping saturates at |j - i| >= k; fast ops vs
// reference twins, and finite differences of every parameter gradient (T5 table, a^K, a^V, Q).
#include <gtest/gtest.h>

#include <cmath>

#include "engine/ops/relative_bias.h"
#include "engine/ops/shaw.h"
#include "tests/engine/pe_test_util.h"
#include "tests/engine/test_util.h"

namespace attn {
namespace {

TEST(Alibi, EightHeadsHaveSlopesOneHalfToOne256th) {
  const std::vector<double> m = alibi_slopes(8);
  ASSERT_EQ(m.size(), 8u);
  for (int h = 0; h < 8; ++h) EXPECT_EQ(m[h], std::ldexp(1.0, -(h + 1))) << h;
}

TEST(Alibi, SixHeadsFollowTheReferenceRule) {
  // P = 4: 2^-2, 2^-4, 2^-6, 2^-8; then every other slope of the 8-head sequence: 2^-1, 2^-3.
  const std::vector<double> expected = {0.25, 0.0625, 0.015625, 0.00390625, 0.5, 0.125};
  EXPECT_EQ(alibi_slopes(6), expected);
  // 12 heads: the 8 slopes 2^-1..2^-8, then 2^-0.5, 2^-1.5, 2^-2.5, 2^-3.5 (16-head sequence, even indices).
  const std::vector<double> m12 = alibi_slopes(12);
  ASSERT_EQ(m12.size(), 12u);
  for (int h = 0; h < 8; ++h) EXPECT_DOUBLE_EQ(m12[h], std::ldexp(1.0, -(h + 1)));
  for (int k = 0; k < 4; ++k) EXPECT_DOUBLE_EQ(m12[8 + k], std::exp2(-0.5 - k));
  EXPECT_EQ(alibi_slopes(1), std::vector<double>{1.0 / 256});
  EXPECT_EQ(alibi_slopes(3), (std::vector<double>{1.0 / 16, 1.0 / 256, 0.25}));
}

TEST(Alibi, CausalAndBidirectionalForms) {
  MatRM B;
  MatRMd R;
  for (bool bi : {false, true}) {
    alibi_bias_forward(B, 4, 6, 0.25, bi);
    alibi_bias_ref(R, 4, 6, 0.25, bi);
    expect_close(B, R.cast<float>(), "alibi");
  }
  // Query i sits at i' = i + 2 (N = 4, M = 6, bottom-right aligned).
  alibi_bias_forward(B, 4, 6, 0.5, false);
  EXPECT_FLOAT_EQ(B(0, 0), -1.0f);   // i' = 2, j = 0
  EXPECT_FLOAT_EQ(B(0, 2), 0.f);     // the diagonal
  EXPECT_FLOAT_EQ(B(0, 5), 0.f);     // a future key: 0 (the causal mask hides it)
  EXPECT_FALSE(std::signbit(B(0, 2)));  // +0, not -0
  alibi_bias_forward(B, 4, 6, 0.5, true);
  EXPECT_FLOAT_EQ(B(0, 5), -1.5f);   // |2 - 5| * 0.5
  EXPECT_FLOAT_EQ(B(3, 0), -2.5f);
}

// The T5 bucket formula, written independently here from the paper's reference code.
int reference_bucket(int rel, bool bidirectional, int num_buckets, int max_distance) {
  int ret = 0, n = -rel;
  if (bidirectional) {
    num_buckets /= 2;
    ret += n < 0 ? num_buckets : 0;
    n = std::abs(n);
  } else {
    n = std::max(n, 0);
  }
  const int max_exact = num_buckets / 2;
  if (n < max_exact) return ret + n;
  int val = max_exact + int(std::log(double(n) / max_exact) / std::log(double(max_distance) / max_exact) *
                            (num_buckets - max_exact));
  return ret + std::min(val, num_buckets - 1);
}

TEST(T5, BucketsOfATableOfDistancesMatchTheReferenceFormula) {
  for (bool bi : {true, false})
    for (auto [nb, md] : {std::pair{32, 128}, std::pair{16, 64}, std::pair{8, 20}}) {
      T5Params p;
      p.bidirectional = bi;
      p.num_buckets = nb;
      p.max_distance = md;
      for (int rel = -1000; rel <= 1000; ++rel)
        ASSERT_EQ(t5_bucket(rel, p), reference_bucket(rel, bi, nb, md)) << "rel " << rel << " bi " << bi;
    }
}

TEST(T5, HandValuesOfTheDefaultBuckets) {
  T5Params bi;  // 32 buckets, max distance 128, bidirectional: 16 per sign, 8 exact
  EXPECT_EQ(t5_bucket(0, bi), 0);
  EXPECT_EQ(t5_bucket(-1, bi), 1);    // key one before the query
  EXPECT_EQ(t5_bucket(-7, bi), 7);    // last exact bucket
  EXPECT_EQ(t5_bucket(-8, bi), 8);    // first log-spaced bucket
  EXPECT_EQ(t5_bucket(-16, bi), 10);  // 8 + floor(log(2) / log(16) * 8) = 8 + 2
  EXPECT_EQ(t5_bucket(-127, bi), 15);
  EXPECT_EQ(t5_bucket(-5000, bi), 15);  // saturates
  EXPECT_EQ(t5_bucket(1, bi), 17);    // keys after the query use buckets 16..31
  EXPECT_EQ(t5_bucket(5000, bi), 31);
  T5Params causal;
  causal.bidirectional = false;  // 32 buckets for the past, 16 exact; the future shares bucket 0
  EXPECT_EQ(t5_bucket(3, causal), 0);
  EXPECT_EQ(t5_bucket(-15, causal), 15);
  EXPECT_EQ(t5_bucket(-16, causal), 16);
  EXPECT_EQ(t5_bucket(-32, causal), 21);  // 16 + floor(log(2) / log(8) * 16) = 16 + 5
  EXPECT_EQ(t5_bucket(-10000, causal), 31);
}

TEST(T5, BiasForwardBackwardFastMatchesReferenceAndFiniteDifferences) {
  Rng rng(21);
  for (bool bi : {true, false}) {
    T5Params p;
    p.bidirectional = bi;
    p.num_buckets = 8;
    p.max_distance = 12;
    MatRM table = random_matrix(3, 8, rng);
    MatRM B, Br;
    t5_bias_forward(B, table, 1, 7, 9, p);
    t5_bias_forward_ref(Br, table, 1, 7, 9, p);
    EXPECT_TRUE(B == Br);
    const MatRM dB = random_matrix(7, 9, rng);
    MatRM dt = MatRM::Zero(3, 8), dtr = MatRM::Zero(3, 8);
    t5_bias_backward(dt, dB, 1, p);
    t5_bias_backward_ref(dtr, dB, 1, p);
    expect_close(dt, dtr, "dt5_table");
    EXPECT_TRUE(dt.row(0).isZero() && dt.row(2).isZero()) << "only head 1's row moves";
    auto f = [&] {
      MatRM b;
      t5_bias_forward_ref(b, table, 1, 7, 9, p);
      return weighted_sum(b, dB);
    };
    expect_fd_gradient(f, table.data(), table.size(), dt.data(), "dt5_table");
  }
}

// --- Shaw et al. ---------------------------------------------------------------------------------

TEST(Shaw, ClippingSaturatesAtDistanceK) {
  const int k = 2, N = 1, M = 9;
  // aK rows: row r = distance r - k, each a distinct one-hot so E reads the row index.
  MatRM aK = MatRM::Zero(2 * k + 1, 5);
  for (int r = 0; r < 2 * k + 1; ++r) aK(r, r) = float(r + 1);
  MatRM q = MatRM::Ones(N, 5), E;
  // N = 1, M = 9: the query sits at i' = 8, so keys j = 0..8 have distance j - 8.
  shaw_scores_forward(E, q, aK, M, k);
  for (int j = 0; j < M; ++j) {
    const int dist = j - 8;
    const int r = std::max(-k, std::min(k, dist)) + k;
    EXPECT_FLOAT_EQ(E(0, j), float(r + 1)) << "distance " << dist;
  }
  // Every key at distance >= k (here <= -k) sees the same vector.
  for (int j = 0; j <= 6; ++j) EXPECT_EQ(E(0, j), E(0, 0));
  std::vector<int> idx;
  shaw_index(idx, 3, 3, 1);
  EXPECT_EQ(idx, (std::vector<int>{1, 2, 2, 0, 1, 2, 0, 0, 1}));
}

TEST(Shaw, FastMatchesReferenceAndFiniteDifferences) {
  Rng rng(23);
  const int N = 4, M = 6, dk = 3, dv = 2, k = 2;
  MatRM Q = random_matrix(N, dk, rng), aK = random_matrix(2 * k + 1, dk, rng), aV = random_matrix(2 * k + 1, dv, rng);
  MatRM A = random_matrix(N, M, rng).cwiseAbs();
  const MatRM dE = random_matrix(N, M, rng), dO = random_matrix(N, dv, rng);
  MatRM E, Er;
  shaw_scores_forward(E, Q, aK, M, k);
  shaw_scores_forward_ref(Er, Q, aK, M, k);
  expect_close(E, Er, "E");
  MatRM dQ = MatRM::Zero(N, dk), dQr = MatRM::Zero(N, dk), daK, daKr;
  shaw_scores_backward(dQ, daK, dE, Q, aK, k);
  shaw_scores_backward_ref(dQr, daKr, dE, Q, aK, k);
  expect_close(dQ, dQr, "dQ");
  expect_close(daK, daKr, "daK");
  MatRM O = MatRM::Zero(N, dv), Or = MatRM::Zero(N, dv);
  shaw_values_forward(O, A, aV, k);
  shaw_values_forward_ref(Or, A, aV, k);
  expect_close(O, Or, "O");
  MatRM dA, dAr, daV, daVr;
  shaw_values_backward(dA, daV, dO, A, aV, k);
  shaw_values_backward_ref(dAr, daVr, dO, A, aV, k);
  expect_close(dA, dAr, "dA");
  expect_close(daV, daVr, "daV");

  auto fe = [&] {
    MatRM e;
    shaw_scores_forward_ref(e, Q, aK, M, k);
    return weighted_sum(e, dE);
  };
  expect_fd_gradient(fe, Q.data(), Q.size(), dQ.data(), "dQ");
  expect_fd_gradient(fe, aK.data(), aK.size(), daK.data(), "daK");
  auto fo = [&] {
    MatRM o = MatRM::Zero(N, dv);
    shaw_values_forward_ref(o, A, aV, k);
    return weighted_sum(o, dO);
  };
  expect_fd_gradient(fo, A.data(), A.size(), dA.data(), "dA");
  expect_fd_gradient(fo, aV.data(), aV.size(), daV.data(), "daV");
}

}  // namespace
}  // namespace attn
