#include "engine/figure/color_scale.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "engine/core/error.h"

namespace attn {

int ColorScale::index(float v) const {
  if (std::isnan(v)) return -1;
  if (!log) return colormap_index(v, vmin, vmax);
  if (!(v > 0.f)) return 0;
  return colormap_index(std::log10(v), std::log10(vmin), std::log10(vmax));
}

double ColorScale::value_at(double t) const {
  if (!log) return vmin + t * (double(vmax) - vmin);
  return std::pow(10.0, std::log10(double(vmin)) + t * (std::log10(double(vmax)) - std::log10(double(vmin))));
}

std::string ColorScale::describe() const {
  char buf[128];
  std::snprintf(buf, sizeof buf, "[%.6g, %.6g]%s %s", vmin, vmax, log ? " log" : "", colormap(cmap).name);
  return buf;
}

double percentile_sorted(const std::vector<float>& s, double p) {
  if (s.empty()) return 0.0;
  const double pos = std::clamp(p, 0.0, 100.0) / 100.0 * double(s.size() - 1);
  const size_t lo = size_t(std::floor(pos));
  const size_t hi = std::min(lo + 1, s.size() - 1);
  const double frac = pos - double(lo);
  return double(s[lo]) + frac * (double(s[hi]) - double(s[lo]));
}

namespace {

// Every value shown (finite, not masked), optionally as |v|.
std::vector<float> shown_values(const std::vector<ScaleInput>& data, bool absolute) {
  std::vector<float> out;
  for (const ScaleInput& in : data) {
    if (!in.values) continue;
    const MatRM& m = *in.values;
    for (long i = 0; i < m.rows(); ++i)
      for (long j = 0; j < m.cols(); ++j) {
        const float v = m(i, j);
        if (!std::isfinite(v)) continue;
        if (in.mask && in.mask->rows() == m.rows() && in.mask->cols() == m.cols() && !(*in.mask)(i, j)) continue;
        out.push_back(absolute ? std::abs(v) : v);
      }
  }
  return out;
}

}  // namespace

ColorScale resolve_scale(const RangeRequest& req, RangeKind kind, const std::vector<ScaleInput>& data) {
  ColorScale s;
  s.log = req.log;
  const bool signed_default = kind == RangeKind::Signed && !req.log;
  s.cmap = req.cmap ? *req.cmap : (signed_default ? ColormapId::RdBu : ColormapId::Viridis);

  if (req.clip_percentile) {
    const double p = *req.clip_percentile;
    require(p > 50.0 && p <= 100.0, "clip-percentile", "must be in (50, 100], got " + std::to_string(p));
  }
  const std::vector<float> values = shown_values(data, false);
  double lo = 0.0, hi = 1.0;
  if (signed_default) {
    std::vector<float> a = shown_values(data, true);
    double m = 0.0;
    if (req.clip_percentile) {  // only a percentile needs the sort; the plain max is one pass
      std::sort(a.begin(), a.end());
      m = a.empty() ? 0.0 : percentile_sorted(a, *req.clip_percentile);
    } else if (!a.empty()) {
      m = *std::max_element(a.begin(), a.end());
    }
    lo = -m;
    hi = m;
  } else if (req.clip_percentile) {
    std::vector<float> v = values;
    std::sort(v.begin(), v.end());
    lo = percentile_sorted(v, 100.0 - *req.clip_percentile);
    hi = percentile_sorted(v, *req.clip_percentile);
  } else if (kind == RangeKind::Unit) {
    lo = 0.0;
    hi = 1.0;
  } else if (!values.empty()) {
    const auto mm = std::minmax_element(values.begin(), values.end());
    lo = *mm.first;
    hi = *mm.second;
  }
  if (req.log) {
    if (req.vmax) hi = *req.vmax;
    if (req.vmin) {
      require(*req.vmin > 0.f, "vmin", "a log scale needs vmin > 0, got " + std::to_string(*req.vmin));
      lo = *req.vmin;
    } else {
      float min_pos = INFINITY;
      for (float v : values)
        if (v > 0.f) min_pos = std::min(min_pos, v);
      require(std::isfinite(min_pos), "log", "a log scale needs positive values, and this view has none");
      if (!(hi > 0.0)) hi = *std::max_element(values.begin(), values.end());
      lo = std::max(double(min_pos), hi * 1e-6);
      if (req.clip_percentile) {  // the percentile of the positive values only
        std::vector<float> pos;
        for (float v : values)
          if (v > 0.f) pos.push_back(v);
        std::sort(pos.begin(), pos.end());
        lo = percentile_sorted(pos, 100.0 - *req.clip_percentile);
      }
    }
    require(hi > 0.0, "vmax", "a log scale needs vmax > 0");
  } else {
    if (req.vmin) lo = *req.vmin;
    if (req.vmax) hi = *req.vmax;
  }
  require(std::isfinite(lo) && std::isfinite(hi), "range", "vmin and vmax must be finite numbers");
  require(lo <= hi, "range",
          "vmin (" + std::to_string(lo) + ") must not be greater than vmax (" + std::to_string(hi) + ")");
  if (lo == hi) {
    if (req.log) {
      lo /= 10.0;
      hi *= 10.0;
    } else if (lo == 0.0) {
      lo = -1.0;
      hi = 1.0;
    } else {
      lo -= 0.5;
      hi += 0.5;
    }
    if (req.vmin) lo = *req.vmin;  // only one end was given equal to the other: keep it
    if (req.vmax) hi = *req.vmax;
    require(lo < hi, "range", "vmin and vmax must differ");
  }
  s.vmin = float(lo);
  s.vmax = float(hi);
  return s;
}

}  // namespace attn
