// GELU with the tanh approximation (GPT-2's "gelu_new"), forward and backward, plus reference twins.
// Legend: n elements (any shape, flattened).
//
// Forward:   out = 0.5 x (1 + tanh(u)),  u = sqrt(2/pi) (x + 0.044715 x^3)
// Backward (accumulates into dinp; reuses the forward's input):
//            dinp += dout * (0.5 (1 + tanh(u)) + 0.5 x (1 - tanh(u)^2) sqrt(2/pi) (1 + 3 * 0.044715 x^2))
#pragma once

namespace attn {

// out, inp: (n)
void gelu_forward(float* out, const float* inp, int n);
// dinp: (n) +=; inp, dout: (n)
void gelu_backward(float* dinp, const float* inp, const float* dout, int n);

void gelu_forward_ref(float* out, const float* inp, int n);
void gelu_backward_ref(float* dinp, const float* inp, const float* dout, int n);

}  // namespace attn
