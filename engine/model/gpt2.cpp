// Legend: L layers, H heads, C model width, T tokens, V vocabulary. The math is in gpt2.h; this
// file is the layer loop of op calls (forward) and the same calls in reverse (backward).
#include "engine/model/gpt2.h"

#include <algorithm>
#include <cmath>

#include "engine/core/error.h"
#include "engine/core/parallel.h"
#include "engine/ops/cross_entropy.h"
#include "engine/ops/embedding.h"
#include "engine/ops/gelu.h"
#include "engine/ops/layernorm.h"
#include "engine/ops/linear.h"
#include "engine/ops/residual.h"
#include "engine/sandbox/init.h"

namespace attn {

std::array<std::size_t, kGpt2NumParams> gpt2_param_sizes(const Gpt2Config& c) {
  const std::size_t L = c.n_layer, C = c.n_embd;
  return {std::size_t(c.vocab_size) * C, std::size_t(c.n_positions) * C, L * C, L * C, L * C * 3 * C, L * 3 * C,
          L * C * C, L * C, L * C, L * C, L * C * 4 * C, L * 4 * C, L * 4 * C * C, L * C, C, C};
}

namespace {

// Every tensor starts on a multiple of 16 floats (64 bytes) of its block.
std::size_t pad16(std::size_t n) { return (n + 15) / 16 * 16; }

std::size_t sum(const std::size_t* s, int n) {
  std::size_t t = 0;
  for (int i = 0; i < n; ++i) t += pad16(s[i]);
  return t;
}

void point_params(Gpt2Params& p, float* block, const Gpt2Config& c) {
  const auto sizes = gpt2_param_sizes(c);
  float** ptrs[kGpt2NumParams] = {&p.wte,  &p.wpe,  &p.ln1w, &p.ln1b,   &p.qkvw,   &p.qkvb,    &p.attprojw, &p.attprojb,
                                  &p.ln2w, &p.ln2b, &p.fcw,  &p.fcb,    &p.fcprojw, &p.fcprojb, &p.lnfw,   &p.lnfb};
  for (int i = 0; i < kGpt2NumParams; ++i) {
    *ptrs[i] = block;
    block += pad16(sizes[i]);
  }
}

std::array<std::size_t, kGpt2NumActs> act_sizes(const Gpt2Config& c, const Gpt2Options& o, int T) {
  const std::size_t L = c.n_layer, C = c.n_embd, H = c.n_head, V = c.vocab_size, t = T;
  const std::size_t att = o.keep_scores ? L * H * t * t : 0;
  return {t * C,     L * t * C, L * t,     L * t,     L * t * 3 * C, L * t * C, att, L * t * C,
          L * t * C, L * t * C, L * t,     L * t,     L * t * 4 * C, L * t * 4 * C, L * t * C, L * t * C,
          t * C,     t,         t,         t * V,     t * V,         t};
}

std::array<std::size_t, kGpt2NumActGrads> dact_sizes(const Gpt2Config& c, const Gpt2Options& o, int T) {
  const std::size_t L = c.n_layer, C = c.n_embd, H = c.n_head, V = c.vocab_size, t = T;
  const std::size_t att = o.keep_att_grads ? L * H * t * t : 0;
  return {t * C,         L * t * C,     L * t * 3 * C, L * t * C, att,   att,   L * t * C, L * t * C,
          L * t * C,     L * t * 4 * C, L * t * 4 * C, L * t * C, L * t * C, t * C, t * V, t};
}

template <std::size_t K>
void point(float** const (&ptrs)[K], float* block, const std::array<std::size_t, K>& sizes) {
  for (std::size_t i = 0; i < K; ++i) {
    *ptrs[i] = block;
    block += pad16(sizes[i]);
  }
}

void point_acts(Gpt2& m, int T) {
  Gpt2Acts& a = m.acts;
  float** const pa[kGpt2NumActs] = {&a.encoded, &a.ln1,     &a.ln1_mean,  &a.ln1_rstd, &a.qkv,     &a.atty,
                                    &a.scores,  &a.attproj, &a.residual2, &a.ln2,      &a.ln2_mean, &a.ln2_rstd,
                                    &a.fch,     &a.fch_gelu, &a.fcproj,   &a.residual3, &a.lnf,     &a.lnf_mean,
                                    &a.lnf_rstd, &a.logits, &a.logp,      &a.losses};
  point(pa, m.act_block.data(), act_sizes(m.config, m.options, T));
  Gpt2ActGrads& g = m.dacts;
  float** const pg[kGpt2NumActGrads] = {&g.dencoded, &g.dln1,  &g.dqkv,       &g.datty,  &g.datt,
                                        &g.dscores,  &g.dattproj, &g.dresidual2, &g.dln2, &g.dfch,
                                        &g.dfch_gelu, &g.dfcproj, &g.dresidual3, &g.dlnf, &g.dlogits,
                                        &g.dlosses};
  point(pg, m.dact_block.data(), dact_sizes(m.config, m.options, T));
  if (!m.options.keep_scores) a.scores = nullptr;
  if (!m.options.keep_att_grads) g.datt = g.dscores = nullptr;
}

// Layer l's attention scale (Gpt2::att_alpha; 1 when unset).
float att_alpha(const Gpt2& m, int l) { return l < int(m.att_alpha.size()) ? m.att_alpha[l] : 1.f; }

void scale(float* x, float alpha, std::ptrdiff_t n) {
  for (std::ptrdiff_t i = 0; i < n; ++i) x[i] *= alpha;
}

}  // namespace

void gpt2_init(Gpt2& m, const Gpt2Config& c) {
  validate(c);
  m = Gpt2();
  m.config = c;
  const auto sizes = gpt2_param_sizes(c);
  m.param_block.assign(sum(sizes.data(), kGpt2NumParams), 0.f);
  point_params(m.params, m.param_block.data(), c);
}

void gpt2_init_random(Gpt2& m, uint64_t seed) {
  const Gpt2Config& c = m.config;
  const auto sizes = gpt2_param_sizes(c);
  const auto list = m.params.list();
  Rng rng(seed);
  const float proj_std = 0.02f / std::sqrt(2.f * c.n_layer);
  for (int i = 0; i < kGpt2NumParams; ++i) {
    float* p = list[i];
    const bool layernorm_weight = p == m.params.ln1w || p == m.params.ln2w || p == m.params.lnfw;
    const bool bias = p == m.params.ln1b || p == m.params.ln2b || p == m.params.lnfb || p == m.params.qkvb ||
                      p == m.params.attprojb || p == m.params.fcb || p == m.params.fcprojb;
    const float std = (p == m.params.attprojw || p == m.params.fcprojw) ? proj_std : 0.02f;
    for (std::size_t k = 0; k < sizes[i]; ++k) p[k] = layernorm_weight ? 1.f : bias ? 0.f : std * rng.normal();
  }
}

void gpt2_setup(Gpt2& m, int max_T, const Gpt2Options& opt) {
  require(!m.param_block.empty(), "model", "gpt2_setup needs a model (gpt2_init or a loaded checkpoint)");
  const Gpt2Config& c = m.config;
  require(max_T >= 1 && max_T <= c.n_positions, "max_T",
          "must be between 1 and n_positions (" + std::to_string(c.n_positions) + "), got " + std::to_string(max_T));
  m.options = opt;
  m.max_T = max_T;
  m.T = 0;
  m.has_loss = false;
  const auto as = act_sizes(c, opt, max_T);
  const auto gs = dact_sizes(c, opt, max_T);
  m.act_block.assign(sum(as.data(), kGpt2NumActs), 0.f);
  m.dact_block.assign(sum(gs.data(), kGpt2NumActGrads), 0.f);
  m.grad_block.assign(m.param_block.size(), 0.f);
  point_params(m.grads, m.grad_block.data(), c);
  m.tokens.assign(max_T, 0);
  m.targets.assign(max_T, -1);
  m.att_ws = std::vector<MhaWorkspace>(c.n_layer);
  const int d = c.n_embd / c.n_head;
  for (MhaWorkspace& ws : m.att_ws) ws.reserve(MhaShape{max_T, max_T, c.n_head, d, d}, engine_threads());
  m.att_scratch.reserve(max_T, c.n_embd);
  point_acts(m, max_T);
}

float gpt2_forward(Gpt2& m, const int* tokens, int T, const Gpt2Loss* loss) {
  const Gpt2Config& cf = m.config;
  require(m.max_T > 0, "model", "gpt2_forward needs gpt2_setup first");
  require(T >= 1 && T <= m.max_T, "tokens",
          "the sequence has " + std::to_string(T) + " tokens; this model takes 1 to " + std::to_string(m.max_T));
  const int L = cf.n_layer, H = cf.n_head, C = cf.n_embd, V = cf.vocab_size;
  for (int t = 0; t < T; ++t) {
    if (tokens[t] < 0 || tokens[t] >= V)
      throw InputError("tokens", "token " + std::to_string(t) + " has id " + std::to_string(tokens[t]) +
                                     "; ids go from 0 to " + std::to_string(V - 1));
    m.tokens[t] = tokens[t];
  }
  require(m.att_alpha.empty() || int(m.att_alpha.size()) == L, "att_alpha",
          "needs one scale per layer (" + std::to_string(L) + ") or none, got " + std::to_string(m.att_alpha.size()));
  m.T = T;
  m.has_loss = false;
  m.loss = NAN;
  point_acts(m, T);
  const Gpt2Params& p = m.params;
  Gpt2Acts& a = m.acts;
  const float eps = cf.layer_norm_epsilon;
  const std::ptrdiff_t TC = std::ptrdiff_t(T) * C;

  embedding_forward(a.encoded, m.tokens.data(), p.wte, p.wpe, T, C);
  for (int l = 0; l < L; ++l) {
    const float* x = l == 0 ? a.encoded : a.residual3 + (l - 1) * TC;
    float* ln1 = a.ln1 + l * TC;
    float* qkv = a.qkv + 3 * l * TC;
    float* atty = a.atty + l * TC;
    float* attproj = a.attproj + l * TC;
    float* residual2 = a.residual2 + l * TC;
    float* ln2 = a.ln2 + l * TC;
    float* fch = a.fch + 4 * l * TC;
    float* fch_gelu = a.fch_gelu + 4 * l * TC;
    float* fcproj = a.fcproj + l * TC;
    float* residual3 = a.residual3 + l * TC;
    float* scores = a.scores ? a.scores + std::ptrdiff_t(l) * H * T * T : nullptr;
    layernorm_forward(ln1, a.ln1_mean + l * T, a.ln1_rstd + l * T, x, p.ln1w + l * C, p.ln1b + l * C, T, C, eps);
    linear_forward(qkv, ln1, p.qkvw + std::ptrdiff_t(l) * C * 3 * C, p.qkvb + l * 3 * C, T, C, 3 * C);
    qkv_attention_forward(atty, scores, m.att_ws[l], m.att_scratch, qkv, T, C, H);
    // A' = alpha A (integrated gradients): atty = A' V = alpha (A V); A itself stays in att_ws.
    if (const float alpha = att_alpha(m, l); alpha != 1.f) scale(atty, alpha, TC);
    linear_forward(attproj, atty, p.attprojw + std::ptrdiff_t(l) * C * C, p.attprojb + l * C, T, C, C);
    residual_forward(residual2, x, attproj, int(TC));
    layernorm_forward(ln2, a.ln2_mean + l * T, a.ln2_rstd + l * T, residual2, p.ln2w + l * C, p.ln2b + l * C, T, C, eps);
    linear_forward(fch, ln2, p.fcw + std::ptrdiff_t(l) * C * 4 * C, p.fcb + l * 4 * C, T, C, 4 * C);
    gelu_forward(fch_gelu, fch, int(4 * TC));
    linear_forward(fcproj, fch_gelu, p.fcprojw + std::ptrdiff_t(l) * 4 * C * C, p.fcprojb + l * C, T, 4 * C, C);
    residual_forward(residual3, residual2, fcproj, int(TC));
  }
  layernorm_forward(a.lnf, a.lnf_mean, a.lnf_rstd, a.residual3 + (L - 1) * TC, p.lnfw, p.lnfb, T, C, eps);
  matmul_nt_forward(a.logits, a.lnf, p.wte, T, C, V);
  log_softmax_forward(a.logp, a.logits, T, V);
  if (!loss) return NAN;

  // The loss: per-position cross-entropy of the targets, reduced through dlosses (its weights).
  int* tg = m.targets.data();
  float* w = m.dacts.dlosses;
  std::fill(w, w + T, 0.f);
  switch (loss->kind) {
    case Gpt2LossKind::NextTokenNll:
    case Gpt2LossKind::Targets: {
      int count = 0;
      for (int t = 0; t < T; ++t) {
        tg[t] = loss->kind == Gpt2LossKind::Targets ? loss->targets[t] : (t + 1 < T ? m.tokens[t + 1] : -1);
        if (tg[t] < -1 || tg[t] >= V)
          throw InputError("targets", "target " + std::to_string(t) + " is " + std::to_string(tg[t]) +
                                          "; allowed -1 (none) or 0 to " + std::to_string(V - 1));
        count += tg[t] >= 0;
      }
      require(count > 0, "loss",
              loss->kind == Gpt2LossKind::NextTokenNll ? "the next-token loss needs at least 2 tokens"
                                                       : "every target is -1 (ignored): nothing to predict");
      for (int t = 0; t < T; ++t) w[t] = tg[t] >= 0 ? 1.f / count : 0.f;
      crossentropy_forward(a.losses, a.logp, tg, T, V);
      double s = 0.0;
      for (int t = 0; t < T; ++t) s += double(w[t]) * a.losses[t];
      m.loss = float(s);
      break;
    }
    case Gpt2LossKind::TokenLogProb: {
      require(loss->position >= 0 && loss->position < T, "loss.position",
              "must be between 0 and " + std::to_string(T - 1) + ", got " + std::to_string(loss->position));
      require(loss->token >= 0 && loss->token < V, "loss.token",
              "must be between 0 and " + std::to_string(V - 1) + ", got " + std::to_string(loss->token));
      std::fill(tg, tg + T, -1);
      tg[loss->position] = loss->token;
      crossentropy_forward(a.losses, a.logp, tg, T, V);
      w[loss->position] = -1.f;  // log p = -loss
      m.loss = -a.losses[loss->position];
      break;
    }
  }
  m.has_loss = true;
  return m.loss;
}

void gpt2_backward(Gpt2& m, bool accumulate) {
  require(m.has_loss, "model", "gpt2_backward needs a forward with a loss first");
  const Gpt2Config& cf = m.config;
  const int L = cf.n_layer, H = cf.n_head, C = cf.n_embd, V = cf.vocab_size, T = m.T;
  const Gpt2Params& p = m.params;
  const Gpt2Params& g = m.grads;
  const Gpt2Acts& a = m.acts;
  Gpt2ActGrads& d = m.dacts;
  const std::ptrdiff_t TC = std::ptrdiff_t(T) * C;
  // Zero everything but dlosses (set by the forward's loss).
  if (!accumulate) std::fill(m.grad_block.begin(), m.grad_block.end(), 0.f);
  std::fill(m.dact_block.data(), d.dlosses, 0.f);

  // logits = lnf wte^T;  logp = log_softmax(logits);  losses = -logp[targets]
  crossentropy_backward(d.dlogits, d.dlosses, a.logp, m.targets.data(), T, V);
  matmul_nt_backward(d.dlnf, g.wte, d.dlogits, a.lnf, p.wte, T, C, V);
  // lnf = LayerNorm(residual3[L-1])
  layernorm_backward(d.dresidual3 + (L - 1) * TC, g.lnfw, g.lnfb, d.dlnf, a.residual3 + (L - 1) * TC, p.lnfw,
                     a.lnf_mean, a.lnf_rstd, T, C);
  for (int l = L - 1; l >= 0; --l) {
    const float* x = l == 0 ? a.encoded : a.residual3 + (l - 1) * TC;
    float* dx = l == 0 ? d.dencoded : d.dresidual3 + (l - 1) * TC;
    const std::ptrdiff_t o = l * TC;
    float* datt = d.datt ? d.datt + std::ptrdiff_t(l) * H * T * T : nullptr;
    float* dscores = d.dscores ? d.dscores + std::ptrdiff_t(l) * H * T * T : nullptr;
    // residual3 = residual2 + fcproj
    residual_backward(d.dresidual2 + o, d.dfcproj + o, d.dresidual3 + o, int(TC));
    // fcproj = fch_gelu fcprojw + fcprojb
    linear_backward(d.dfch_gelu + 4 * o, g.fcprojw + std::ptrdiff_t(l) * 4 * C * C, g.fcprojb + l * C, d.dfcproj + o,
                    a.fch_gelu + 4 * o, p.fcprojw + std::ptrdiff_t(l) * 4 * C * C, T, 4 * C, C);
    // fch_gelu = gelu(fch)
    gelu_backward(d.dfch + 4 * o, a.fch + 4 * o, d.dfch_gelu + 4 * o, int(4 * TC));
    // fch = ln2 fcw + fcb
    linear_backward(d.dln2 + o, g.fcw + std::ptrdiff_t(l) * C * 4 * C, g.fcb + l * 4 * C, d.dfch + 4 * o, a.ln2 + o,
                    p.fcw + std::ptrdiff_t(l) * C * 4 * C, T, C, 4 * C);
    // ln2 = LayerNorm(residual2)
    layernorm_backward(d.dresidual2 + o, g.ln2w + l * C, g.ln2b + l * C, d.dln2 + o, a.residual2 + o, p.ln2w + l * C,
                       a.ln2_mean + l * T, a.ln2_rstd + l * T, T, C);
    // residual2 = x + attproj
    residual_backward(dx, d.dattproj + o, d.dresidual2 + o, int(TC));
    // attproj = atty attprojw + attprojb
    linear_backward(d.datty + o, g.attprojw + std::ptrdiff_t(l) * C * C, g.attprojb + l * C, d.dattproj + o,
                    a.atty + o, p.attprojw + std::ptrdiff_t(l) * C * C, T, C, C);
    // atty = attention(qkv)
    qkv_attention_backward(d.dqkv + 3 * o, datt, dscores, m.att_ws[l], m.att_scratch, d.datty + o, a.qkv + 3 * o, T,
                           C, H);
    // atty = alpha (A V). Given datty, the kernel returns datt = datty V^T, which is dF/dA'
    // (what attributions want, and finite at alpha = 0), and dqkv, dscores for alpha = 1. The
    // true dF/d(A V) is alpha datty and those two are linear in it, so they scale by alpha.
    if (const float alpha = att_alpha(m, l); alpha != 1.f) {
      scale(d.dqkv + 3 * o, alpha, 3 * TC);
      if (dscores) scale(dscores, alpha, std::ptrdiff_t(H) * T * T);
    }
    // qkv = ln1 qkvw + qkvb
    linear_backward(d.dln1 + o, g.qkvw + std::ptrdiff_t(l) * C * 3 * C, g.qkvb + l * 3 * C, d.dqkv + 3 * o,
                    a.ln1 + o, p.qkvw + std::ptrdiff_t(l) * C * 3 * C, T, C, 3 * C);
    // ln1 = LayerNorm(x)
    layernorm_backward(dx, g.ln1w + l * C, g.ln1b + l * C, d.dln1 + o, x, p.ln1w + l * C, a.ln1_mean + l * T,
                       a.ln1_rstd + l * T, T, C);
  }
  // encoded = wte[tokens] + wpe
  embedding_backward(g.wte, g.wpe, d.dencoded, m.tokens.data(), T, C);
}

namespace {
Eigen::Map<const MatRM> head_view(const float* base, const Gpt2& m, int l, int h, const char* what) {
  require(m.T > 0, what, "no forward has run yet");
  require(l >= 0 && l < m.config.n_layer, "layer",
          "must be between 0 and " + std::to_string(m.config.n_layer - 1) + ", got " + std::to_string(l));
  require(h >= 0 && h < m.config.n_head, "head",
          "must be between 0 and " + std::to_string(m.config.n_head - 1) + ", got " + std::to_string(h));
  require(base != nullptr, what, "was not kept (see Gpt2Options)");
  const std::ptrdiff_t T = m.T;
  return Eigen::Map<const MatRM>(base + (std::ptrdiff_t(l) * m.config.n_head + h) * T * T, T, T);
}
}  // namespace

Eigen::Map<const MatRM> gpt2_attention(const Gpt2& m, int l, int h) {
  head_view(m.acts.encoded, m, l, h, "attention");  // checks only
  return m.att_ws[l].att_map(h);
}
Eigen::Map<const MatRM> gpt2_scores(const Gpt2& m, int l, int h) { return head_view(m.acts.scores, m, l, h, "scores"); }
Eigen::Map<const MatRM> gpt2_datt(const Gpt2& m, int l, int h) {
  require(m.has_loss, "datt", "needs a forward with a loss and gpt2_backward");
  return head_view(m.dacts.datt, m, l, h, "datt");
}
Eigen::Map<const MatRM> gpt2_dscores(const Gpt2& m, int l, int h) {
  require(m.has_loss, "dscores", "needs a forward with a loss and gpt2_backward");
  return head_view(m.dacts.dscores, m, l, h, "dscores");
}
Eigen::Map<const MatRM> gpt2_logits(const Gpt2& m) {
  return Eigen::Map<const MatRM>(m.acts.logits, m.T, m.config.vocab_size);
}
Eigen::Map<const MatRM> gpt2_logp(const Gpt2& m) { return Eigen::Map<const MatRM>(m.acts.logp, m.T, m.config.vocab_size); }

}  // namespace attn
