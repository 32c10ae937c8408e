// Legend: L layers, H heads, T tokens, C model width. The math is in attribution.h.
#include "engine/analysis/attribution.h"

#include <cmath>

#include "engine/core/error.h"

namespace attn {

namespace {
void same_shape(const Eigen::Ref<const MatRM>& A, const Eigen::Ref<const MatRM>& B, const char* field,
                const char* what) {
  require(A.rows() == B.rows() && A.cols() == B.cols(), field,
          std::string(what) + " needs two maps of one shape, got " + shape_str(A.rows(), A.cols()) + " and " +
              shape_str(B.rows(), B.cols()));
}

void check_cancel(const RunControl* control) {
  if (control && control->cancel && control->cancel->load(std::memory_order_relaxed)) throw RunCancelled();
}
void step_done(const RunControl* control) {
  if (control && control->steps_done) control->steps_done->fetch_add(1, std::memory_order_relaxed);
}
}  // namespace

MatRM attention_times_gradient(const Eigen::Ref<const MatRM>& A, const Eigen::Ref<const MatRM>& dA) {
  same_shape(A, dA, "gradient", "attention x gradient");
  return A.cwiseProduct(dA);
}

MatRM signed_difference(const Eigen::Ref<const MatRM>& A, const Eigen::Ref<const MatRM>& B) {
  same_shape(A, B, "diff", "the signed difference");
  return A - B;
}

IntegratedGradients integrated_gradients(Gpt2& m, const std::vector<int>& tokens, int layer, const Gpt2Loss& target,
                                         int steps, const RunControl* control) {
  const int L = m.config.n_layer, H = m.config.n_head, T = int(tokens.size());
  require(layer >= 0 && layer < L, "ig layer",
          "must be between 0 and " + std::to_string(L - 1) + ", got " + std::to_string(layer));
  require(steps >= 1 && steps <= 4096, "ig steps", "must be between 1 and 4096, got " + std::to_string(steps));
  require(target.kind == Gpt2LossKind::TokenLogProb, "target", "integrated gradients need a token log-prob target");
  require(m.options.keep_att_grads, "model", "integrated gradients need gpt2_setup with keep_att_grads");

  // The path A' = alpha A on `layer` only; the caller's scales come back however we leave.
  struct Restore {
    Gpt2& m;
    std::vector<float> keep;
    ~Restore() { m.att_alpha = keep; }
  } restore{m, m.att_alpha};
  std::vector<float> alpha(L, 1.f);
  for (int l = 0; l < L; ++l) alpha[l] = restore.keep.empty() ? 1.f : restore.keep[l];

  IntegratedGradients ig;
  ig.steps = steps;
  // F(0): the layer's attention output removed (its residual stream passes through alone).
  check_cancel(control);
  alpha[layer] = 0.f;
  m.att_alpha = alpha;
  ig.f_zero = gpt2_forward(m, tokens.data(), T, &target);
  step_done(control);

  std::vector<MatRMd> sum(H, MatRMd::Zero(T, T));
  for (int k = 1; k <= steps; ++k) {
    check_cancel(control);
    alpha[layer] = float(double(k) / steps);
    m.att_alpha = alpha;
    const float f = gpt2_forward(m, tokens.data(), T, &target);
    gpt2_backward(m);
    for (int h = 0; h < H; ++h) sum[h] += gpt2_datt(m, layer, h).cast<double>();  // dF/dA' at A' = (k/m) A
    if (k == steps) ig.f_full = f;  // alpha = 1: the model as it is
    step_done(control);
  }
  // IG_h = A_h .* mean_k dF/dA'_h. A does not depend on this layer's alpha (only on the layers
  // below), so the last forward's A is the A of every step.
  ig.per_head.resize(H);
  for (int h = 0; h < H; ++h) {
    const MatRMd A = gpt2_attention(m, layer, h).cast<double>();
    const MatRMd ig_h = A.cwiseProduct(sum[h]) / double(steps);
    ig.total += ig_h.sum();
    ig.per_head[h] = ig_h.cast<float>();
  }
  return ig;
}

std::vector<double> token_saliency(const Gpt2& m) {
  require(m.has_loss && m.T > 0, "saliency", "needs a forward with a loss and gpt2_backward first");
  const int T = m.T, C = m.config.n_embd;
  std::vector<double> s(T);
  for (int t = 0; t < T; ++t) {
    double q = 0;
    for (int c = 0; c < C; ++c) {
      const double v = double(m.dacts.dencoded[std::ptrdiff_t(t) * C + c]) * m.acts.encoded[std::ptrdiff_t(t) * C + c];
      q += v * v;
    }
    s[t] = std::sqrt(q);
  }
  return s;
}

}  // namespace attn
