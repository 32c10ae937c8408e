#include "engine/io/result_json.h"

#include "engine/io/case_json.h"
#include "engine/ops/relative_bias.h"
#include "engine/ops/shaw.h"
#include "engine/sandbox/positional.h"

namespace attn {

namespace {

json int_matrix_json(const std::vector<int>& v, int rows, int cols) {
  json out = json::array();
  for (int i = 0; i < rows; ++i) out.push_back(std::vector<int>(v.begin() + long(i) * cols, v.begin() + long(i + 1) * cols));
  return out;
}

// "positional": what the encoding contributed, for display (README: positional encodings).
json positional_json(const AttentionCase& cs, const AttentionResult& r) {
  const AttentionConfig& c = cs.config;
  const PositionalConfig& p = c.positional;
  json j = {{"kind", pos_kind_name(p.kind)}, {"query_pos0", query_pos0(c)}, {"key_pos0", key_pos0(c)}};
  if (r.P.size()) j["pe"] = matrix_to_json(r.P);
  if (r.PY.size()) j["pe_keys"] = matrix_to_json(r.PY);
  if (!r.alibi_slopes.empty()) j["alibi_slopes"] = r.alibi_slopes;
  if (p.kind == PosKind::T5) {
    std::vector<int> b;
    t5_buckets(b, c.N, c.M, t5_params(p));
    j["t5_buckets"] = int_matrix_json(b, c.N, c.M);
  }
  if (p.kind == PosKind::Shaw) {
    std::vector<int> idx;
    shaw_index(idx, c.N, c.M, p.clip);
    for (int& v : idx) v -= p.clip;  // clipped distance clip(j - i', -k, k)
    j["shaw_distance"] = int_matrix_json(idx, c.N, c.M);
  }
  if (p.kind == PosKind::Rope) j["rotary_dim"] = rope_params(c).rotary_dim;
  return j;
}

}  // namespace

json result_to_json(const AttentionCase& cs, const AttentionResult& r) {
  const AttentionConfig& c = cs.config;
  const bool proj = c.mode == AttnMode::Projection;
  json j;
  j["schema_version"] = kSchemaVersion;
  j["kind"] = "attention_result";
  j["config"] = case_to_json(cs)["config"];
  j["scale"] = r.scale;
  if (!cs.query_tokens.empty() || !cs.key_tokens.empty())
    j["tokens"] = {{"queries", cs.query_tokens}, {"keys", cs.key_tokens}};
  j["mask"] = mask_to_json(r.allowed);
  json heads = json::array();
  for (int h = 0; h < c.H; ++h) {
    const HeadResult& hr = r.heads[h];
    json hj;
    hj["head"] = h;
    hj["Q"] = matrix_to_json(hr.Q);
    hj["K"] = matrix_to_json(hr.K);
    hj["V"] = matrix_to_json(hr.V);
    hj["scores_raw"] = matrix_to_json(hr.cache.S);
    hj["scores"] = matrix_to_json(MatRM(r.scale * hr.cache.S));
    if (hr.Qr.size()) hj["rope_Q"] = matrix_to_json(hr.Qr);
    if (hr.Kr.size()) hj["rope_K"] = matrix_to_json(hr.Kr);
    if (hr.shaw_E.size()) hj["shaw_scores"] = matrix_to_json(hr.shaw_E);
    if (hr.B.size()) hj["bias"] = matrix_to_json(hr.B);
    hj["logits"] = matrix_to_json(hr.cache.L, &r.allowed);
    hj["weights"] = matrix_to_json(hr.cache.A);
    hj["output"] = matrix_to_json(MatRM(col_block(r.O, long(h) * c.dv, c.dv)));
    if (hr.has_terms)
      hj["pe_terms"] = {{"cc", matrix_to_json(hr.terms.cc, &r.allowed)},
                        {"cp", matrix_to_json(hr.terms.cp, &r.allowed)},
                        {"pc", matrix_to_json(hr.terms.pc, &r.allowed)},
                        {"pp", matrix_to_json(hr.terms.pp, &r.allowed)}};
    if (r.has_grads) {
      json g;
      g["dQ"] = matrix_to_json(hr.grad.dQ);
      g["dK"] = matrix_to_json(hr.grad.dK);
      g["dV"] = matrix_to_json(hr.grad.dV);
      g["dA"] = matrix_to_json(hr.grad.dA);
      g["dS"] = matrix_to_json(hr.grad.dL);
      g["dtau"] = hr.grad.dtau;
      g["dscale"] = hr.grad.dscale;
      if (proj) {
        g["dWq"] = matrix_to_json(hr.dWq);
        g["dWk"] = matrix_to_json(hr.dWk);
        g["dWv"] = matrix_to_json(hr.dWv);
        if (hr.dbq.size()) g["dbq"] = rowvec_to_json(hr.dbq);
        if (hr.dbk.size()) g["dbk"] = rowvec_to_json(hr.dbk);
        if (hr.dbv.size()) g["dbv"] = rowvec_to_json(hr.dbv);
      }
      if (c.score.kind == ScoreKind::General) g["dW_score"] = matrix_to_json(hr.score_grad.dW);
      if (c.score.kind == ScoreKind::Additive) {
        g["dWq_score"] = matrix_to_json(hr.score_grad.dWq);
        g["dWk_score"] = matrix_to_json(hr.score_grad.dWk);
        g["dv_score"] = rowvec_to_json(hr.score_grad.dv);
      }
      if (hr.dshaw_aK.size()) g["dshaw_aK"] = matrix_to_json(hr.dshaw_aK);
      if (hr.dshaw_aV.size()) g["dshaw_aV"] = matrix_to_json(hr.dshaw_aV);
      hj["grad"] = g;
    }
    heads.push_back(hj);
  }
  j["heads"] = heads;
  if (c.positional.kind != PosKind::None) j["positional"] = positional_json(cs, r);
  j["output"] = matrix_to_json(r.O);
  if (proj) j["Z"] = matrix_to_json(r.Z);
  j["loss"] = {{"kind", loss_kind_name(cs.loss.kind)}};
  if (r.has_loss) j["loss"]["value"] = r.loss;
  if (r.has_grads) {
    json g;
    if (proj) {
      g["dZ"] = matrix_to_json(r.dZ);
      g["dWo"] = matrix_to_json(r.dWo);
      if (cs.tensors.bo.size()) g["dbo"] = rowvec_to_json(r.dbo);
      g["dX"] = matrix_to_json(r.dX);
      if (!c.self_attention) g["dY"] = matrix_to_json(r.dY);
    }
    g["dO"] = matrix_to_json(r.dO);
    g["dtau"] = r.dtau;
    g["dscale"] = r.dscale;
    if (r.dpe_table.size()) g["dpe_table"] = matrix_to_json(r.dpe_table);
    if (r.dt5_table.size()) g["dt5_table"] = matrix_to_json(r.dt5_table);
    j["grad"] = g;
  }
  return j;
}

}  // namespace attn
