#include "engine/sandbox/case.h"

#include <cmath>

#include "engine/core/error.h"
#include "engine/sandbox/positional.h"

namespace attn {

namespace {

template <class E>
struct Named {
  E value;
  const char* name;
};
const Named<AttnMode> kModes[] = {{AttnMode::Direct, "direct"}, {AttnMode::Projection, "projection"}};
const Named<ScaleMode> kScales[] = {{ScaleMode::InvSqrtDk, "inv_sqrt_dk"},
                                    {ScaleMode::InvDk, "inv_dk"},
                                    {ScaleMode::One, "one"},
                                    {ScaleMode::Custom, "custom"}};
const Named<LossKind> kLosses[] = {{LossKind::None, "none"},
                                   {LossKind::MSE, "mse"},
                                   {LossKind::CrossEntropy, "cross_entropy"},
                                   {LossKind::Cell, "cell"}};
const Named<SoftmaxAxis> kAxes[] = {{SoftmaxAxis::Keys, "keys"}, {SoftmaxAxis::Queries, "queries"}};

template <class E, size_t K>
const char* name_of(const Named<E> (&table)[K], E v) {
  for (const auto& n : table)
    if (n.value == v) return n.name;
  return "?";
}
template <class E, size_t K>
E value_of(const Named<E> (&table)[K], const std::string& s, const char* field) {
  std::string allowed;
  for (const auto& n : table) {
    if (s == n.name) return n.value;
    allowed += (allowed.empty() ? "" : ", ") + std::string(n.name);
  }
  throw InputError(field, "unknown value '" + s + "' (allowed: " + allowed + ")");
}

void check_matrix(const MatRM& m, long rows, long cols, const std::string& field) {
  require(m.rows() == rows && m.cols() == cols, field,
          "has shape " + shape_str(m.rows(), m.cols()) + ", expected " + shape_str(rows, cols));
  if (m.allFinite()) return;  // the common case: one vectorised pass, no message built per element
  for (long i = 0; i < m.rows(); ++i)
    for (long j = 0; j < m.cols(); ++j)
      if (!std::isfinite(m(i, j)))
        throw InputError(field, "element [" + std::to_string(i) + "][" + std::to_string(j) + "] is not a finite number");
}

void check_heads(const std::vector<MatRM>& ms, int H, long rows, long cols, const std::string& field) {
  require((int)ms.size() == H, field, "has " + std::to_string(ms.size()) + " matrices, expected one per head (H = " +
                                          std::to_string(H) + ")");
  for (int h = 0; h < H; ++h) check_matrix(ms[h], rows, cols, field + "[" + std::to_string(h) + "]");
}

void check_bias_vecs(const std::vector<RowVec>& bs, int H, long width, const std::string& field) {
  if (bs.empty()) return;
  require((int)bs.size() == H, field, "has " + std::to_string(bs.size()) + " vectors, expected H = " +
                                          std::to_string(H) + " (or none)");
  for (int h = 0; h < H; ++h) check_matrix(bs[h], 1, width, field + "[" + std::to_string(h) + "]");
}

void check_positive(int v, const std::string& field) {
  require(v >= 1, field, "is " + std::to_string(v) + ", must be >= 1");
}

}  // namespace

const char* attn_mode_name(AttnMode m) { return name_of(kModes, m); }
const char* scale_mode_name(ScaleMode m) { return name_of(kScales, m); }
const char* loss_kind_name(LossKind k) { return name_of(kLosses, k); }
const char* softmax_axis_name(SoftmaxAxis a) { return name_of(kAxes, a); }
AttnMode attn_mode_from_name(const std::string& s) { return value_of(kModes, s, "config.mode"); }
ScaleMode scale_mode_from_name(const std::string& s) { return value_of(kScales, s, "config.scale"); }
LossKind loss_kind_from_name(const std::string& s) { return value_of(kLosses, s, "loss.kind"); }
SoftmaxAxis softmax_axis_from_name(const std::string& s) { return value_of(kAxes, s, "config.normalize"); }

float scale_value(const AttentionConfig& c) {
  if (c.score.kind == ScoreKind::Dot) return 1.f;  // the plain dot product has no scale
  switch (c.scale_mode) {
    case ScaleMode::InvSqrtDk: return 1.f / std::sqrt(float(c.dk));
    case ScaleMode::InvDk: return 1.f / float(c.dk);
    case ScaleMode::One: return 1.f;
    case ScaleMode::Custom: return c.custom_scale;
  }
  return 1.f;
}

void validate_case(const AttentionCase& cs) {
  const AttentionConfig& c = cs.config;
  const AttentionTensors& t = cs.tensors;
  check_positive(c.N, "config.N");
  check_positive(c.M, "config.M");
  check_positive(c.H, "config.H");
  check_positive(c.dk, "config.dk");
  check_positive(c.dv, "config.dv");
  require(std::isfinite(c.tau) && c.tau > 0.f, "config.tau",
          "is " + std::to_string(c.tau) + ", must be a finite number > 0");
  require(std::isfinite(c.custom_scale), "config.custom_scale", "must be a finite number");
  if (c.mode == AttnMode::Direct) {
    check_heads(t.Q, c.H, c.N, c.dk, "Q");
    check_heads(t.K, c.H, c.M, c.dk, "K");
    check_heads(t.V, c.H, c.M, c.dv, "V");
  } else {
    check_positive(c.D, "config.D");
    if (c.self_attention)
      require(c.M == c.N, "config.M", "is " + std::to_string(c.M) + " but self-attention needs M = N = " +
                                          std::to_string(c.N));
    check_matrix(t.X, c.N, c.D, "X");
    if (!c.self_attention) check_matrix(t.Y, c.M, c.D, "Y");
    const int din = projection_input_width(c);  // D, or D + d_p with a concatenated encoding
    check_heads(t.Wq, c.H, din, c.dk, "Wq");
    check_heads(t.Wk, c.H, din, c.dk, "Wk");
    check_heads(t.Wv, c.H, din, c.dv, "Wv");
    check_bias_vecs(t.bq, c.H, c.dk, "bq");
    check_bias_vecs(t.bk, c.H, c.dk, "bk");
    check_bias_vecs(t.bv, c.H, c.dv, "bv");
    check_matrix(t.Wo, long(c.H) * c.dv, c.D, "Wo");
    if (t.bo.size() > 0) check_matrix(t.bo, 1, c.D, "bo");
  }
  if (!t.bias.empty()) check_heads(t.bias, c.H, c.N, c.M, "bias");
  validate_positional_and_score(cs);

  const MaskM allowed = build_mask(c.mask, c.N, c.M);  // validates mask parameters
  const LossSpec& l = cs.loss;
  const long out_cols = c.mode == AttnMode::Projection ? c.D : long(c.H) * c.dv;
  switch (l.kind) {
    case LossKind::None: break;
    case LossKind::MSE:
      check_matrix(l.target, c.N, out_cols, "loss.target");
      break;
    case LossKind::Cell:
      if (c.mode == AttnMode::Direct)
        require(l.head >= 0 && l.head < c.H, "loss.head",
                "is " + std::to_string(l.head) + ", allowed 0.." + std::to_string(c.H - 1));
      require(l.row >= 0 && l.row < c.N, "loss.row", "is " + std::to_string(l.row) + ", allowed 0.." + std::to_string(c.N - 1));
      {
        const long cols = c.mode == AttnMode::Direct ? c.dv : c.D;
        require(l.col >= 0 && l.col < cols, "loss.col",
                "is " + std::to_string(l.col) + ", allowed 0.." + std::to_string(cols - 1));
      }
      break;
    case LossKind::CrossEntropy: {
      require(!l.rows.empty(), "loss.rows", "is empty; name at least one query row");
      require(c.axis == SoftmaxAxis::Keys, "loss.kind",
              "cross_entropy compares rows of A, so it needs config.normalize = keys");
      for (int h : l.heads)
        require(h >= 0 && h < c.H, "loss.heads", "head " + std::to_string(h) + " is outside 0.." + std::to_string(c.H - 1));
      check_matrix(l.target_rows, long(l.rows.size()), c.M, "loss.target");
      for (size_t r = 0; r < l.rows.size(); ++r) {
        const int i = l.rows[r];
        const std::string f = "loss.target[" + std::to_string(r) + "]";
        require(i >= 0 && i < c.N, "loss.rows", "row " + std::to_string(i) + " is outside 0.." + std::to_string(c.N - 1));
        double sum = 0.0;
        for (int j = 0; j < c.M; ++j) {
          const float tj = l.target_rows(r, j);
          if (!(tj >= 0.f)) throw InputError(f, "has a negative entry at key " + std::to_string(j) + "; a distribution needs t >= 0");
          if (tj != 0.f && !allowed(i, j))
            throw InputError(f, "puts mass on key " + std::to_string(j) + ", which the mask hides from query " + std::to_string(i));
          sum += tj;
        }
        require(std::abs(sum - 1.0) <= 1e-4, f, "sums to " + std::to_string(sum) + "; a distribution must sum to 1");
      }
      break;
    }
  }
}

}  // namespace attn
