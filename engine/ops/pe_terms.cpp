// Legend: N queries, M keys, dk. Formulas in pe_terms.h.
#include "engine/ops/pe_terms.h"

namespace attn {

void pe_terms_forward(PeTerms& t, const CRefM& Qc, const CRefM& Qp, const CRefM& Kc, const CRefM& Kp, const MatRM* W,
                      float factor) {
  MatRM QcW = Qc, QpW = Qp;
  if (W) {
    QcW.noalias() = Qc * *W;
    QpW.noalias() = Qp * *W;
  }
  t.cc.noalias() = factor * (QcW * Kc.transpose());
  t.cp.noalias() = factor * (QcW * Kp.transpose());
  t.pc.noalias() = factor * (QpW * Kc.transpose());
  t.pp.noalias() = factor * (QpW * Kp.transpose());
}

}  // namespace attn
