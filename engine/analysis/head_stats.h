// Per-head summaries of an attention map and a similarity between heads (the model view's table,
// thumbnail colouring and head ordering).
// Legend: T tokens; A is a (T, T) causal attention map, row i = query i, A_ij = weight on key j,
// rows sum to 1 (rows of an all-zero map, e.g. a padded row, are skipped where a mean is taken).
#pragma once
#include <vector>

#include "engine/core/tensor.h"

namespace attn {

struct HeadSummary {
  double entropy = 0;         // mean over query rows of -sum_j A_ij ln A_ij (nats; rows with no mass skipped)
  double mean_distance = 0;   // mean over rows of sum_j A_ij |i - j|   (in tokens)
  double first_token = 0;     // mean over rows of A_i0                  ("attention sink" share)
  double previous_token = 0;  // mean over rows i >= 1 of A_i,i-1        (0 for T = 1)
  double diagonal = 0;        // mean over rows of A_ii                  (attention to itself)
};

// The five summaries of one head's map. InputError unless A is square and non-empty.
HeadSummary summarize_head(const Eigen::Ref<const MatRM>& A);

// Jensen-Shannon distance between two maps of the same shape, row by row:
//   JS(p, q) = 1/2 KL(p || m) + 1/2 KL(q || m),  m = (p + q) / 2,  logs base 2, so JS in [0, 1];
//   distance = mean over rows of sqrt(JS(A_i, B_i)) (a metric on distributions), in [0, 1].
// Rows are renormalised first; a row with no mass in either map is skipped (distance 0 if all are).
// 0 for equal maps, symmetric, 1 for rows with disjoint support. InputError on a shape mismatch.
double js_distance(const Eigen::Ref<const MatRM>& A, const Eigen::Ref<const MatRM>& B);

// (n, n) matrix of js_distance between every pair of maps (symmetric, 0 on the diagonal), all
// maps of one shape. Computed with the maps prepared once and the pairs spread over the engine's
// threads; equal to js_distance per pair within rounding (1e-12; js_distance is its reference).
MatRM js_distance_matrix(const std::vector<MatRM>& maps);

// A permutation of 0..n-1 for showing similar heads next to each other: a greedy nearest-neighbour
// chain starting at index 0 (next = the closest not yet taken; ties -> the lower index), so the
// order is deterministic. InputError unless dist is square.
std::vector<int> order_by_similarity(const MatRM& dist);

}  // namespace attn
