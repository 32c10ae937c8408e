#include "engine/io/result_json.h"

#include "engine/io/case_json.h"

namespace attn {

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
    if (!cs.tensors.bias.empty()) hj["bias"] = matrix_to_json(cs.tensors.bias[h]);
    hj["logits"] = matrix_to_json(hr.cache.L, &r.allowed);
    hj["weights"] = matrix_to_json(hr.cache.A);
    hj["output"] = matrix_to_json(MatRM(col_block(r.O, long(h) * c.dv, c.dv)));
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
      hj["grad"] = g;
    }
    heads.push_back(hj);
  }
  j["heads"] = heads;
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
    j["grad"] = g;
  }
  return j;
}

}  // namespace attn
