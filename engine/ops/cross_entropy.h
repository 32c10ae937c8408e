// Log-softmax over the vocabulary and the cross-entropy (negative log-likelihood) of chosen
// targets, forward and backward, plus reference twins.
// Legend: T positions (rows), V vocabulary size (columns).
//
// log_softmax:   logp[t, v] = logits[t, v] - max_t - log(sum_u exp(logits[t, u] - max_t))
//   Backward (accumulates):  dlogits += dlogp - exp(logp) .* rowsum(dlogp)
// cross-entropy: losses[t] = -logp[t, targets[t]]   (0 where targets[t] < 0: ignored position)
//   Backward, fused with the log-softmax (accumulates; reuses logp, never divides by a probability):
//                dlogits[t, v] += dlosses[t] * (exp(logp[t, v]) - [v == targets[t]])
// The model reduces losses to its loss (a mean over positions, or one position) through dlosses.
#pragma once

namespace attn {

// logp: (T, V) out; logits: (T, V)
void log_softmax_forward(float* logp, const float* logits, int T, int V);
// dlogits: (T, V) +=; dlogp: (T, V); logp: (T, V) from the forward
void log_softmax_backward(float* dlogits, const float* dlogp, const float* logp, int T, int V);
// losses: (T) out; logp: (T, V); targets: (T), < 0 = ignored
void crossentropy_forward(float* losses, const float* logp, const int* targets, int T, int V);
// dlogits: (T, V) +=; dlosses: (T)
void crossentropy_backward(float* dlogits, const float* dlosses, const float* logp, const int* targets, int T, int V);

void log_softmax_forward_ref(float* logp, const float* logits, int T, int V);
void log_softmax_backward_ref(float* dlogits, const float* dlogp, const float* logp, int T, int V);
void crossentropy_backward_ref(float* dlogits, const float* dlosses, const float* logp, const int* targets, int T,
                               int V);

}  // namespace attn
