// Benchmark of the figure exporter (issue 4): a 1024 x 1024 weights heatmap with 1024 labels per
// axis, one pixel per cell, rendered to PNG bytes (layout + cairo drawing + libpng encoding) and,
// separately, to SVG and PDF. No main(): it joins the `bench` executable's own main.
#include <benchmark/benchmark.h>

#include <string>

#include "engine/figure/figure.h"

namespace {

attn::FigureSpec big_figure() {
  attn::FigureSpec spec;
  spec.title = "L0 H0 \u00b7 weights";
  attn::HeatmapPanel p;
  const long n = 1024;
  p.values.resize(n, n);
  for (long i = 0; i < n; ++i)
    for (long j = 0; j < n; ++j) p.values(i, j) = j <= i ? float((i * 31 + j * 17) % 1000) / 1000.f : 0.f;
  p.mask = attn::MaskM::Ones(n, n).triangularView<Eigen::Lower>();
  for (long i = 0; i < n; ++i) p.row_labels.push_back("tok" + std::to_string(i));
  p.col_labels = p.row_labels;
  p.scale = attn::ColorScale{attn::ColormapId::Viridis, 0.f, 1.f, false};
  spec.panels.push_back(std::move(p));
  spec.style.cell_px = 1;
  return spec;
}

void BM_export_1024(benchmark::State& state, attn::ImageFormat format) {
  const attn::FigureSpec spec = big_figure();
  size_t bytes = 0;
  for (auto _ : state) {
    const std::string out = attn::render_figure(spec, format);
    bytes = out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["file_bytes"] = double(bytes);
}

BENCHMARK_CAPTURE(BM_export_1024, png, attn::ImageFormat::PNG)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK_CAPTURE(BM_export_1024, svg, attn::ImageFormat::SVG)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK_CAPTURE(BM_export_1024, pdf, attn::ImageFormat::PDF)->Unit(benchmark::kMillisecond)->MinTime(2.0);

}  // namespace
