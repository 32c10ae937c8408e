// Colour scales: which colormap and which value range a heatmap uses, and how a cell value
// becomes a table entry (the rule in colormap.h, on a linear or log10 scale).
//
// Defaults (DESIGN.md): weights use a sequential map over the fixed range [0, 1]; scores, logits
// and gradients use a diverging map centred on zero over [-max|v|, max|v|]. The user can set
// vmin and/or vmax, clip to a percentile, or use a log scale. Cells that are NaN or hidden by a
// mask never count towards a range.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "engine/core/tensor.h"
#include "engine/figure/colormap.h"

namespace attn {

// What kind of values a view holds; picks the default colormap and range.
enum class RangeKind {
  Unit,       // probabilities (attention weights): sequential, fixed [0, 1]
  Signed,     // scores, logits, gradients, Q/K/V: diverging, [-max|v|, max|v|]
  Sequential  // anything else non-negative: sequential, [min, max] of the data
};

struct ColorScale {
  ColormapId cmap = ColormapId::Viridis;
  float vmin = 0.f, vmax = 1.f;
  bool log = false;  // log10 scale (vmin > 0)

  // The table entry of v (-1 for NaN: drawn as masked). On a log scale v <= 0 takes entry 0.
  int index(float v) const;
  Rgb8 color(float v) const { return colormap(cmap).color(index(v)); }  // v must not be NaN
  // The inverse of the position along the bar: the value at t in [0, 1].
  double value_at(double t) const;
  // "[0, 1] viridis" / "[0.001, 1] log viridis" (for the PNG description and the GUI status).
  std::string describe() const;
};

// What the user asked for; every field is optional.
struct RangeRequest {
  std::optional<float> vmin, vmax;
  std::optional<double> clip_percentile;  // P in (50, 100]: see resolve_scale
  bool log = false;
  std::optional<ColormapId> cmap;
};

// One matrix of values and the cells to ignore (mask(i, j) == 0), mask optional.
struct ScaleInput {
  const MatRM* values = nullptr;
  const MaskM* mask = nullptr;
};

// Resolves a request against the data (one or more matrices sharing the scale):
// - colormap: the request's, else viridis (Unit, Sequential, or any log scale) or rdbu (Signed);
// - clip_percentile P: Signed -> [-q, q] with q = the P-th percentile of |v|; otherwise
//   [the (100-P)-th, the P-th] percentile of v (linear interpolation between order statistics);
// - log: vmin defaults to the smallest positive value shown, but no less than vmax * 1e-6;
//   InputError when no value is positive or vmin <= 0 is given;
// - explicit vmin / vmax override whatever the steps above chose;
// - an empty range (all values equal, e.g. a zero gradient) is widened: [-1, 1] around 0, or
//   v +- 0.5 (log: v / 10 .. v * 10) otherwise. vmin > vmax is an InputError.
ColorScale resolve_scale(const RangeRequest& req, RangeKind kind, const std::vector<ScaleInput>& data);

// Percentile (P in [0, 100]) of a sorted vector, linear interpolation (numpy's default).
double percentile_sorted(const std::vector<float>& sorted, double p);

}  // namespace attn
