#include "engine/figure/ticks.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace attn {

std::vector<double> nice_ticks(double lo, double hi, int max_count, double* step_out) {
  std::vector<double> out;
  if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi)) {
    if (std::isfinite(lo)) out.push_back(lo);
    if (step_out) *step_out = 1.0;
    return out;
  }
  max_count = std::max(max_count, 2);
  const double raw = (hi - lo) / double(max_count - 1);
  double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    step = m * mag;
    const double k0 = std::ceil(lo / step - 1e-9), k1 = std::floor(hi / step + 1e-9);
    if (k1 - k0 + 1 <= max_count) break;
  }
  const long long k0 = (long long)std::ceil(lo / step - 1e-9), k1 = (long long)std::floor(hi / step + 1e-9);
  for (long long k = k0; k <= k1; ++k) out.push_back(double(k) * step);
  if (out.size() < 2) {  // a narrow range between two nice values: label its ends
    out = {lo, hi};
    step = (hi - lo) / 10.0;
  }
  if (step_out) *step_out = step;
  return out;
}

std::vector<double> scale_ticks(const ColorScale& s, int max_count) {
  if (!s.log) return nice_ticks(s.vmin, s.vmax, max_count);
  const double l0 = std::log10(double(s.vmin)), l1 = std::log10(double(s.vmax));
  std::vector<double> out;
  const int d0 = int(std::ceil(l0 - 1e-9)), d1 = int(std::floor(l1 + 1e-9));
  const int decades = d1 - d0 + 1;
  int every = 1;
  while (decades / every > max_count) ++every;
  for (int d = d0; d <= d1; ++d)
    if ((d - d0) % every == 0) out.push_back(std::pow(10.0, d));
  if (out.size() < 2) {
    out.clear();
    for (int d = int(std::floor(l0)) ; d <= int(std::ceil(l1)); ++d)
      for (double m : {1.0, 2.0, 5.0}) {
        const double v = m * std::pow(10.0, d);
        if (v >= double(s.vmin) * (1 - 1e-9) && v <= double(s.vmax) * (1 + 1e-9)) out.push_back(v);
      }
    if (out.size() < 2) out = {double(s.vmin), double(s.vmax)};
  }
  return out;
}

namespace {
std::string with_true_minus(std::string s) {
  if (!s.empty() && s[0] == '-') s = "\u2212" + s.substr(1);
  const size_t e = s.find("e-");
  if (e != std::string::npos) s.replace(e, 2, "e\u2212");
  return s;
}
}  // namespace

std::string format_tick(double v, double step) {
  char buf[64];
  if (std::abs(v) < step * 1e-6) v = 0.0;  // no "-0"
  const double a = std::abs(v);
  if (a >= 1e5 || (a > 0 && a < 1e-4) || step < 1e-5) {
    std::snprintf(buf, sizeof buf, "%.3g", v);
  } else {
    const int decimals = std::clamp(int(-std::floor(std::log10(step) + 1e-9)), 0, 6);
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  }
  return with_true_minus(buf);
}

std::vector<std::string> tick_texts(const ColorScale& s, const std::vector<double>& ticks, double step) {
  std::vector<std::string> out;
  if (!s.log) {
    for (double t : ticks) out.push_back(format_tick(t, step));
    return out;
  }
  bool decades = true;
  for (double t : ticks) {
    const double e = std::log10(t);
    decades = decades && std::abs(e - std::round(e)) < 1e-9;
  }
  static const char* kSup[] = {"\u2070", "\u00b9", "\u00b2", "\u00b3", "\u2074",
                               "\u2075", "\u2076", "\u2077", "\u2078", "\u2079"};
  for (double t : ticks) {
    if (!decades) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%g", t);
      out.push_back(with_true_minus(buf));
      continue;
    }
    const int e = int(std::lround(std::log10(t)));
    std::string text = "10";
    if (e < 0) text += "\u207b";  // superscript minus
    for (char ch : std::to_string(std::abs(e))) text += kSup[ch - '0'];
    out.push_back(text);
  }
  return out;
}

std::string format_cell(float v, double ref) {
  char buf[64];
  if (ref >= 0.1 && ref < 100.0) {
    std::snprintf(buf, sizeof buf, "%.2f", double(v));
    if (std::string(buf) == "-0.00") return "0.00";
  } else if (v == 0.f) {
    return "0";
  } else {
    std::snprintf(buf, sizeof buf, "%.2g", double(v));
  }
  return with_true_minus(buf);
}

double scale_position(const ColorScale& s, double v) {
  double t;
  if (s.log) {
    if (!(v > 0)) return 0.0;
    t = (std::log10(v) - std::log10(double(s.vmin))) / (std::log10(double(s.vmax)) - std::log10(double(s.vmin)));
  } else {
    t = (v - s.vmin) / (double(s.vmax) - s.vmin);
  }
  return std::clamp((t * 255.0 + 0.5) / 256.0, 0.0, 1.0);
}

}  // namespace attn
