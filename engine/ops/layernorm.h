// LayerNorm over the channels of each row, forward and backward, plus reference twins.
// Legend: T rows (tokens), C channels.
//
// Forward:   mean_t = sum_c x[t,c] / C;  var_t = sum_c (x[t,c] - mean_t)^2 / C  (biased, as PyTorch)
//            rstd_t = 1 / sqrt(var_t + eps);  norm = (x - mean) * rstd
//            out = norm .* weight + bias
// Backward (accumulates into dinp, dweight, dbias; reuses mean and rstd of the forward):
//            dbias += colsum(dout);  dweight += colsum(dout .* norm);  dnorm = dout .* weight
//            dinp += rstd * (dnorm - mean_c(dnorm) - norm * mean_c(dnorm .* norm))
#pragma once

namespace attn {

// out: (T, C) out; mean, rstd: (T) out; inp: (T, C); weight, bias: (C)
void layernorm_forward(float* out, float* mean, float* rstd, const float* inp, const float* weight,
                       const float* bias, int T, int C, float eps);
// dinp: (T, C) +=; dweight, dbias: (C) +=; dout: (T, C)
void layernorm_backward(float* dinp, float* dweight, float* dbias, const float* dout, const float* inp,
                        const float* weight, const float* mean, const float* rstd, int T, int C);

// Reference twins: the definition in double, one element at a time.
void layernorm_forward_ref(float* out, float* mean, float* rstd, const float* inp, const float* weight,
                           const float* bias, int T, int C, float eps);
void layernorm_backward_ref(float* dinp, float* dweight, float* dbias, const float* dout, const float* inp,
                            const float* weight, const float* mean, const float* rstd, int T, int C);

}  // namespace attn
