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

// A mask applies when it has the matrix's shape.
bool uses_mask(const ScaleInput& in) {
  return in.mask && in.mask->rows() == in.values->rows() && in.mask->cols() == in.values->cols();
}

// Calls f(v) for every value of `in` that is shown: finite and not masked.
template <class F>
void for_each_shown(const ScaleInput& in, F&& f) {
  if (!in.values) return;
  const MatRM& m = *in.values;
  const float* v = m.data();
  const uint8_t* allowed = uses_mask(in) ? in.mask->data() : nullptr;
  for (long k = 0; k < m.size(); ++k)
    if (std::isfinite(v[k]) && (!allowed || allowed[k])) f(v[k]);
}

// Every value shown, optionally as |v|. Only a percentile needs them all.
std::vector<float> shown_values(const std::vector<ScaleInput>& data, bool absolute) {
  std::vector<float> out;
  size_t n = 0;
  for (const ScaleInput& in : data) n += in.values ? size_t(in.values->size()) : 0;
  out.reserve(n);
  for (const ScaleInput& in : data) for_each_shown(in, [&](float v) { out.push_back(absolute ? std::abs(v) : v); });
  return out;
}

// One pass over the shown values: their extremes (the GUI resolves a range on every edit).
struct Extremes {
  bool any = false;
  float min = INFINITY, max = -INFINITY;
  float abs_max = 0.f;
  float min_positive = INFINITY;
};
Extremes shown_extremes(const std::vector<ScaleInput>& data, bool want_min_positive) {
  Extremes e;
  for (const ScaleInput& in : data) {
    if (!in.values || in.values->size() == 0) continue;
    const MatRM& m = *in.values;
    if (!uses_mask(in) && m.allFinite()) {
      // The common case, vectorised: every cell is shown.
      e.any = true;
      e.min = std::min(e.min, m.minCoeff());
      e.max = std::max(e.max, m.maxCoeff());
      e.abs_max = std::max(e.abs_max, m.cwiseAbs().maxCoeff());
      if (want_min_positive)  // log scales only
        for (long k = 0; k < m.size(); ++k)
          if (m.data()[k] > 0.f) e.min_positive = std::min(e.min_positive, m.data()[k]);
      continue;
    }
    for_each_shown(in, [&](float v) {
      e.any = true;
      e.min = std::min(e.min, v);
      e.max = std::max(e.max, v);
      e.abs_max = std::max(e.abs_max, std::abs(v));
      if (v > 0.f) e.min_positive = std::min(e.min_positive, v);
    });
  }
  // -0 and +0 compare equal, so which one a min or max returns depends on the order of the scan;
  // a zero end is +0 (no "-0" tick label).
  if (e.min == 0.f) e.min = 0.f;
  if (e.max == 0.f) e.max = 0.f;
  return e;
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
  // A fixed [0, 1] range (weights) with nothing else asked needs no look at the data.
  const bool needs_data = req.clip_percentile || req.log || kind != RangeKind::Unit;
  const Extremes ex = needs_data ? shown_extremes(data, req.log) : Extremes();
  double lo = 0.0, hi = 1.0;
  if (signed_default) {
    double m = 0.0;
    if (req.clip_percentile) {  // only a percentile needs the sort; the plain max is one pass
      std::vector<float> a = shown_values(data, true);
      std::sort(a.begin(), a.end());
      m = a.empty() ? 0.0 : percentile_sorted(a, *req.clip_percentile);
    } else if (ex.any) {
      m = ex.abs_max;
    }
    lo = -m;
    hi = m;
  } else if (req.clip_percentile) {
    std::vector<float> v = shown_values(data, false);
    std::sort(v.begin(), v.end());
    lo = percentile_sorted(v, 100.0 - *req.clip_percentile);
    hi = percentile_sorted(v, *req.clip_percentile);
  } else if (kind == RangeKind::Unit) {
    lo = 0.0;
    hi = 1.0;
  } else if (ex.any) {
    lo = ex.min;
    hi = ex.max;
  }
  if (req.log) {
    if (req.vmax) hi = *req.vmax;
    if (req.vmin) {
      require(*req.vmin > 0.f, "vmin", "a log scale needs vmin > 0, got " + std::to_string(*req.vmin));
      lo = *req.vmin;
    } else {
      const float min_pos = ex.min_positive;
      require(std::isfinite(min_pos), "log", "a log scale needs positive values, and this view has none");
      if (!(hi > 0.0)) hi = ex.max;
      lo = std::max(double(min_pos), hi * 1e-6);
      if (req.clip_percentile) {  // the percentile of the positive values only
        std::vector<float> pos;
        for (float v : shown_values(data, false))
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
