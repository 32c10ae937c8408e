#include "engine/figure/attention_views.h"

#include <cmath>
#include <limits>

#include "engine/core/error.h"

namespace attn {

namespace {

using R = RangeKind;
using A = AxisKind;

const std::vector<ViewInfo> kViews = {
    {"weights", "attention weights A = softmax(L / tau) (N x M)", R::Unit, A::Query, A::Key, false, true},
    {"scores", "scaled scores s Q K^T, before bias and mask (N x M)", R::Signed, A::Query, A::Key, false, false},
    {"scores_raw", "raw dot products Q K^T (N x M)", R::Signed, A::Query, A::Key, false, false},
    {"logits", "logits L = s Q K^T + B; masked cells have no value (N x M)", R::Signed, A::Query, A::Key, false, true},
    {"bias", "the additive logit bias B (positional), when the case has one (N x M)", R::Signed, A::Query, A::Key, false,
     false},
    {"mask", "the mask: 1 = the query may attend to the key (N x M)", R::Unit, A::Query, A::Key, false, false},
    {"output", "the head's output O_h = A V_h (N x dv)", R::Signed, A::Query, A::Feature, false, false},
    {"q", "queries Q_h (N x dk)", R::Signed, A::Query, A::Feature, false, false},
    {"k", "keys K_h (M x dk)", R::Signed, A::Key, A::Feature, false, false},
    {"v", "values V_h (M x dv)", R::Signed, A::Key, A::Feature, false, false},
    {"grad-q", "dL/dQ_h (N x dk)", R::Signed, A::Query, A::Feature, true, false},
    {"grad-k", "dL/dK_h (M x dk)", R::Signed, A::Key, A::Feature, true, false},
    {"grad-v", "dL/dV_h (M x dv)", R::Signed, A::Key, A::Feature, true, false},
    {"grad-a", "dL/dA, the gradient on the weights (N x M)", R::Signed, A::Query, A::Key, true, false},
    {"grad-s", "dL/dL, the gradient on the logits (the result's dS; N x M)", R::Signed, A::Query, A::Key, true, true},
    {"grad-wq", "dL/dWq_h, projection mode (D x dk)", R::Signed, A::Model, A::Feature, true, false},
    {"grad-wk", "dL/dWk_h, projection mode (D x dk)", R::Signed, A::Model, A::Feature, true, false},
    {"grad-wv", "dL/dWv_h, projection mode (D x dv)", R::Signed, A::Model, A::Feature, true, false},
    // Whole-layer views (not per head).
    {"output-all", "the heads' outputs side by side, O = [O_0 ... O_{H-1}] (N x H*dv)", R::Signed, A::Query,
     A::HeadFeature, false, false, false},
    {"z", "the layer's output Z = O Wo + bo, projection mode (N x D)", R::Signed, A::Query, A::Model, false, false,
     false},
    {"grad-wo", "dL/dWo, projection mode (H*dv x D)", R::Signed, A::HeadFeature, A::Model, true, false, false},
};

const char* axis_name(AxisKind a) {
  switch (a) {
    case A::Query: return "query";
    case A::Key: return "key";
    case A::Feature: return "dim";
    case A::Model: return "model dim";
    case A::HeadFeature: return "head.dim";
  }
  return "";
}

std::vector<std::string> labels_for(AxisKind a, const AttentionCase& c, long count) {
  const std::vector<std::string>* tokens = a == A::Query ? &c.query_tokens : a == A::Key ? &c.key_tokens : nullptr;
  if (tokens && long(tokens->size()) == count) return *tokens;
  std::vector<std::string> out;
  for (long i = 0; i < count; ++i)
    out.push_back(a == A::HeadFeature ? head_feature_label(i, c.config.dv) : std::to_string(i));
  return out;
}

}  // namespace

std::string head_feature_label(long i, long dv) {
  return dv > 0 ? std::to_string(i / dv) + "." + std::to_string(i % dv) : std::to_string(i);
}

const std::vector<ViewInfo>& view_infos() { return kViews; }

std::string view_names() {
  std::string s;
  for (const ViewInfo& v : kViews) s += (s.empty() ? "" : ", ") + std::string(v.name);
  return s;
}

const ViewInfo& view_info(const std::string& name) {
  for (const ViewInfo& v : kViews)
    if (name == v.name) return v;
  throw InputError("view", "unknown view '" + name + "'; known: " + view_names());
}

ViewData extract_view(const AttentionCase& c, const AttentionResult& r, const std::string& view, int head) {
  const ViewInfo& info = view_info(view);
  const int H = int(r.heads.size());
  require(head >= 0 && head < H, "head",
          "head " + std::to_string(head) + " is out of range: the case has " + std::to_string(H) + " head" +
              (H == 1 ? "" : "s") + " (0.." + std::to_string(H - 1) + ")");
  if (info.needs_loss)
    require(r.has_grads, "view", "view '" + view + "' is a gradient, and the case has no loss (loss.kind is none)");
  const HeadResult& h = r.heads[size_t(head)];
  const bool projection = c.config.mode == AttnMode::Projection;
  if (view == "grad-wq" || view == "grad-wk" || view == "grad-wv" || view == "z" || view == "grad-wo")
    require(projection, "view", "view '" + view + "' needs a projection-mode case (this one is direct)");

  ViewData d;
  d.view = view;
  d.head = head;
  d.range = info.range;
  d.per_head = info.per_head;
  const std::string& n = view;
  if (n == "weights") d.values = h.cache.A;
  else if (n == "scores") d.values = r.scale * h.cache.S;
  else if (n == "scores_raw") d.values = h.cache.S;
  else if (n == "logits") {
    d.values = h.cache.L;
    for (long k = 0; k < d.values.size(); ++k)
      if (!r.allowed.data()[k]) d.values.data()[k] = std::numeric_limits<float>::quiet_NaN();
  } else if (n == "bias") {
    // The head's whole logit bias: inputs.bias plus ALiBi / T5 (HeadResult::B).
    const MatRM& B = r.heads[size_t(head)].B;
    require(B.size() > 0, "view",
            "view 'bias' needs a logit bias (inputs.bias, or an alibi / t5 encoding), and this case has none");
    d.values = B;
  } else if (n == "mask") d.values = r.allowed.cast<float>();
  else if (n == "output") d.values = col_block(r.O, long(head) * h.V.cols(), h.V.cols());  // O_h
  else if (n == "q") d.values = h.Q;
  else if (n == "k") d.values = h.K;
  else if (n == "v") d.values = h.V;
  else if (n == "grad-q") d.values = h.grad.dQ;
  else if (n == "grad-k") d.values = h.grad.dK;
  else if (n == "grad-v") d.values = h.grad.dV;
  else if (n == "grad-a") d.values = h.grad.dA;
  else if (n == "grad-s") d.values = h.grad.dL;
  else if (n == "grad-wq") d.values = h.dWq;
  else if (n == "grad-wk") d.values = h.dWk;
  else if (n == "grad-wv") d.values = h.dWv;
  else if (n == "output-all") d.values = r.O;
  else if (n == "z") d.values = r.Z;
  else if (n == "grad-wo") d.values = r.dWo;
  require(d.values.size() > 0, "view", "view '" + view + "' is empty for this case");
  if (info.hatch_masked && r.allowed.rows() == d.values.rows() && r.allowed.cols() == d.values.cols())
    d.mask = r.allowed;
  d.row_labels = labels_for(info.rows, c, d.values.rows());
  d.col_labels = labels_for(info.cols, c, d.values.cols());
  d.row_axis = axis_name(info.rows);
  d.col_axis = axis_name(info.cols);
  return d;
}

}  // namespace attn
