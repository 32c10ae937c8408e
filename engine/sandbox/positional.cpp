// Legend: N queries, M keys, H heads, D model width, dk, dv, d_p. See positional.h.
#include "engine/sandbox/positional.h"

#include <cmath>
#include <cstdio>

#include "engine/core/error.h"
#include "engine/ops/positional_absolute.h"
#include "engine/sandbox/init.h"

namespace attn {

namespace {

template <class E>
struct Named {
  E value;
  const char* name;
};
const Named<PosKind> kPosKinds[] = {{PosKind::None, "none"},         {PosKind::Sinusoidal, "sinusoidal"},
                                    {PosKind::SinusoidalT2T, "sinusoidal_t2t"}, {PosKind::Geometric, "geometric"},
                                    {PosKind::Learned, "learned"},   {PosKind::Rope, "rope"},
                                    {PosKind::Alibi, "alibi"},       {PosKind::T5, "t5"},
                                    {PosKind::Shaw, "shaw"}};
const Named<PosCombine> kCombines[] = {{PosCombine::Add, "add"}, {PosCombine::Concat, "concat"}};
const Named<RopeLayout> kLayouts[] = {{RopeLayout::Interleaved, "interleaved"}, {RopeLayout::RotateHalf, "rotate_half"}};
const Named<ScoreKind> kScoreKinds[] = {{ScoreKind::ScaledDot, "scaled_dot"},
                                        {ScoreKind::Dot, "dot"},
                                        {ScoreKind::General, "general"},
                                        {ScoreKind::Additive, "additive"},
                                        {ScoreKind::Cosine, "cosine"}};

template <class E, size_t K>
const char* name_of(const Named<E> (&table)[K], E v) {
  for (const auto& n : table)
    if (n.value == v) return n.name;
  return "?";
}
template <class E, size_t K>
E value_of(const Named<E> (&table)[K], const std::string& s, const std::string& field) {
  std::string allowed;
  for (const auto& n : table) {
    if (s == n.name) return n.value;
    allowed += (allowed.empty() ? "" : ", ") + std::string(n.name);
  }
  throw InputError(field, "unknown value '" + s + "' (allowed: " + allowed + ")");
}

constexpr int kMaxPosition = 1 << 24, kMaxTable = 1 << 16;

std::string num(long v) { return std::to_string(v); }
std::string short_num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

void check_shape(const MatRM& m, long rows, long cols, const std::string& field, const std::string& hint) {
  require(m.rows() == rows && m.cols() == cols, field,
          m.size() == 0 ? "is missing: " + hint
                        : "has shape " + shape_str(m.rows(), m.cols()) + ", expected " + shape_str(rows, cols) + " (" +
                              hint + ")");
  if (m.allFinite()) return;  // one vectorised pass; the message is built only for the bad element
  for (long k = 0; k < m.size(); ++k)
    if (!std::isfinite(m.data()[k])) throw InputError(field, "element " + num(k) + " is not a finite number");
}

void check_head_shapes(const std::vector<MatRM>& ms, int H, long rows, long cols, const std::string& field,
                       const std::string& hint) {
  require(int(ms.size()) == H, field,
          ms.empty() ? "is missing: " + hint + ", one per head (or inputs.random)"
                     : "has " + num(long(ms.size())) + " matrices, expected one per head (H = " + num(H) + ")");
  for (int h = 0; h < H; ++h) check_shape(ms[h], rows, cols, field + "[" + num(h) + "]", hint);
}

void check_even_width(int d, PosKind kind, const AttentionConfig& c) {
  if (d >= 2 && d % 2 == 0) return;
  const bool add = c.positional.combine == PosCombine::Add;
  throw InputError(add ? "config.D" : "config.positional.dim",
                   "is " + num(d) + "; " + pos_kind_name(kind) +
                       " pairs a sine with a cosine, so the encoding width must be even and >= 2" +
                       (add ? " (the encoding is added to X, so its width is D)" : ""));
}

void validate_positional(const AttentionCase& cs) {
  const AttentionConfig& c = cs.config;
  const AttentionTensors& t = cs.tensors;
  const PositionalConfig& p = c.positional;
  if (p.kind == PosKind::None) return;
  // Upper limits keep positions and table sizes far from int overflow; they are not a model limit.
  require(p.offset >= 0 && p.offset <= kMaxPosition, "config.positional.offset",
          "is " + num(p.offset) + ", allowed 0.." + num(kMaxPosition));
  require(p.max_len <= kMaxPosition, "config.positional.max_len",
          "is " + num(p.max_len) + ", at most " + num(kMaxPosition));
  require(p.num_buckets <= kMaxTable, "config.positional.num_buckets",
          "is " + num(p.num_buckets) + ", at most " + num(kMaxTable));
  require(p.clip <= kMaxTable, "config.positional.clip", "is " + num(p.clip) + ", at most " + num(kMaxTable));
  if (pos_is_absolute(p.kind)) {
    require(c.mode == AttnMode::Projection, "config.positional.kind",
            std::string(pos_kind_name(p.kind)) +
                " is an absolute encoding added to the token embeddings X, so it needs config.mode = projection "
                "(in direct mode use rope, alibi, t5 or shaw)");
    require(p.dim >= 0, "config.positional.dim", "is " + num(p.dim) + ", must be >= 1 (or 0 for D)");
    if (p.combine == PosCombine::Add)
      require(p.dim == 0 || p.dim == c.D, "config.positional.dim",
              "is " + num(p.dim) + " but an added encoding has the width of X (D = " + num(c.D) +
                  "); use combine = concat for another width");
    const int d = pe_width(c);
    if (p.kind != PosKind::Learned) {
      check_even_width(d, p.kind, c);
      if (p.kind != PosKind::Geometric)
        require(std::isfinite(p.base) && p.base > 0.0, "config.positional.base",
                "is " + short_num(p.base) + ", must be a finite number > 0");
    } else {
      const int first = std::min(query_pos0(c), key_pos0(c)), last = key_pos0(c) + c.M - 1;
      require(t.pe_table.size() > 0, "inputs.pe_table",
              "is missing: a learned encoding needs a table (max length x " + num(d) + ") or inputs.random");
      require(t.pe_table.cols() == d, "inputs.pe_table",
              "has " + num(t.pe_table.cols()) + " columns, expected the encoding width " + num(d));
      check_shape(t.pe_table, t.pe_table.rows(), d, "inputs.pe_table", "");
      require(first >= 0, "inputs.pe_table",
              "query 0 sits at position " + num(first) + " (offset + M - N), before the table's first row; raise "
              "config.positional.offset to at least " + num(p.offset - first));
      require(last < t.pe_table.rows(), "inputs.pe_table",
              "has " + num(t.pe_table.rows()) + " rows (positions 0.." + num(t.pe_table.rows() - 1) +
                  ") but position " + num(last) + " is needed; a learned table has no entry past its end (give " +
                  num(last + 1) + " rows or lower config.positional.offset)");
    }
    return;
  }
  switch (p.kind) {
    case PosKind::Rope: {
      require(std::isfinite(p.base) && p.base > 0.0, "config.positional.base",
              "is " + short_num(p.base) + ", must be a finite number > 0");
      require(p.rotary_fraction > 0.0 && p.rotary_fraction <= 1.0, "config.positional.rotary_fraction",
              "is " + short_num(p.rotary_fraction) + ", allowed (0, 1]");
      const int r = rope_params(c).rotary_dim;
      if (p.rotary_fraction == 1.0)
        require(r % 2 == 0, "config.dk", "is " + num(c.dk) + "; rope rotates pairs of features, so it needs an even dk "
                                         "(or a rotary_fraction giving an even number of dims)");
      else
        require(r >= 2 && r % 2 == 0, "config.positional.rotary_fraction",
                "gives floor(" + short_num(p.rotary_fraction) + " * dk) = floor(" + short_num(p.rotary_fraction) + " * " +
                    num(c.dk) + ") = " + num(r) + " rotary dims; rope rotates pairs, so it needs an even number >= 2");
      break;
    }
    case PosKind::T5: {
      const int nb = p.bidirectional ? p.num_buckets / 2 : p.num_buckets;
      require(p.num_buckets >= 2 && (!p.bidirectional || p.num_buckets % 2 == 0), "config.positional.num_buckets",
              "is " + num(p.num_buckets) + "; needs >= 2, and an even number for the bidirectional form");
      require(p.max_distance > nb / 2, "config.positional.max_distance",
              "is " + num(p.max_distance) + "; must exceed the " + num(nb / 2) + " exact buckets");
      check_shape(t.t5_table, c.H, p.num_buckets, "inputs.t5_table",
                  "one scalar per head per bucket, H x num_buckets, or inputs.random");
      break;
    }
    case PosKind::Shaw:
      require(p.clip >= 0, "config.positional.clip", "is " + num(p.clip) + ", must be >= 0");
      require(c.score.kind == ScoreKind::ScaledDot || c.score.kind == ScoreKind::Dot, "config.score.kind",
              std::string("is ") + score_kind_name(c.score.kind) +
                  "; Shaw's relative keys enter a dot-product score, so use scaled_dot or dot");
      check_head_shapes(t.shaw_aK, c.H, 2L * p.clip + 1, c.dk, "inputs.shaw_aK",
                        "(2 clip + 1) x dk, row r for the distance r - clip");
      check_head_shapes(t.shaw_aV, c.H, 2L * p.clip + 1, c.dv, "inputs.shaw_aV",
                        "(2 clip + 1) x dv, row r for the distance r - clip");
      break;
    default:
      break;  // alibi: nothing to check
  }
}

void validate_score(const AttentionCase& cs) {
  const AttentionConfig& c = cs.config;
  const AttentionTensors& t = cs.tensors;
  require(c.score.dim >= 0, "config.score.dim", "is " + num(c.score.dim) + ", must be >= 1 (or 0 for dk)");
  switch (c.score.kind) {
    case ScoreKind::General:
      check_head_shapes(t.W_score, c.H, c.dk, c.dk, "inputs.W_score", "the general score q^T W k needs W (dk x dk)");
      break;
    case ScoreKind::Additive: {
      const int da = score_hidden_width(c);
      check_head_shapes(t.Wq_score, c.H, c.dk, da, "inputs.Wq_score", "the additive score needs Wq (dk x da)");
      check_head_shapes(t.Wk_score, c.H, c.dk, da, "inputs.Wk_score", "the additive score needs Wk (dk x da)");
      require(int(t.v_score.size()) == c.H, "inputs.v_score",
              t.v_score.empty() ? "is missing: the additive score needs v (da numbers), one per head (or inputs.random)"
                                : "has " + num(long(t.v_score.size())) + " vectors, expected one per head (H = " +
                                      num(c.H) + ")");
      for (int h = 0; h < c.H; ++h)
        check_shape(t.v_score[h], 1, da, "inputs.v_score[" + num(h) + "]", "da numbers");
      break;
    }
    default:
      break;
  }
}

}  // namespace

const char* pos_kind_name(PosKind k) { return name_of(kPosKinds, k); }
const char* pos_combine_name(PosCombine c) { return name_of(kCombines, c); }
const char* rope_layout_name(RopeLayout l) { return name_of(kLayouts, l); }
const char* score_kind_name(ScoreKind k) { return name_of(kScoreKinds, k); }
PosKind pos_kind_from_name(const std::string& s, const std::string& field) { return value_of(kPosKinds, s, field); }
PosCombine pos_combine_from_name(const std::string& s, const std::string& field) {
  return value_of(kCombines, s, field);
}
RopeLayout rope_layout_from_name(const std::string& s, const std::string& field) {
  return value_of(kLayouts, s, field);
}
ScoreKind score_kind_from_name(const std::string& s, const std::string& field) {
  return value_of(kScoreKinds, s, field);
}

bool pos_is_absolute(PosKind k) {
  return k == PosKind::Sinusoidal || k == PosKind::SinusoidalT2T || k == PosKind::Geometric || k == PosKind::Learned;
}

int pe_width(const AttentionConfig& c) {
  if (c.positional.combine == PosCombine::Add) return c.D;
  return c.positional.dim > 0 ? c.positional.dim : c.D;
}

int projection_input_width(const AttentionConfig& c) {
  if (pos_is_absolute(c.positional.kind) && c.positional.combine == PosCombine::Concat) return c.D + pe_width(c);
  return c.D;
}

int query_pos0(const AttentionConfig& c) { return c.positional.offset + c.M - c.N; }
int key_pos0(const AttentionConfig& c) { return c.positional.offset; }
int score_hidden_width(const AttentionConfig& c) { return c.score.dim > 0 ? c.score.dim : c.dk; }

RopeParams rope_params(const AttentionConfig& c) {
  RopeParams r;
  r.base = c.positional.base;
  r.layout = c.positional.layout;
  r.rotary_dim = int(std::floor(c.positional.rotary_fraction * c.dk));
  return r;
}

T5Params t5_params(const PositionalConfig& p) {
  T5Params t;
  t.num_buckets = p.num_buckets;
  t.max_distance = p.max_distance;
  t.bidirectional = p.bidirectional;
  return t;
}

void absolute_pe_table(MatRM& P, const PositionalConfig& p, int d, int pos0, int count, const MatRM& learned) {
  switch (p.kind) {
    case PosKind::Sinusoidal: pe_sinusoidal_forward(P, pos0, count, d, p.base); return;
    case PosKind::SinusoidalT2T: pe_sinusoidal_t2t_forward(P, pos0, count, d, p.base); return;
    case PosKind::Geometric: pe_geometric_forward(P, pos0, count, d); return;
    case PosKind::Learned: pe_learned_forward(P, learned, pos0, count); return;
    default: P.resize(0, 0); return;
  }
}

void positional_bias(MatRM& B, const AttentionConfig& c, const AttentionTensors& t, int h) {
  const PositionalConfig& p = c.positional;
  if (p.kind == PosKind::Alibi)
    alibi_bias_forward(B, c.N, c.M, alibi_slopes(c.H)[h], p.bidirectional);
  else if (p.kind == PosKind::T5)
    t5_bias_forward(B, t.t5_table, h, c.N, c.M, t5_params(p));
  else
    B.resize(0, 0);
}

void validate_positional_and_score(const AttentionCase& cs) {
  validate_positional(cs);
  validate_score(cs);
}

void init_random_positional_and_score(AttentionCase& cs, uint64_t seed, float std) {
  AttentionConfig& c = cs.config;
  AttentionTensors& t = cs.tensors;
  Rng rng(seed ^ 0x5E0B5A11D0C0FFEEull);
  auto make = [&](long r, long k, float s) {
    MatRM m(r, k);
    fill_normal(m, rng, s);
    return m;
  };
  auto heads = [&](std::vector<MatRM>& v, long r, long k, float s) {
    if (!v.empty()) return;
    for (int h = 0; h < c.H; ++h) v.push_back(make(r, k, s));
  };
  const PositionalConfig& p = c.positional;
  if (c.mode == AttnMode::Projection && pos_is_absolute(p.kind) && p.combine == PosCombine::Concat) {
    const int din = projection_input_width(c);
    const float w = std / std::sqrt(float(din));
    for (auto* W : {&t.Wq, &t.Wk, &t.Wv})
      if (!W->empty() && (*W)[0].rows() != din) W->clear();
    heads(t.Wq, din, c.dk, w);
    heads(t.Wk, din, c.dk, w);
    heads(t.Wv, din, c.dv, w);
  }
  if (p.kind == PosKind::Learned && t.pe_table.size() == 0) {
    const int len = p.max_len > 0 ? p.max_len : key_pos0(c) + c.M;
    t.pe_table = make(len, pe_width(c), std);
  }
  if (p.kind == PosKind::T5 && t.t5_table.size() == 0) t.t5_table = make(c.H, p.num_buckets, std);
  if (p.kind == PosKind::Shaw && p.clip >= 0) {
    heads(t.shaw_aK, 2L * p.clip + 1, c.dk, std);
    heads(t.shaw_aV, 2L * p.clip + 1, c.dv, std);
  }
  if (c.score.kind == ScoreKind::General) heads(t.W_score, c.dk, c.dk, std / std::sqrt(float(c.dk)));
  if (c.score.kind == ScoreKind::Additive) {
    const int da = score_hidden_width(c);
    heads(t.Wq_score, c.dk, da, std / std::sqrt(float(c.dk)));
    heads(t.Wk_score, c.dk, da, std / std::sqrt(float(c.dk)));
    if (t.v_score.empty())
      for (int h = 0; h < c.H; ++h) t.v_score.push_back(make(1, da, std / std::sqrt(float(da))));
  }
}

}  // namespace attn
