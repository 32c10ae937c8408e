// A "case": everything needed to compute one multi-head attention and its backward pass.
// It is what `attnscope compute --input case.json` reads and what the GUI edits and saves
// (a workspace is a case plus view settings). JSON mapping: engine/io/case_json.h.
// Legend: N queries, M keys, H heads, D model width, dk query/key width, dv value width.
#pragma once
#include <string>
#include <vector>

#include "engine/core/tensor.h"
#include "engine/ops/mask.h"
#include "engine/ops/rope.h"
#include "engine/ops/scores.h"
#include "engine/ops/softmax.h"

namespace attn {

// Direct: Q, K, V are given per head (edited by hand). Projection: Q = X Wq_h + bq_h, ... and
// Z = concat_h(O_h) Wo + bo.
enum class AttnMode { Direct, Projection };
enum class ScaleMode { InvSqrtDk, InvDk, One, Custom };
enum class LossKind { None, MSE, CrossEntropy, Cell };

// Positional encodings (engine/sandbox/positional.h applies them; formulas in engine/ops/):
//   absolute (projection mode only): sinusoidal, sinusoidal_t2t, geometric, learned -> X + P or [X P]
//   rope: rotates Q and K of every head (both modes); alibi, t5: a per-head logit bias;
//   shaw: relative a^K / a^V vectors inside the score and the output.
// Query i sits at position offset + i + M - N, key j at offset + j (the masks' alignment).
enum class PosKind { None, Sinusoidal, SinusoidalT2T, Geometric, Learned, Rope, Alibi, T5, Shaw };
enum class PosCombine { Add, Concat };

struct PositionalConfig {
  PosKind kind = PosKind::None;
  double base = 10000.0;                        // sinusoidal, sinusoidal_t2t, rope
  PosCombine combine = PosCombine::Add;         // absolute kinds
  int dim = 0;                                  // width d_p of P: add needs D (0 = D); concat any (0 = D)
  int offset = 0;                               // position of the first key (and of query 0 when N = M)
  int max_len = 0;                              // learned: table length when drawn at random (0 = offset + M)
  RopeLayout layout = RopeLayout::Interleaved;  // rope
  double rotary_fraction = 1.0;                 // rope: the first floor(fraction * dk) dims rotate
  bool bidirectional = false;                   // alibi, t5: false = causal form
  int num_buckets = 32, max_distance = 128;     // t5
  int clip = 4;                                 // shaw: k, distances clipped to -k..k
};

struct ScoreConfig {
  ScoreKind kind = ScoreKind::ScaledDot;  // dot forces s = 1
  int dim = 0;                            // additive: hidden width da (0 = dk)
};

struct AttentionConfig {
  AttnMode mode = AttnMode::Direct;
  int N = 0, M = 0, H = 1, D = 0, dk = 0, dv = 0;
  bool self_attention = true;  // projection mode: Y = X (then M = N)
  ScaleMode scale_mode = ScaleMode::InvSqrtDk;
  float custom_scale = 1.f;
  float tau = 1.f;
  SoftmaxAxis axis = SoftmaxAxis::Keys;
  MaskSpec mask;
  PositionalConfig positional;
  ScoreConfig score;
};

struct AttentionTensors {
  // Projection mode.
  MatRM X, Y;                        // (N, D), (M, D); Y empty for self-attention
  std::vector<MatRM> Wq, Wk, Wv;     // per head: (D, dk), (D, dk), (D, dv)
  std::vector<RowVec> bq, bk, bv;    // per head: (1, dk) ... ; empty vector = no bias
  MatRM Wo;                          // (H*dv, D)
  RowVec bo;                         // (1, D) or empty
  // Direct mode.
  std::vector<MatRM> Q, K, V;        // per head: (N, dk), (M, dk), (M, dv)
  // Both: optional additive logit bias per head (N, M), e.g. a positional bias. Empty = none.
  std::vector<MatRM> bias;
  // Positional parameters (empty unless the kind needs them).
  MatRM pe_table;                    // learned: (L, d_p), row p = position p
  MatRM t5_table;                    // t5: (H, num_buckets)
  std::vector<MatRM> shaw_aK;        // shaw, per head: (2 clip + 1, dk), row r = distance r - clip
  std::vector<MatRM> shaw_aV;        // shaw, per head: (2 clip + 1, dv)
  // Score parameters per head (empty unless the kind needs them).
  std::vector<MatRM> W_score;        // general: (dk, dk)
  std::vector<MatRM> Wq_score;       // additive: (dk, da)
  std::vector<MatRM> Wk_score;       // additive: (dk, da)
  std::vector<RowVec> v_score;       // additive: (1, da)
};

struct LossSpec {
  LossKind kind = LossKind::None;
  // MSE: mean over elements of (Z - T)^2 (projection) or (O - T)^2 (direct, O is (N, H*dv)).
  MatRM target;
  // CrossEntropy: -sum_{h in heads} sum_{r} sum_j t_rj log A_h[rows[r], j].
  std::vector<int> rows;   // query rows
  std::vector<int> heads;  // empty = every head
  MatRM target_rows;       // (rows.size(), M), each row a distribution over allowed keys
  // Cell: L = O[head, row, col] (direct) or Z[row, col] (projection).
  int head = 0, row = 0, col = 0;
};

struct AttentionCase {
  AttentionConfig config;
  AttentionTensors tensors;
  LossSpec loss;
  std::vector<std::string> query_tokens, key_tokens;  // labels, optional (N and M entries)
};

const char* attn_mode_name(AttnMode m);
const char* scale_mode_name(ScaleMode m);
const char* loss_kind_name(LossKind k);
AttnMode attn_mode_from_name(const std::string& s);
ScaleMode scale_mode_from_name(const std::string& s);
LossKind loss_kind_from_name(const std::string& s);
SoftmaxAxis softmax_axis_from_name(const std::string& s);
const char* softmax_axis_name(SoftmaxAxis a);

// The scale s for a configuration (1/sqrt(dk), 1/dk, 1 or the custom value; always 1 for the
// plain dot score).
float scale_value(const AttentionConfig& c);

// Checks shapes, ranges and finiteness; throws InputError naming the field and what is allowed.
void validate_case(const AttentionCase& c);

}  // namespace attn
