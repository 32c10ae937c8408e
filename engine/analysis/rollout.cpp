// Legend: L layers, H heads, T tokens. The math is in rollout.h.
#include "engine/analysis/rollout.h"

#include "engine/core/error.h"

namespace attn {

namespace {
void check_same(const std::vector<MatRM>& heads, const char* what) {
  require(!heads.empty(), what, "needs at least one head");
  for (const MatRM& h : heads)
    require(h.rows() == heads[0].rows() && h.cols() == heads[0].cols(), what,
            "heads have different shapes: " + shape_str(heads[0].rows(), heads[0].cols()) + " and " +
                shape_str(h.rows(), h.cols()));
}

void check_layers(const std::vector<std::vector<MatRM>>& att, const char* what) {
  require(!att.empty(), what, "needs at least one layer");
  for (const auto& layer : att) {
    check_same(layer, what);
    require(layer[0].rows() == att[0][0].rows() && layer[0].cols() == att[0][0].cols() &&
                layer[0].rows() == layer[0].cols(),
            what, "every layer's maps must be the same square shape");
  }
}

// Every row divided by its sum; rows summing to 0 stay 0.
void normalize_rows(MatRM& A) {
  for (Eigen::Index i = 0; i < A.rows(); ++i) {
    const double s = A.row(i).cast<double>().sum();
    if (s > 0) A.row(i) /= float(s);
  }
}
}  // namespace

MatRM mean_over_heads(const std::vector<MatRM>& heads) {
  check_same(heads, "heads");
  MatRMd s = MatRMd::Zero(heads[0].rows(), heads[0].cols());
  for (const MatRM& h : heads) s += h.cast<double>();
  return (s / double(heads.size())).cast<float>();
}

MatRM max_over_heads(const std::vector<MatRM>& heads) {
  check_same(heads, "heads");
  MatRM m = heads[0];
  for (const MatRM& h : heads) m = m.cwiseMax(h);
  return m;
}

MatRM drop_first_token(const Eigen::Ref<const MatRM>& A) {
  MatRM B = A;
  if (B.cols() > 0) B.col(0).setZero();
  normalize_rows(B);
  return B;
}

MatRM attention_rollout(const std::vector<std::vector<MatRM>>& att, bool drop_first) {
  check_layers(att, "attention");
  const Eigen::Index T = att[0][0].rows();
  MatRMd R = MatRMd::Identity(T, T);
  for (const auto& layer : att) {
    MatRM mean;
    if (drop_first) {
      std::vector<MatRM> dropped;
      for (const MatRM& h : layer) dropped.push_back(drop_first_token(h));
      mean = mean_over_heads(dropped);
    } else {
      mean = mean_over_heads(layer);
    }
    // A_l = rownorm(0.5 mean_h + 0.5 I): the residual path keeps half of each token.
    MatRM Al = 0.5f * mean + 0.5f * MatRM::Identity(T, T);
    normalize_rows(Al);
    R = (Al.cast<double>() * R).eval();  // R = A_l ... A_0
  }
  return R.cast<float>();
}

MatRM gradient_rollout(const std::vector<std::vector<MatRM>>& att, const std::vector<std::vector<MatRM>>& grad) {
  check_layers(att, "attention");
  require(grad.size() == att.size(), "gradients",
          "need one list per layer: " + std::to_string(att.size()) + " layers, got " + std::to_string(grad.size()));
  const Eigen::Index T = att[0][0].rows();
  MatRMd R = MatRMd::Identity(T, T);
  for (std::size_t l = 0; l < att.size(); ++l) {
    require(grad[l].size() == att[l].size(), "gradients",
            "layer " + std::to_string(l) + " has " + std::to_string(att[l].size()) + " heads but " +
                std::to_string(grad[l].size()) + " gradients");
    MatRMd Abar = MatRMd::Zero(T, T);
    for (std::size_t h = 0; h < att[l].size(); ++h) {
      require(grad[l][h].rows() == T && grad[l][h].cols() == T, "gradients",
              "must have the maps' shape " + shape_str(T, T) + ", got " + shape_str(grad[l][h].rows(), grad[l][h].cols()));
      // max(grad .* A, 0): only edges whose growth would raise the target count as relevant.
      Abar += (grad[l][h].cast<double>().cwiseProduct(att[l][h].cast<double>())).cwiseMax(0.0);
    }
    Abar /= double(att[l].size());
    R += Abar * R;  // R = R + mean_h(...) R
  }
  return R.cast<float>();
}

}  // namespace attn
