// Legend: N queries, M keys, H heads, D model width, dk, dv. Formulas in multihead.h.
#include "engine/sandbox/multihead.h"

#include "engine/core/parallel.h"
#include "engine/sandbox/loss.h"

namespace attn {

namespace {

AttentionParams head_params(const AttentionCase& c, const AttentionResult& r, int h) {
  AttentionParams p;
  p.scale = r.scale;
  p.tau = c.config.tau;
  p.axis = c.config.axis;
  p.allowed = &r.allowed;
  p.bias = c.tensors.bias.empty() ? nullptr : &c.tensors.bias[h];
  return p;
}

// out = in W + b  (rows of `in` are tokens)
void linear(MatRM& out, const MatRM& in, const MatRM& W, const std::vector<RowVec>& b, int h) {
  out.resize(in.rows(), W.cols());
  out.noalias() = in * W;
  if (!b.empty()) out.rowwise() += b[h];
}

}  // namespace

void multihead_forward(AttentionResult& r, const AttentionCase& cs) {
  const AttentionConfig& c = cs.config;
  const AttentionTensors& t = cs.tensors;
  const bool proj = c.mode == AttnMode::Projection;
  r.allowed = build_mask(c.mask, c.N, c.M);
  r.scale = scale_value(c);
  r.heads.resize(c.H);
  r.O.resize(c.N, long(c.H) * c.dv);
  const MatRM& Y = (proj && !c.self_attention) ? t.Y : t.X;
  parallel_for(c.H, [&](int h) {
    HeadResult& hr = r.heads[h];
    if (proj) {
      linear(hr.Q, t.X, t.Wq[h], t.bq, h);
      linear(hr.K, Y, t.Wk[h], t.bk, h);
      linear(hr.V, Y, t.Wv[h], t.bv, h);
    } else {
      hr.Q = t.Q[h];
      hr.K = t.K[h];
      hr.V = t.V[h];
    }
    MatRM Oh;
    attention_forward(hr.cache, Oh, hr.Q, hr.K, hr.V, head_params(cs, r, h));
    col_block(r.O, long(h) * c.dv, c.dv) = Oh;
  });
  if (proj) {
    r.Z.resize(c.N, c.D);
    r.Z.noalias() = r.O * t.Wo;
    if (t.bo.size() > 0) r.Z.rowwise() += t.bo;
  }
}

void multihead_backward(AttentionResult& r, const AttentionCase& cs) {
  const AttentionConfig& c = cs.config;
  const AttentionTensors& t = cs.tensors;
  const bool proj = c.mode == AttnMode::Projection;
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
  const MatRM& Y = (proj && !c.self_attention) ? t.Y : t.X;
  std::vector<MatRM> dX_head(c.H), dY_head(c.H);
  parallel_for(c.H, [&](int h) {
    HeadResult& hr = r.heads[h];
    const MatRM* dA_extra = lg.dA_extra.empty() || lg.dA_extra[h].size() == 0 ? nullptr : &lg.dA_extra[h];
    const MatRM* dL_extra = lg.dL_extra.empty() || lg.dL_extra[h].size() == 0 ? nullptr : &lg.dL_extra[h];
    attention_backward(hr.grad, col_block(r.dO, long(h) * c.dv, c.dv), dA_extra, dL_extra, hr.Q, hr.K, hr.V,
                       hr.cache, head_params(cs, r, h));
    if (!proj) return;
    // Q = X Wq + bq, K = Y Wk + bk, V = Y Wv + bv
    hr.dWq.noalias() = t.X.transpose() * hr.grad.dQ;
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
    r.dX.setZero(c.N, c.D);
    r.dY.resize(0, 0);
    if (!c.self_attention) r.dY.setZero(c.M, c.D);
    MatRM& dYt = c.self_attention ? r.dX : r.dY;
    for (int h = 0; h < c.H; ++h) {  // head order: deterministic
      r.dX += dX_head[h];
      dYt += dY_head[h];
    }
  }
  r.has_grads = true;
}

AttentionResult run_attention(const AttentionCase& c, bool backward) {
  validate_case(c);
  AttentionResult r;
  multihead_forward(r, c);
  if (backward && c.loss.kind != LossKind::None) multihead_backward(r, c);
  return r;
}

}  // namespace attn
