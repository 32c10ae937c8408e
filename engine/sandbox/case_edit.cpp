#include "engine/sandbox/case_edit.h"

#include <utf8proc.h>

#include "engine/core/error.h"
#include "engine/sandbox/init.h"

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
  if (proj) {
    const float w = 1.f / std::sqrt(float(s.D));
    t.X = resized(t.X, s.N, s.D, rng, 1.f);
    if (!c.self_attention) t.Y = resized(t.Y, s.M, s.D, rng, 1.f);
    resize_heads(t.Wq, s.H, s.D, s.dk, rng, w);
    resize_heads(t.Wk, s.H, s.D, s.dk, rng, w);
    resize_heads(t.Wv, s.H, s.D, s.dv, rng, w);
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
}

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
