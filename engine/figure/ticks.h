// Numbers on figures: colour-bar ticks and the text of ticks and cell annotations.
#pragma once
#include <string>
#include <vector>

#include "engine/figure/color_scale.h"

namespace attn {

// "Nice" tick values (1, 2 or 5 times a power of ten apart) inside [lo, hi], at most max_count
// (at least 2 when the range is not empty). Each is k * step for an integer k, so 0 is exact.
std::vector<double> nice_ticks(double lo, double hi, int max_count, double* step_out = nullptr);

// Ticks of a colour scale: nice_ticks on a linear scale; on a log scale the powers of ten inside
// the range (with 2x and 5x between them when there are fewer than two decades).
std::vector<double> scale_ticks(const ColorScale& s, int max_count);

// Tick text with just enough decimals for the step ("0.25" -> step 0.05 gives "0.25"), "1e-05"
// style for very large or small values, and a true minus sign (U+2212).
std::string format_tick(double v, double step);
// The texts of a colour bar's ticks: format_tick on a linear scale; on a log scale "10⁻³"-style
// powers of ten when every tick is one, else %g.
std::vector<std::string> tick_texts(const ColorScale& s, const std::vector<double>& ticks, double step);

// A cell's value for annotations: two decimals ("0.25", "-3.10", "0.00") when the panel's
// largest |v| (ref) is in [0.1, 100), else two significant digits ("1.2e-05", "3.4e+02").
std::string format_cell(float v, double ref);

// Where a value sits along a colour bar, t in [0, 1] (0 = vmin end), matching the table entry
// the value gets: the middle of that entry's band, (index + 0.5) / 256, before clamping.
double scale_position(const ColorScale& s, double v);

}  // namespace attn
