// Legend: N queries, M keys, H heads; i' = i + M - N. Formulas in relative_bias.h.
#include "engine/ops/relative_bias.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "engine/core/error.h"

namespace attn {

namespace {

std::vector<double> slopes_power_of_two(int P) {
  std::vector<double> m(P);
  for (int h = 0; h < P; ++h) m[h] = std::exp2(-8.0 * (h + 1) / P);
  return m;
}

bool is_power_of_two(int n) { return n > 0 && (n & (n - 1)) == 0; }

// The bucket of rel with the formula written out (both twins share it: it is the definition).
int bucket_of(int rel, const T5Params& p) {
  int nb = p.num_buckets, offset = 0, n;
  if (p.bidirectional) {
    nb /= 2;
    if (rel > 0) offset = nb;
    n = std::abs(rel);
  } else {
    n = std::max(-rel, 0);
  }
  const int max_exact = nb / 2;
  if (n < max_exact) return offset + n;
  const double large = std::log(double(n) / max_exact) / std::log(double(p.max_distance) / max_exact) *
                       double(nb - max_exact);
  const long b = max_exact + long(large);  // truncation toward zero; large >= 0 here
  return offset + int(std::min<long>(b, nb - 1));
}

void check_t5(const T5Params& p) {
  const int nb = p.bidirectional ? p.num_buckets / 2 : p.num_buckets;
  require(p.num_buckets >= 2 && (!p.bidirectional || p.num_buckets % 2 == 0), "num_buckets",
          "is " + std::to_string(p.num_buckets) + "; needs >= 2 (and even for the bidirectional form)");
  require(p.max_distance > nb / 2, "max_distance",
          "is " + std::to_string(p.max_distance) + "; must exceed the " + std::to_string(nb / 2) + " exact buckets");
}

}  // namespace

std::vector<double> alibi_slopes(int H) {
  require(H >= 1, "H", "ALiBi needs at least one head");
  if (is_power_of_two(H)) return slopes_power_of_two(H);
  int P = 1;
  while (P * 2 < H) P *= 2;
  std::vector<double> m = slopes_power_of_two(P);
  const std::vector<double> twice = slopes_power_of_two(2 * P);
  for (int k = 0; int(m.size()) < H; k += 2) m.push_back(twice[k]);
  return m;
}

void alibi_bias_forward(MatRM& B, int N, int M, double slope, bool bidirectional) {
  B.resize(N, M);
  const float m = float(slope);
  for (int i = 0; i < N; ++i) {
    const int ip = i + M - N;
    for (int j = 0; j < M; ++j) {
      const int dist = ip - j;
      // 0.f - x, not -x: distance 0 gives +0, never -0, in the tables people read
      B(i, j) = bidirectional ? 0.f - m * float(std::abs(dist)) : (dist >= 0 ? 0.f - m * float(dist) : 0.f);
    }
  }
}

void alibi_bias_ref(MatRMd& B, int N, int M, double slope, bool bidirectional) {
  B.resize(N, M);
  for (int i = 0; i < N; ++i)
    for (int j = 0; j < M; ++j) {
      const double dist = double(i + M - N) - j;
      if (bidirectional)
        B(i, j) = 0.0 - slope * std::abs(dist);
      else
        B(i, j) = dist >= 0 ? 0.0 - slope * dist : 0.0;
    }
}

int t5_bucket(int rel, const T5Params& p) {
  check_t5(p);
  return bucket_of(rel, p);
}

void t5_buckets(std::vector<int>& buckets, int N, int M, const T5Params& p) {
  check_t5(p);
  // j - i' ranges over [-(M-1) .. M-1] + N - M shifts; one bucket per distinct distance.
  const int lo = -(N - 1) - (M - N), hi = (M - 1) - (M - N);
  std::vector<int> by_rel(hi - lo + 1);
  for (int rel = lo; rel <= hi; ++rel) by_rel[rel - lo] = bucket_of(rel, p);
  buckets.resize(size_t(N) * M);
  for (int i = 0; i < N; ++i)
    for (int j = 0; j < M; ++j) buckets[size_t(i) * M + j] = by_rel[j - (i + M - N) - lo];
}

void t5_bias_forward(MatRM& B, const MatRM& table, int h, int N, int M, const T5Params& p) {
  std::vector<int> b;
  t5_buckets(b, N, M, p);
  B.resize(N, M);
  for (long k = 0; k < B.size(); ++k) B.data()[k] = table(h, b[k]);
}

void t5_bias_backward(MatRM& dtable, const MatRM& dB, int h, const T5Params& p) {
  // forward: B(i, j) = table(h, bucket(j - i'))
  const int N = int(dB.rows()), M = int(dB.cols());
  std::vector<int> b;
  t5_buckets(b, N, M, p);
  std::vector<double> acc(p.num_buckets, 0.0);
  for (long k = 0; k < dB.size(); ++k) acc[b[k]] += dB.data()[k];
  for (int k = 0; k < p.num_buckets; ++k) dtable(h, k) += float(acc[k]);
}

void t5_bias_forward_ref(MatRM& B, const MatRM& table, int h, int N, int M, const T5Params& p) {
  check_t5(p);
  B.resize(N, M);
  for (int i = 0; i < N; ++i)
    for (int j = 0; j < M; ++j) B(i, j) = table(h, bucket_of(j - (i + M - N), p));
}

void t5_bias_backward_ref(MatRM& dtable, const MatRM& dB, int h, const T5Params& p) {
  check_t5(p);
  const int N = int(dB.rows()), M = int(dB.cols());
  for (int b = 0; b < p.num_buckets; ++b) {
    double s = 0.0;
    for (int i = 0; i < N; ++i)
      for (int j = 0; j < M; ++j)
        if (bucket_of(j - (i + M - N), p) == b) s += dB(i, j);
    dtable(h, b) += float(s);
  }
}

}  // namespace attn
