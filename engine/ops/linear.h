// Dense layers, forward and backward, plus reference twins.
// Legend: T rows (tokens), C input features, OC output features.
//
// linear (GPT-2's Conv1D layout: the weight is stored input x output):
//   Forward:   out = inp W + b                 inp (T, C), W (C, OC), b (OC), out (T, OC)
//   Backward (accumulates; reuses inp and W):
//              dinp += dout W^T;  dW += inp^T dout;  db += colsum(dout)
// matmul_nt (nn.Linear layout, W stored output x input; GPT-2's logits tied to wte):
//   Forward:   out = inp W^T                   inp (T, C), W (OC, C), out (T, OC)
//   Backward:  dinp += dout W;  dW += dout^T inp
// A null bias / dbias means "no bias"; a null dinp skips that gradient.
#pragma once

namespace attn {

void linear_forward(float* out, const float* inp, const float* weight, const float* bias, int T, int C, int OC);
void linear_backward(float* dinp, float* dweight, float* dbias, const float* dout, const float* inp,
                     const float* weight, int T, int C, int OC);
void matmul_nt_forward(float* out, const float* inp, const float* weight, int T, int C, int OC);
void matmul_nt_backward(float* dinp, float* dweight, const float* dout, const float* inp, const float* weight, int T,
                        int C, int OC);

// Reference twins: triple loops in double.
void linear_forward_ref(float* out, const float* inp, const float* weight, const float* bias, int T, int C, int OC);
void linear_backward_ref(float* dinp, float* dweight, float* dbias, const float* dout, const float* inp,
                         const float* weight, int T, int C, int OC);
void matmul_nt_forward_ref(float* out, const float* inp, const float* weight, int T, int C, int OC);
void matmul_nt_backward_ref(float* dinp, float* dweight, const float* dout, const float* inp, const float* weight,
                            int T, int C, int OC);

}  // namespace attn
