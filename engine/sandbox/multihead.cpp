// Legend: N queries, M keys, H heads, D model width, dk, dv, d_p. Formulas in multihead.h.
#include "engine/sandbox/multihead.h"

#include "engine/core/parallel.h"
#include "engine/ops/attend.h"
#include "engine/ops/positional_absolute.h"
#include "engine/ops/relative_bias.h"
#include "engine/ops/rope.h"
#include "engine/ops/shaw.h"
#include "engine/sandbox/loss.h"
#include "engine/sandbox/positional.h"

namespace attn {

namespace {

bool cancelled(const RunControl* ctl) { return ctl && ctl->cancel && ctl->cancel->load(std::memory_order_relaxed); }
struct StepGuard {
  const RunControl* ctl;
  ~StepGuard() {
    if (ctl && ctl->steps_done) ctl->steps_done->fetch_add(1, std::memory_order_relaxed);
  }
};

AttentionParams head_params(const AttentionCase& c, const AttentionResult& r, int h) {
  AttentionParams p;
  p.scale = r.scale;
  p.tau = c.config.tau;
  p.axis = c.config.axis;
  p.allowed = &r.allowed;
  p.bias = r.heads[h].B.size() ? &r.heads[h].B : nullptr;
  return p;
}

ScoreWeights score_weights(const AttentionTensors& t, ScoreKind kind, int h) {
  ScoreWeights w;
  if (kind == ScoreKind::General) w.W = &t.W_score[h];
  if (kind == ScoreKind::Additive) {
    w.Wq = &t.Wq_score[h];
    w.Wk = &t.Wk_score[h];
    w.v = &t.v_score[h];
  }
  return w;
}

// out = in W + b  (rows of `in` are tokens)
void linear(MatRM& out, const MatRM& in, const MatRM& W, const std::vector<RowVec>& b, int h) {
  out.resize(in.rows(), W.cols());
  out.noalias() = in * W;
  if (!b.empty()) out.rowwise() += b[h];
}

// X' = X + P (add) or [X P] (concat)
void combine(MatRM& Xin, const MatRM& X, const MatRM& P, PosCombine how) {
  if (how == PosCombine::Add) {
    Xin = X + P;
  } else {
    Xin.resize(X.rows(), X.cols() + P.cols());
    Xin << X, P;
  }
}

bool uses_absolute(const AttentionConfig& c) {
  return c.mode == AttnMode::Projection && pos_is_absolute(c.positional.kind);
}

// The four terms of one head: content rows X Wq_x + bq, position rows P Wq_p (Wq_x = Wq_p = Wq when
// added; the top D and bottom d_p rows of Wq when concatenated).
void head_terms(HeadResult& hr, const AttentionCase& cs, const AttentionResult& r, int h) {
  const AttentionConfig& c = cs.config;
  const AttentionTensors& t = cs.tensors;
  const bool add = c.positional.combine == PosCombine::Add;
  const bool self = c.self_attention;
  const MatRM& Y = self ? t.X : t.Y;
  const MatRM& PY = self ? r.P : r.PY;
  const long D = c.D, dp = pe_width(c);
  const MatRM Wq_x = add ? t.Wq[h] : MatRM(t.Wq[h].topRows(D)), Wq_p = add ? t.Wq[h] : MatRM(t.Wq[h].bottomRows(dp));
  const MatRM Wk_x = add ? t.Wk[h] : MatRM(t.Wk[h].topRows(D)), Wk_p = add ? t.Wk[h] : MatRM(t.Wk[h].bottomRows(dp));
  MatRM Qc, Kc;
  linear(Qc, t.X, Wq_x, t.bq, h);
  linear(Kc, Y, Wk_x, t.bk, h);
  const MatRM Qp = r.P * Wq_p, Kp = PY * Wk_p;
  const MatRM* W = c.score.kind == ScoreKind::General ? &t.W_score[h] : nullptr;
  pe_terms_forward(hr.terms, Qc, Qp, Kc, Kp, W, r.scale / c.tau);
  hr.has_terms = true;
}

}  // namespace

void multihead_forward(AttentionResult& r, const AttentionCase& cs, const RunControl* ctl) {
  const AttentionConfig& c = cs.config;
  const AttentionTensors& t = cs.tensors;
  const PositionalConfig& pc = c.positional;
  const bool proj = c.mode == AttnMode::Projection;
  const bool absolute = uses_absolute(c), rope = pc.kind == PosKind::Rope, shaw = pc.kind == PosKind::Shaw;
  r.allowed = build_mask(c.mask, c.N, c.M);
  r.scale = scale_value(c);
  r.heads.assign(c.H, HeadResult());
  r.O.resize(c.N, long(c.H) * c.dv);
  r.alibi_slopes = pc.kind == PosKind::Alibi ? alibi_slopes(c.H) : std::vector<double>();
  if (absolute) {
    absolute_pe_table(r.P, pc, pe_width(c), query_pos0(c), c.N, t.pe_table);
    combine(r.Xin, t.X, r.P, pc.combine);
    if (!c.self_attention) {
      absolute_pe_table(r.PY, pc, pe_width(c), key_pos0(c), c.M, t.pe_table);
      combine(r.Yin, t.Y, r.PY, pc.combine);
    }
  }
  const MatRM& X = absolute ? r.Xin : t.X;
  const MatRM& Y = c.self_attention ? X : (absolute ? r.Yin : t.Y);
  const RopeParams rp = rope_params(c);
  parallel_for(c.H, [&](int h) {
    if (cancelled(ctl)) return;
    const StepGuard progress{ctl};  // counts this head when the lambda leaves, by any return
    HeadResult& hr = r.heads[h];
    if (proj) {
      linear(hr.Q, X, t.Wq[h], t.bq, h);
      linear(hr.K, Y, t.Wk[h], t.bk, h);
      linear(hr.V, Y, t.Wv[h], t.bv, h);
    } else {
      hr.Q = t.Q[h];
      hr.K = t.K[h];
      hr.V = t.V[h];
    }
    if (rope) {
      rope_forward(hr.Qr, hr.Q, query_pos0(c), rp);
      rope_forward(hr.Kr, hr.K, key_pos0(c), rp);
    }
    const MatRM& Qs = rope ? hr.Qr : hr.Q;
    const MatRM& Ks = rope ? hr.Kr : hr.K;
    score_forward(hr.cache.S, hr.score_cache, c.score.kind, Qs, Ks, score_weights(t, c.score.kind, h));
    if (shaw) {
      shaw_scores_forward(hr.shaw_E, Qs, t.shaw_aK[h], c.M, pc.clip);
      hr.cache.S += hr.shaw_E;
    }
    positional_bias(hr.B, c, t, h);
    if (!t.bias.empty()) {
      if (hr.B.size())
        hr.B += t.bias[h];
      else
        hr.B = t.bias[h];
    }
    MatRM Oh;
    attend_forward(hr.cache, Oh, hr.V, head_params(cs, r, h));
    if (shaw) shaw_values_forward(Oh, hr.cache.A, t.shaw_aV[h], pc.clip);
    col_block(r.O, long(h) * c.dv, c.dv) = Oh;
    if (absolute && c.score.kind != ScoreKind::Additive && c.score.kind != ScoreKind::Cosine) head_terms(hr, cs, r, h);
  });
  if (proj) {
    r.Z.resize(c.N, c.D);
    r.Z.noalias() = r.O * t.Wo;
    if (t.bo.size() > 0) r.Z.rowwise() += t.bo;
  }
}

void multihead_backward(AttentionResult& r, const AttentionCase& cs, const RunControl* ctl) {
  const AttentionConfig& c = cs.config;
  const AttentionTensors& t = cs.tensors;
  const PositionalConfig& pc = c.positional;
  const bool proj = c.mode == AttnMode::Projection;
  const bool absolute = uses_absolute(c), rope = pc.kind == PosKind::Rope, shaw = pc.kind == PosKind::Shaw;
  LossGrads lg;
  r.loss = loss_forward_backward(lg, cs.loss, c, r);
  r.has_loss = true;
  if (proj) {
    // Z = O Wo + bo
    r.dZ = lg.dOut;
    r.dWo.noalias() = r.O.transpose() * r.dZ;
    r.dbo = r.dZ.colwise().sum();
    r.dO.noalias() = r.dZ * t.Wo.transpose();
  } else {
    r.dO = lg.dOut;
  }
  const MatRM& X = absolute ? r.Xin : t.X;
  const MatRM& Y = c.self_attention ? X : (absolute ? r.Yin : t.Y);
  const RopeParams rp = rope_params(c);
  if (pc.kind == PosKind::T5) r.dt5_table.setZero(c.H, pc.num_buckets);
  std::vector<MatRM> dX_head(c.H), dY_head(c.H);
  parallel_for(c.H, [&](int h) {
    if (cancelled(ctl)) return;
    const StepGuard progress{ctl};  // counts this head when the lambda leaves, by any return
    HeadResult& hr = r.heads[h];
    const MatRM* dA_extra = lg.dA_extra.empty() || lg.dA_extra[h].size() == 0 ? nullptr : &lg.dA_extra[h];
    const MatRM* dL_extra = lg.dL_extra.empty() || lg.dL_extra[h].size() == 0 ? nullptr : &lg.dL_extra[h];
    const CHeadView dOh = col_block(static_cast<const MatRM&>(r.dO), long(h) * c.dv, c.dv);
    const MatRM& Qs = rope ? hr.Qr : hr.Q;
    const MatRM& Ks = rope ? hr.Kr : hr.K;
    // O_h += Shaw's sum_j A_ij aV[r(i, j)]
    MatRM dA_shaw;
    if (shaw) shaw_values_backward(dA_shaw, hr.dshaw_aV, dOh, hr.cache.A, t.shaw_aV[h], pc.clip);
    // (L, A), O = attend(S, V)
    AttendGrads ag;
    attend_backward(ag, dOh, shaw ? &dA_shaw : nullptr, dA_extra, dL_extra, hr.V, hr.cache, head_params(cs, r, h));
    // S = score(Q, K) (+ Shaw's q_i . aK[r(i, j)])
    score_backward(hr.score_grad, ag.dS, c.score.kind, Qs, Ks, score_weights(t, c.score.kind, h), hr.score_cache);
    if (shaw) shaw_scores_backward(hr.score_grad.dQ, hr.dshaw_aK, ag.dS, Qs, t.shaw_aK[h], pc.clip);
    // Qr = rope(Q), Kr = rope(K)
    if (rope) {
      rope_backward(hr.grad.dQ, hr.score_grad.dQ, query_pos0(c), rp);
      rope_backward(hr.grad.dK, hr.score_grad.dK, key_pos0(c), rp);
    } else {
      hr.grad.dQ = hr.score_grad.dQ;
      hr.grad.dK = hr.score_grad.dK;
    }
    // B = T5 table row h gathered by bucket
    if (pc.kind == PosKind::T5) t5_bias_backward(r.dt5_table, ag.dL, h, t5_params(pc));
    hr.grad.dV = std::move(ag.dV);
    hr.grad.dA = std::move(ag.dA);
    hr.grad.dL = std::move(ag.dL);
    hr.grad.dscale = ag.dscale;
    hr.grad.dtau = ag.dtau;
    if (!proj) return;
    // Q = X' Wq + bq, K = Y' Wk + bk, V = Y' Wv + bv
    hr.dWq.noalias() = X.transpose() * hr.grad.dQ;
    hr.dWk.noalias() = Y.transpose() * hr.grad.dK;
    hr.dWv.noalias() = Y.transpose() * hr.grad.dV;
    if (!t.bq.empty()) hr.dbq = hr.grad.dQ.colwise().sum();
    if (!t.bk.empty()) hr.dbk = hr.grad.dK.colwise().sum();
    if (!t.bv.empty()) hr.dbv = hr.grad.dV.colwise().sum();
    dX_head[h].noalias() = hr.grad.dQ * t.Wq[h].transpose();
    dY_head[h].noalias() = hr.grad.dK * t.Wk[h].transpose();
    dY_head[h].noalias() += hr.grad.dV * t.Wv[h].transpose();
  });
  r.dtau = 0.f;
  r.dscale = 0.f;
  for (int h = 0; h < c.H; ++h) {
    r.dtau += r.heads[h].grad.dtau;
    r.dscale += r.heads[h].grad.dscale;
  }
  if (proj) {
    const int din = projection_input_width(c);
    MatRM dXin = MatRM::Zero(c.N, din), dYin;
    if (!c.self_attention) dYin.setZero(c.M, din);
    MatRM& dYt = c.self_attention ? dXin : dYin;
    for (int h = 0; h < c.H; ++h) {  // head order: deterministic
      dXin += dX_head[h];
      dYt += dY_head[h];
    }
    // X' = X + P or [X P]: dX is dX' or its first D columns; dP the rest
    const bool concat = absolute && pc.combine == PosCombine::Concat;
    r.dX = concat ? MatRM(dXin.leftCols(c.D)) : dXin;
    r.dY.resize(0, 0);
    if (!c.self_attention) r.dY = concat ? MatRM(dYin.leftCols(c.D)) : dYin;
    if (absolute && pc.kind == PosKind::Learned) {
      // P(i, :) = table(pos0 + i, :)
      const long dp = pe_width(c);
      r.dpe_table.setZero(t.pe_table.rows(), t.pe_table.cols());
      pe_learned_backward(r.dpe_table, concat ? MatRM(dXin.rightCols(dp)) : dXin, query_pos0(c));
      if (!c.self_attention) pe_learned_backward(r.dpe_table, concat ? MatRM(dYin.rightCols(dp)) : dYin, key_pos0(c));
    }
  }
  r.has_grads = true;
}

AttentionResult run_attention(const AttentionCase& c, bool backward, const RunControl* ctl) {
  validate_case(c);
  AttentionResult r;
  multihead_forward(r, c, ctl);
  if (cancelled(ctl)) throw RunCancelled();
  if (backward && c.loss.kind != LossKind::None) multihead_backward(r, c, ctl);
  if (cancelled(ctl)) throw RunCancelled();
  return r;
}

}  // namespace attn
