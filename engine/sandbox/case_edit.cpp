#include "engine/sandbox/case_edit.h"

#include <utf8proc.h>

#include <algorithm>
#include <cmath>

#include "engine/core/error.h"
#include "engine/sandbox/init.h"
#include "engine/sandbox/positional.h"

namespace attn {

namespace {

bool is_cjk(int32_t cp) {
  return (cp >= 0x3040 && cp <= 0x30FF) ||   // hiragana, katakana
         (cp >= 0x3400 && cp <= 0x4DBF) ||   // CJK extension A
         (cp >= 0x4E00 && cp <= 0x9FFF) ||   // CJK unified ideographs
         (cp >= 0xAC00 && cp <= 0xD7AF) ||   // Hangul syllables
         (cp >= 0xF900 && cp <= 0xFAFF) ||   // CJK compatibility ideographs
         (cp >= 0x3000 && cp <= 0x303F) ||   // CJK punctuation
         (cp >= 0xFF00 && cp <= 0xFFEF) ||   // full-width forms
         (cp >= 0x20000 && cp <= 0x2FA1F);   // extensions B..
}

// Copies the overlapping block of `old` into a new (rows, cols) matrix filled from rng.
MatRM resized(const MatRM& old, long rows, long cols, Rng& rng, float std) {
  MatRM m(rows, cols);
  fill_normal(m, rng, std);
  const long r = std::min(rows, long(old.rows())), c = std::min(cols, long(old.cols()));
  if (r > 0 && c > 0) m.topLeftCorner(r, c) = old.topLeftCorner(r, c);
  return m;
}

void resize_heads(std::vector<MatRM>& v, int H, long rows, long cols, Rng& rng, float std) {
  if (v.empty() && rows == 0) return;
  std::vector<MatRM> out;
  for (int h = 0; h < H; ++h) out.push_back(resized(h < int(v.size()) ? v[h] : MatRM(), rows, cols, rng, std));
  v = std::move(out);
}

void resize_vecs(std::vector<RowVec>& v, int H, long cols, Rng& rng, float std) {
  if (v.empty()) return;  // no biases: stay without
  std::vector<RowVec> out;
  for (int h = 0; h < H; ++h) {
    MatRM old = h < int(v.size()) ? MatRM(v[h]) : MatRM();
    out.push_back(resized(old, 1, cols, rng, std));
  }
  v = std::move(out);
}

// A projection weight (din, cols) whose rows [0, D) multiply X and rows [D, din) multiply a
// concatenated encoding P: each block keeps its overlapping values, so changing D or d_p never
// moves a weight from an embedding feature onto a position feature.
MatRM resized_projection(const MatRM& old, long old_D, long D, long din, long cols, Rng& rng, float std) {
  MatRM m(din, cols);
  fill_normal(m, rng, std);
  const long c = std::min(cols, long(old.cols()));
  const long rx = std::min({old_D, D, long(old.rows())});
  if (rx > 0 && c > 0) m.topLeftCorner(rx, c) = old.topLeftCorner(rx, c);
  const long rp = std::min(long(old.rows()) - old_D, din - D);
  if (rp > 0 && c > 0) m.block(D, 0, rp, c) = old.block(old_D, 0, rp, c);
  return m;
}

// Shaw's (2 clip + 1, cols) table, row r for the distance r - clip: rows keep their distance.
MatRM recentred_shaw(const MatRM& old, int clip, long cols, Rng& rng, float std) {
  MatRM m(2L * clip + 1, cols);
  fill_normal(m, rng, std);
  if (old.rows() < 1) return m;
  const long old_clip = (old.rows() - 1) / 2, c = std::min(cols, long(old.cols()));
  for (long d = -clip; d <= clip; ++d)
    if (std::abs(d) <= old_clip && c > 0) m.row(d + clip).head(c) = old.row(d + old_clip).head(c);
  return m;
}

// Per-head tensors that are in use: H entries of (rows, cols), values kept; none yet: left empty
// for init_random_positional_and_score.
void fit_heads(std::vector<MatRM>& v, int H, long rows, long cols, Rng& rng, float std) {
  if (v.empty()) return;
  bool ok = int(v.size()) == H;
  for (const auto& m : v) ok = ok && m.rows() == rows && m.cols() == cols;
  if (!ok) resize_heads(v, H, rows, cols, rng, std);
}

// fit_positional_and_score, with the model width the projection weights had before (resize_case
// changes D; the other callers do not).
void fit_positional_impl(AttentionCase& cs, long old_D, uint64_t seed) {
  AttentionConfig& c = cs.config;
  AttentionTensors& t = cs.tensors;
  PositionalConfig& p = c.positional;
  Rng rng(seed ^ 0xF17C0DE5EEDull);
  if (c.mode == AttnMode::Projection) {
    const long din = projection_input_width(c);
    const float w = 1.f / std::sqrt(float(din));
    const std::pair<std::vector<MatRM>*, long> weights[] = {{&t.Wq, c.dk}, {&t.Wk, c.dk}, {&t.Wv, c.dv}};
    for (const auto& [W, cols] : weights)
      for (auto& m : *W)
        if (m.rows() != din || m.cols() != cols) m = resized_projection(m, old_D, c.D, din, cols, rng, w);
  }
  if (p.kind == PosKind::Learned && t.pe_table.size() > 0) {
    // Grows (never shrinks) to the last position the case needs; new rows are random.
    const long rows = std::max<long>(t.pe_table.rows(), long(key_pos0(c)) + c.M), d = pe_width(c);
    if (t.pe_table.rows() != rows || t.pe_table.cols() != d) t.pe_table = resized(t.pe_table, rows, d, rng, 1.f);
    if (p.max_len > 0) p.max_len = int(rows);
  } else if (p.kind != PosKind::Learned) {
    t.pe_table.resize(0, 0);
  }
  if (p.kind == PosKind::T5 && t.t5_table.size() > 0) {
    if (t.t5_table.rows() != c.H || t.t5_table.cols() != p.num_buckets)
      t.t5_table = resized(t.t5_table, c.H, std::max(p.num_buckets, 1), rng, 1.f);
  } else if (p.kind != PosKind::T5) {
    t.t5_table.resize(0, 0);
  }
  if (p.kind == PosKind::Shaw && p.clip >= 0) {
    for (auto [v, cols] : {std::pair{&t.shaw_aK, long(c.dk)}, std::pair{&t.shaw_aV, long(c.dv)}}) {
      if (v->empty()) continue;
      bool ok = int(v->size()) == c.H;
      for (const auto& m : *v) ok = ok && m.rows() == 2L * p.clip + 1 && m.cols() == cols;
      if (ok) continue;
      std::vector<MatRM> out;
      for (int h = 0; h < c.H; ++h)
        out.push_back(recentred_shaw(h < int(v->size()) ? (*v)[size_t(h)] : MatRM(), p.clip, cols, rng, 1.f));
      *v = std::move(out);
    }
  } else {
    t.shaw_aK.clear();
    t.shaw_aV.clear();
  }
  const float ws = 1.f / std::sqrt(float(std::max(c.dk, 1)));
  if (c.score.kind == ScoreKind::General)
    fit_heads(t.W_score, c.H, c.dk, c.dk, rng, ws);
  else
    t.W_score.clear();
  if (c.score.kind == ScoreKind::Additive) {
    const int da = score_hidden_width(c);
    fit_heads(t.Wq_score, c.H, c.dk, da, rng, ws);
    fit_heads(t.Wk_score, c.H, c.dk, da, rng, ws);
    bool ok = int(t.v_score.size()) == c.H;
    for (const auto& v : t.v_score) ok = ok && v.cols() == da;
    if (!t.v_score.empty() && !ok) {
      std::vector<RowVec> out;
      for (int h = 0; h < c.H; ++h)
        out.push_back(resized(h < int(t.v_score.size()) ? MatRM(t.v_score[size_t(h)]) : MatRM(), 1, da, rng,
                              1.f / std::sqrt(float(std::max(da, 1)))));
      t.v_score = std::move(out);
    }
  } else {
    t.Wq_score.clear();
    t.Wk_score.clear();
    t.v_score.clear();
  }
  init_random_positional_and_score(cs, seed, 1.f);
}

void resize_tokens(std::vector<std::string>& t, int n) {
  if (t.empty()) return;
  const int old = int(t.size());
  t.resize(size_t(n));
  for (int i = old; i < n; ++i) t[size_t(i)] = "t" + std::to_string(i);
}

void check_size(int v, int max, const char* field) {
  require(v >= 1 && v <= max, field, "is " + std::to_string(v) + ", allowed 1.." + std::to_string(max));
}

}  // namespace

std::vector<std::string> split_tokens(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  auto flush = [&] {
    if (!cur.empty()) out.push_back(cur);
    cur.clear();
  };
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  utf8proc_ssize_t left = utf8proc_ssize_t(text.size());
  while (left > 0) {
    utf8proc_int32_t cp = -1;
    utf8proc_ssize_t n = utf8proc_iterate(p, left, &cp);
    if (n <= 0) {  // invalid byte: keep it in the current token
      cur.push_back(char(*p));
      ++p;
      --left;
      continue;
    }
    const std::string ch(reinterpret_cast<const char*>(p), size_t(n));
    p += n;
    left -= n;
    const auto cat = utf8proc_category(cp);
    if (cat == UTF8PROC_CATEGORY_ZS || cp == '\t' || cp == '\n' || cp == '\r') {
      flush();
    } else if (is_cjk(cp)) {
      flush();
      out.push_back(ch);
    } else {
      cur += ch;
    }
  }
  flush();
  return out;
}

CaseShape shape_of(const AttentionCase& c) {
  return {c.config.N, c.config.M, c.config.H, c.config.D, c.config.dk, c.config.dv};
}

void resize_case(AttentionCase& cs, const CaseShape& s, uint64_t seed) {
  AttentionConfig& c = cs.config;
  const bool proj = c.mode == AttnMode::Projection;
  check_size(s.N, kMaxSandboxTokens, "N");
  check_size(s.M, kMaxSandboxTokens, "M");
  check_size(s.H, 64, "H");
  check_size(s.dk, kMaxSandboxWidth, "dk");
  check_size(s.dv, kMaxSandboxWidth, "dv");
  if (proj) check_size(s.D, kMaxSandboxWidth, "D");
  Rng rng(seed);
  AttentionTensors& t = cs.tensors;
  const int old_D = c.D;
  if (proj) {
    const float w = 1.f / std::sqrt(float(s.D));
    t.X = resized(t.X, s.N, s.D, rng, 1.f);
    if (!c.self_attention) t.Y = resized(t.Y, s.M, s.D, rng, 1.f);
    // Rows of Wq, Wk, Wv: D, plus d_p when an absolute encoding is concatenated ([X P] Wq).
    AttentionConfig next = c;
    next.D = s.D;
    const long din = projection_input_width(next);
    auto proj_heads = [&](std::vector<MatRM>& v, long cols) {
      std::vector<MatRM> out;
      for (int h = 0; h < s.H; ++h)
        out.push_back(resized_projection(h < int(v.size()) ? v[size_t(h)] : MatRM(), old_D, s.D, din, cols, rng, w));
      v = std::move(out);
    };
    proj_heads(t.Wq, s.dk);
    proj_heads(t.Wk, s.dk);
    proj_heads(t.Wv, s.dv);
    resize_vecs(t.bq, s.H, s.dk, rng, 0.1f);
    resize_vecs(t.bk, s.H, s.dk, rng, 0.1f);
    resize_vecs(t.bv, s.H, s.dv, rng, 0.1f);
    t.Wo = resized(t.Wo, long(s.H) * s.dv, s.D, rng, 1.f / std::sqrt(float(s.H * s.dv)));
    if (t.bo.size() > 0) t.bo = resized(MatRM(t.bo), 1, s.D, rng, 0.1f);
  } else {
    resize_heads(t.Q, s.H, s.N, s.dk, rng, 1.f);
    resize_heads(t.K, s.H, s.M, s.dk, rng, 1.f);
    resize_heads(t.V, s.H, s.M, s.dv, rng, 1.f);
  }
  if (!t.bias.empty()) {
    std::vector<MatRM> nb;
    for (int h = 0; h < s.H; ++h) {
      MatRM b = MatRM::Zero(s.N, s.M);
      if (h < int(t.bias.size())) {
        const long r = std::min<long>(s.N, t.bias[h].rows()), k = std::min<long>(s.M, t.bias[h].cols());
        b.topLeftCorner(r, k) = t.bias[h].topLeftCorner(r, k);
      }
      nb.push_back(b);
    }
    t.bias = std::move(nb);
  }
  // Masks with per-token data follow the shape.
  for (auto& p : c.mask.parts) {
    if (p.kind == MaskKind::Padding) p.key_flags.resize(size_t(s.M), 1);
    if (p.kind == MaskKind::Custom) {
      MaskM m = MaskM::Ones(s.N, s.M);
      const long r = std::min<long>(s.N, p.custom.rows()), k = std::min<long>(s.M, p.custom.cols());
      if (r > 0 && k > 0) m.topLeftCorner(r, k) = p.custom.topLeftCorner(r, k);
      p.custom = m;
    }
    if (p.kind == MaskKind::Global) {
      std::vector<int> keep;
      for (int tok : p.tokens)
        if (tok < s.M) keep.push_back(tok);
      p.tokens = keep;
    }
  }
  resize_tokens(cs.query_tokens, s.N);
  resize_tokens(cs.key_tokens, s.M);
  // Loss targets follow; a loss that no longer fits is reset to a valid default.
  LossSpec& l = cs.loss;
  const long out_cols = proj ? s.D : long(s.H) * s.dv;
  if (l.kind == LossKind::MSE) {
    MatRM tgt = MatRM::Zero(s.N, out_cols);
    const long r = std::min<long>(s.N, l.target.rows()), k = std::min<long>(out_cols, l.target.cols());
    if (r > 0 && k > 0) tgt.topLeftCorner(r, k) = l.target.topLeftCorner(r, k);
    l.target = tgt;
  } else if (l.kind == LossKind::CrossEntropy) {
    std::vector<int> rows;
    std::vector<int> keep;
    for (size_t k = 0; k < l.rows.size(); ++k)
      if (l.rows[k] < s.N && l.target_rows.cols() == s.M) {
        rows.push_back(l.rows[k]);
        keep.push_back(int(k));
      }
    MatRM tr(long(rows.size()), s.M);
    for (size_t k = 0; k < keep.size(); ++k) tr.row(long(k)) = l.target_rows.row(keep[k]);
    l.rows = rows;
    l.target_rows = tr;
    std::vector<int> heads;
    for (int h : l.heads)
      if (h < s.H) heads.push_back(h);
    l.heads = heads;
    if (l.rows.empty()) l.kind = LossKind::None;
  } else if (l.kind == LossKind::Cell) {
    l.head = std::min(l.head, s.H - 1);
    l.row = std::min(l.row, s.N - 1);
    l.col = std::min(l.col, (proj ? s.D : s.dv) - 1);
  }
  c.N = s.N;
  c.M = s.M;
  c.H = s.H;
  c.D = s.D;
  c.dk = s.dk;
  c.dv = s.dv;
  // Positional and score tensors (learned table, T5 table, Shaw vectors, score weights) follow.
  fit_positional_impl(cs, s.D, seed);
}

void fit_positional_and_score(AttentionCase& cs, uint64_t seed) { fit_positional_impl(cs, cs.config.D, seed); }

void set_sentence(AttentionCase& cs, const std::string& text, uint64_t seed) {
  std::vector<std::string> toks = split_tokens(text);
  require(!toks.empty(), "tokens", "the sentence is empty; type at least one word");
  require(int(toks.size()) <= kMaxSandboxTokens, "tokens",
          "has " + std::to_string(toks.size()) + " tokens; the sandbox allows up to " + std::to_string(kMaxSandboxTokens));
  CaseShape s = shape_of(cs);
  s.N = int(toks.size());
  const bool same_keys = cs.config.self_attention;
  if (same_keys) s.M = s.N;
  resize_case(cs, s, seed);
  cs.query_tokens = toks;
  if (same_keys) cs.key_tokens = toks;
  else if (cs.key_tokens.empty()) {
    cs.key_tokens = {"k0"};
    resize_tokens(cs.key_tokens, s.M);
  }
}

void switch_mode(AttentionCase& cs, AttnMode mode, const AttentionResult* last, uint64_t seed) {
  AttentionConfig& c = cs.config;
  if (c.mode == mode) return;
  AttentionTensors& t = cs.tensors;
  if (mode == AttnMode::Direct) {
    require(last && int(last->heads.size()) == c.H, "mode", "compute the projections before switching to direct mode");
    t.Q.clear();
    t.K.clear();
    t.V.clear();
    for (const auto& h : last->heads) {
      t.Q.push_back(h.Q);
      t.K.push_back(h.K);
      t.V.push_back(h.V);
    }
    t.X.resize(0, 0);
    t.Y.resize(0, 0);
    t.Wq.clear();
    t.Wk.clear();
    t.Wv.clear();
    t.bq.clear();
    t.bk.clear();
    t.bv.clear();
    t.Wo.resize(0, 0);
    t.bo.resize(0);
    c.mode = AttnMode::Direct;
    // An absolute encoding was added to X; the projected Q, K, V above already carry it.
    if (pos_is_absolute(c.positional.kind)) {
      c.positional.kind = PosKind::None;
      t.pe_table.resize(0, 0);
    }
    if (cs.loss.kind == LossKind::MSE) cs.loss.target = MatRM::Zero(c.N, long(c.H) * c.dv);
    if (cs.loss.kind == LossKind::Cell) cs.loss.col = std::min(cs.loss.col, c.dv - 1);
  } else {
    c.mode = AttnMode::Projection;
    if (c.D < 1) c.D = std::max(c.dk, c.dv) * 2;
    if (c.self_attention) c.M = c.N;
    const std::vector<MatRM> bias = t.bias;
    init_random_tensors(cs, seed, 1.f, false);
    t.Q.clear();
    t.K.clear();
    t.V.clear();
    t.bias = bias;
    if (c.self_attention) cs.key_tokens = cs.query_tokens;
    if (cs.loss.kind == LossKind::MSE) cs.loss.target = MatRM::Zero(c.N, c.D);
    if (cs.loss.kind == LossKind::Cell) cs.loss.col = std::min(cs.loss.col, c.D - 1);
    fit_positional_impl(cs, c.D, seed);
  }
}

void gradient_step(AttentionCase& cs, const AttentionResult& r, float lr) {
  AttentionTensors& t = cs.tensors;
  if (!r.has_grads) return;
  if (cs.config.mode == AttnMode::Direct) {
    for (int h = 0; h < cs.config.H; ++h) {
      t.Q[h] -= lr * r.heads[h].grad.dQ;
      t.K[h] -= lr * r.heads[h].grad.dK;
      t.V[h] -= lr * r.heads[h].grad.dV;
    }
    return;
  }
  for (int h = 0; h < cs.config.H; ++h) {
    const HeadResult& hr = r.heads[h];
    t.Wq[h] -= lr * hr.dWq;
    t.Wk[h] -= lr * hr.dWk;
    t.Wv[h] -= lr * hr.dWv;
    if (!t.bq.empty()) t.bq[h] -= lr * hr.dbq;
    if (!t.bk.empty()) t.bk[h] -= lr * hr.dbk;
    if (!t.bv.empty()) t.bv[h] -= lr * hr.dbv;
  }
  t.Wo -= lr * r.dWo;
  if (t.bo.size() > 0) t.bo -= lr * r.dbo;
}

}  // namespace attn
