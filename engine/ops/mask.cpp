#include "engine/ops/mask.h"

#include <cstdlib>

#include "engine/core/error.h"

namespace attn {

namespace {
struct KindName {
  MaskKind kind;
  const char* name;
};
const KindName kKindNames[] = {
    {MaskKind::None, "none"},       {MaskKind::Causal, "causal"},
    {MaskKind::Padding, "padding"}, {MaskKind::SlidingWindow, "sliding_window"},
    {MaskKind::Strided, "strided"}, {MaskKind::Global, "global"},
    {MaskKind::Custom, "custom"},
};

// Whether a single (non-global) component allows cell (i, j); ip = i + M - N.
bool part_allows(const MaskPart& p, int i, int ip, int j) {
  switch (p.kind) {
    case MaskKind::None:
    case MaskKind::Global:
      return true;
    case MaskKind::Causal:
      return j <= ip;
    case MaskKind::Padding:
      return p.key_flags[j] != 0;
    case MaskKind::SlidingWindow:
      if (p.centered) return std::abs(ip - j) <= p.width / 2;
      return ip - j >= 0 && ip - j < p.width;
    case MaskKind::Strided: {
      // Child et al.: attend to every stride-th earlier position, plus an optional local window.
      if (j > ip) return false;
      const int d = ip - j;
      return d % p.stride == 0 || (p.width > 0 && d < p.width);
    }
    case MaskKind::Custom:
      return p.custom(i, j) != 0;
  }
  return true;
}
}  // namespace

const char* mask_kind_name(MaskKind k) {
  for (const auto& kn : kKindNames)
    if (kn.kind == k) return kn.name;
  return "?";
}

MaskKind mask_kind_from_name(const std::string& name) {
  for (const auto& kn : kKindNames)
    if (name == kn.name) return kn.kind;
  throw InputError("mask.kind", "unknown mask kind '" + name +
                                    "' (allowed: none, causal, padding, sliding_window, strided, global, custom)");
}

MaskM build_mask(const MaskSpec& spec, int N, int M) {
  MaskM allowed = MaskM::Ones(N, M);
  for (const auto& p : spec.parts) {
    const std::string f = std::string("mask.") + mask_kind_name(p.kind);
    switch (p.kind) {
      case MaskKind::Padding:
        require((int)p.key_flags.size() == M, f + ".keys",
                "has " + std::to_string(p.key_flags.size()) + " flags, expected one per key (M = " +
                    std::to_string(M) + ")");
        break;
      case MaskKind::SlidingWindow:
        require(p.width >= 1, f + ".width", "is " + std::to_string(p.width) + ", must be >= 1");
        break;
      case MaskKind::Strided:
        require(p.stride >= 1, f + ".stride", "is " + std::to_string(p.stride) + ", must be >= 1");
        require(p.width >= 0, f + ".local_window", "is " + std::to_string(p.width) + ", must be >= 0");
        break;
      case MaskKind::Custom:
        require(p.custom.rows() == N && p.custom.cols() == M, f + ".matrix",
                "has shape " + shape_str(p.custom.rows(), p.custom.cols()) + ", expected " + shape_str(N, M));
        break;
      case MaskKind::Global:
        for (int t : p.tokens)
          require(t >= 0 && t < M, f + ".tokens",
                  "position " + std::to_string(t) + " is outside 0.." + std::to_string(M - 1));
        break;
      default:
        break;
    }
    if (p.kind == MaskKind::Global) continue;
    for (int i = 0; i < N; ++i) {
      const int ip = i + M - N;
      for (int j = 0; j < M; ++j)
        if (!part_allows(p, i, ip, j)) allowed(i, j) = 0;
    }
  }
  // Global tokens (Longformer/BigBird): a global key is seen by every query and a global
  // query (absolute position t, i.e. row t - (M - N)) sees every key.
  for (const auto& p : spec.parts) {
    if (p.kind != MaskKind::Global) continue;
    for (int t : p.tokens) {
      allowed.col(t).setOnes();
      const int row = t - (M - N);
      if (row >= 0 && row < N) allowed.row(row).setOnes();
    }
  }
  return allowed;
}

}  // namespace attn
