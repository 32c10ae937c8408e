// Absolute positional encodings: tables P (positions x d) added to or concatenated with the token
// embeddings X. Legend: N positions (rows), d encoding width (columns), p an absolute position.
//
//   sinusoidal (Vaswani et al., interleaved):  P(p, 2k) = sin(p / base^(2k/d)), P(p, 2k+1) = cos(same)
//   sinusoidal, tensor2tensor layout:          P(p, k)  = sin(p / base^(2k/d)), P(p, k + d/2) = cos(same)
//                                              (all sines first, then all cosines; same frequencies)
//   geometric (one source article's variant):  P(p, 2k) = sin(p / 2^k),         P(p, 2k+1) = cos(p / 2^k)
//   learned:                                   P(p, :)  = table(p, :), an error past the table's end
//
// Rows are positions pos0, pos0 + 1, ..., pos0 + N - 1 (pos0 may be negative for the periodic
// encodings; a learned table has no row before 0). d must be even for the three periodic tables.
// The fast versions hoist the d/2 frequencies and write float32; angles are formed in double so a
// float32 table at p = 512 keeps its full precision. The *_ref twins evaluate the formula as written,
// per element, in double.
#pragma once
#include "engine/core/tensor.h"

namespace attn {

// P: (N, d) out.
void pe_sinusoidal_forward(MatRM& P, int pos0, int N, int d, double base);
void pe_sinusoidal_t2t_forward(MatRM& P, int pos0, int N, int d, double base);
void pe_geometric_forward(MatRM& P, int pos0, int N, int d);
void pe_sinusoidal_ref(MatRMd& P, int pos0, int N, int d, double base);
void pe_sinusoidal_t2t_ref(MatRMd& P, int pos0, int N, int d, double base);
void pe_geometric_ref(MatRMd& P, int pos0, int N, int d);

// Learned table lookup. P: (N, d) out; table: (L, d). Throws InputError("inputs.pe_table", ...) when a
// position falls outside 0 .. L-1.
void pe_learned_forward(MatRM& P, const MatRM& table, int pos0, int N);
// dtable: (L, d), accumulated (+=): dtable(pos0 + i, :) += dP(i, :). Reuses nothing from forward.
void pe_learned_backward(MatRM& dtable, const MatRM& dP, int pos0);

}  // namespace attn
