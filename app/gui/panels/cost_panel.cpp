// The Cost tab: FLOPs and bytes of every step of the current configuration, forward and backward
// (engine/analysis/cost.h), with totals and the activation memory the backward pass keeps; and,
// on demand, a measured time-versus-N curve (app/gui/cost_measure.h) that shows the quadratic
// growth: milliseconds over N, the time per (query, key) cell, and the fitted exponent of N.
#include <GLFW/glfw3.h>
#include <imgui.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <string>

#include "app/gui/cost_measure.h"
#include "app/gui/panels/panels.h"
#include "app/gui/test_hooks.h"
#include "engine/analysis/cost.h"
#include "engine/sandbox/positional.h"

namespace attn::gui {

namespace {

struct CostPanelState {
  CostMeasure measure;
  int max_n_index = 2;  // into kMaxSizes
  int repeats = 3;
};
CostPanelState g_cost;

const int kMaxSizes[] = {256, 512, 1024, 2048, 4096};
const char* kMaxSizeNames[] = {"256", "512", "1024", "2048", "4096"};

// 1234567 -> "1.23 M" (SI prefixes; bytes use the same decimal prefixes).
std::string si(double v, const char* unit) {
  const char* prefixes[] = {"", "k", "M", "G", "T", "P"};
  int k = 0;
  while (std::abs(v) >= 1000.0 && k < 5) {
    v /= 1000.0;
    ++k;
  }
  char buf[48];
  std::snprintf(buf, sizeof buf, k == 0 ? "%.0f %s%s" : "%.3g %s%s", v, prefixes[k], unit);
  return buf;
}

void table_row(const char* name, const char* pass, double flops, double bytes, bool strong) {
  ImGui::TableNextRow();
  ImGui::TableSetColumnIndex(0);
  if (strong)
    ImGui::TextColored(ImVec4(1.f, 0.85f, 0.3f, 1.f), "%s", name);
  else
    ImGui::TextUnformatted(name);
  ImGui::TableSetColumnIndex(1);
  ImGui::TextUnformatted(pass);
  ImGui::TableSetColumnIndex(2);
  ImGui::TextUnformatted(si(flops, "FLOP").c_str());
  ImGui::TableSetColumnIndex(3);
  ImGui::TextUnformatted(si(bytes, "B").c_str());
  ImGui::TableSetColumnIndex(4);
  ImGui::Text("%.2f", bytes > 0 ? flops / bytes : 0.0);
}

void cost_table(const AppState& s) {
  const AttentionConfig& c = s.cs.config;
  const CostReport r = attention_cost(c);
  ImGui::Text("N = %d queries, M = %d keys, H = %d heads, d_k = %d, d_v = %d%s", c.N, c.M, c.H, c.dk, c.dv,
              c.mode == AttnMode::Projection ? (", D = " + std::to_string(c.D)).c_str() : " (direct Q, K, V)");
  ImGui::TextDisabled("a multiply-add counts 2 FLOPs; bytes = every operand read once and every result written once "
                      "(float32)");
  const ImGuiTableFlags flags = ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchProp;
  ImGui::BeginGroup();
  if (ImGui::BeginTable("cost_terms", 5, flags, ImVec2(std::min(ImGui::GetContentRegionAvail().x, 760.f), 0))) {
    ImGui::TableSetupColumn("step", ImGuiTableColumnFlags_WidthStretch, 3.f);
    ImGui::TableSetupColumn("pass", ImGuiTableColumnFlags_WidthStretch, 1.f);
    ImGui::TableSetupColumn("FLOPs", ImGuiTableColumnFlags_WidthStretch, 1.4f);
    ImGui::TableSetupColumn("bytes", ImGuiTableColumnFlags_WidthStretch, 1.4f);
    ImGui::TableSetupColumn("FLOP / byte", ImGuiTableColumnFlags_WidthStretch, 1.f);
    ImGui::TableHeadersRow();
    for (const CostTerm& t : r.terms) table_row(t.name.c_str(), t.backward ? "backward" : "forward", t.flops, t.bytes, false);
    table_row("forward total", "forward", r.forward_flops, r.forward_bytes, true);
    table_row("backward total", "backward", r.backward_flops, r.backward_bytes, true);
    table_row("forward + backward", "both", r.forward_flops + r.backward_flops, r.forward_bytes + r.backward_bytes, true);
    ImGui::EndTable();
  }
  ImGui::EndGroup();
  hook_item("cost_table");
  ImGui::Text("Activation memory kept for the backward pass (S, L, A, Q, K, V, O): %s",
              si(r.activation_bytes, "B").c_str());
  const double nm = double(c.N) * c.M * c.H;
  ImGui::TextWrapped("The N x M terms (S = Q K^T, softmax, A V and their gradients) grow with N * M = %.0f cells "
                     "per head: doubling the sequence multiplies them by 4. The count covers every cell; a mask "
                     "hides cells from the softmax but this engine still computes them (a fused causal kernel "
                     "could skip about half).",
                     nm / c.H);
  if (c.score.kind != ScoreKind::ScaledDot && c.score.kind != ScoreKind::Dot)
    ImGui::TextDisabled("Score function: %s (its own rows above).", score_kind_name(c.score.kind));
  if (c.positional.kind == PosKind::Alibi || c.positional.kind == PosKind::T5)
    ImGui::TextDisabled("%s only adds the bias B, counted in L = s S + B.", pos_kind_name(c.positional.kind));
}

void measure_section(AppState& s) {
  const AttentionConfig& c = s.cs.config;
  ImGui::TextUnformatted("Measured time versus N");
  ImGui::TextDisabled("forward + backward (run_attention) on random N x N cases with H = %d, d_k = %d, d_v = %d and "
                      "this mask; median of the runs per size",
                      c.H, c.dk, c.dv);
  CostMeasure& m = g_cost.measure;
  const bool running = m.running();
  if (running) ImGui::BeginDisabled();
  ImGui::SetNextItemWidth(90);
  const bool open = ImGui::BeginCombo("max N", kMaxSizeNames[g_cost.max_n_index]);
  hook_item("cost_max_n");
  if (open) {
    for (int k = 0; k < 5; ++k) {
      if (ImGui::Selectable(kMaxSizeNames[k], k == g_cost.max_n_index)) g_cost.max_n_index = k;
      hook_item(std::string("cost_max_") + kMaxSizeNames[k]);
    }
    ImGui::EndCombo();
  }
  ImGui::SameLine();
  ImGui::SetNextItemWidth(90);
  ImGui::SliderInt("runs per size", &g_cost.repeats, 1, 7);
  ImGui::SameLine();
  const bool start = ImGui::Button("Measure");
  hook_item("cost_measure_button");
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("Times N = 32, 64, 96, ... up to max N in a background thread; the window stays usable.");
  if (running) ImGui::EndDisabled();
  if (start && !running) {
    g_cost.measure.start(c, kMaxSizes[g_cost.max_n_index], g_cost.repeats, [] { glfwPostEmptyEvent(); });
  }
  const CostMeasure::Snapshot snap = m.snapshot();
  if (snap.running) {
    ImGui::SameLine();
    if (ImGui::Button("Cancel")) m.cancel();
    hook_item("cost_cancel_button");
    char overlay[64];
    std::snprintf(overlay, sizeof overlay, "%d of %d sizes", int(snap.points.size()), snap.sizes_total);
    ImGui::ProgressBar(float(snap.progress), ImVec2(std::min(ImGui::GetContentRegionAvail().x, 500.f), 0), overlay);
    hook_item("cost_progress");
  }
  if (!snap.note.empty()) ImGui::TextColored(ImVec4(1.f, 0.6f, 0.4f, 1.f), "%s", snap.note.c_str());
  if (snap.cancelled && !snap.running) {
    ImGui::TextDisabled("cancelled after %d sizes", int(snap.points.size()));
    hook_item("cost_cancelled");
  }
  if (snap.points.empty()) return;

  std::vector<float> ms, per_cell;
  for (const CostPoint& p : snap.points) {
    ms.push_back(float(p.ms));
    per_cell.push_back(float(p.ms * 1e6 / (double(c.H) * p.N * p.N)));  // ns per (query, key) cell per head
  }
  const int n = int(ms.size());
  const float w = std::min(ImGui::GetContentRegionAvail().x * 0.48f, 420.f);
  char title[96];
  std::snprintf(title, sizeof title, "ms (0 .. %.3g), N = %d .. %d", double(*std::max_element(ms.begin(), ms.end())),
                snap.points.front().N, snap.points.back().N);
  ImGui::BeginGroup();
  ImGui::PlotLines("##ms", ms.data(), n, 0, title, 0.f, FLT_MAX, ImVec2(w, 150));

  hook_item("cost_plot_ms");
  ImGui::TextDisabled("x: N in steps of %d; the time grows like a parabola", snap.points.front().N);
  ImGui::EndGroup();
  ImGui::SameLine();
  ImGui::BeginGroup();
  ImGui::PlotLines("##per_cell", per_cell.data(), n, 0, "ns per cell = ms / (H N^2)", 0.f, FLT_MAX, ImVec2(w, 150));
  ImGui::TextDisabled("time / (H N^2): flat once N is large -> quadratic");
  ImGui::EndGroup();

  const double p = fit_exponent(snap.points);
  if (std::isfinite(p)) {
    ImGui::Text("fitted: time ~ N^%.2f  (doubling N multiplies the time by %.1f; pure N^2 would be 4)", p,
                std::pow(2.0, p));
    if (snap.finished) hook_item("cost_result");
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("Least squares of log(ms) on log(N) over the sizes N >= 128; small sizes mostly measure "
                        "fixed overhead, so their exponent is lower.");
  }
  if (ImGui::TreeNode("measured points")) {
    if (ImGui::BeginTable("cost_points", 4, ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit)) {
      ImGui::TableSetupColumn("N");
      ImGui::TableSetupColumn("ms");
      ImGui::TableSetupColumn("ns / cell");
      ImGui::TableSetupColumn("GFLOP/s (model)");
      ImGui::TableHeadersRow();
      for (size_t k = 0; k < snap.points.size(); ++k) {
        const CostPoint& q = snap.points[k];
        ImGui::TableNextRow();
        ImGui::TableSetColumnIndex(0);
        ImGui::Text("%d", q.N);
        ImGui::TableSetColumnIndex(1);
        ImGui::Text("%.3f", q.ms);
        ImGui::TableSetColumnIndex(2);
        ImGui::Text("%.2f", double(per_cell[k]));
        ImGui::TableSetColumnIndex(3);
        ImGui::Text("%.2f", q.ms > 0 ? q.flops / (q.ms * 1e6) : 0.0);
      }
      ImGui::EndTable();
    }
    ImGui::TreePop();
  }
}

}  // namespace

void draw_cost_panel(AppState& s, GuiContext& /*ctx*/) {
  ImGui::BeginChild("cost_scroll", ImVec2(0, 0), false);
  cost_table(s);
  ImGui::Separator();
  measure_section(s);
  ImGui::EndChild();
}

void cost_panel_shutdown() { g_cost.measure.stop(); }

}  // namespace attn::gui
