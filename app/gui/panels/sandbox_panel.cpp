// The Sandbox tab: the pipeline strip (Q K^T -> scale -> + bias, mask -> softmax -> x V) as
// small multiples of one head, the selected stage large with labels, zoom and an explaining
// tooltip, the Q / K / V editors beside it, and the backward pass below: loss, gradient maps,
// per-token gradient norms, Step / Play with a learning rate and the loss curve.
#include <GLFW/glfw3.h>
#include <imgui.h>

#include <cmath>
#include <limits>

#include "app/gui/key_events.h"
#include "app/gui/panels/edit_helpers.h"
#include "app/gui/panels/panels.h"
#include "app/gui/test_hooks.h"
#include "app/gui/widgets/heatmap_view.h"
#include "app/gui/widgets/matrix_editor.h"
#include "engine/figure/attention_views.h"
#include "engine/figure/colormap.h"
#include "engine/sandbox/case_edit.h"

namespace attn::gui {

namespace {

enum class Tool { SelectRow, PaintTarget, PaintMask };
Tool g_tool = Tool::SelectRow;

// Matrices derived from the result for display, rebuilt only when the result or head changes.
struct StageMats {
  uint64_t version = 0;
  int head = -1;
  MatRM scaled, output, qnorm;
  std::vector<std::string> dim_labels_v, dim_labels_k, dim_labels_o, dim_labels_model, dim_labels_in;
};
StageMats g_mats;

const Colormap& cmap_or_default(const std::string& name, bool diverging) {
  try {
    return colormap_from_name(name);
  } catch (...) {
    return colormap(diverging ? ColormapId::RdBu : ColormapId::Viridis);
  }
}

std::vector<std::string> dim_labels(int n, const char* prefix) {
  std::vector<std::string> v;
  for (int i = 0; i < n; ++i) v.push_back(prefix + std::to_string(i));
  return v;
}

void refresh_mats(const AppState& s, int h) {
  if (g_mats.version == s.result_version && g_mats.head == h) return;
  const HeadResult& hr = s.result.heads[h];
  g_mats.scaled = s.result.scale * hr.cache.S;
  const long dv = hr.V.cols();  // the result's own width (the case may be ahead of it)
  g_mats.output = col_block(s.result.O, long(h) * dv, dv);
  g_mats.dim_labels_v = dim_labels(int(hr.V.cols()), "v");
  g_mats.dim_labels_k = dim_labels(int(hr.Q.cols()), "d");
  // O = [O_0 ... O_{H-1}]: column h * dv + k is feature k of head h, labelled as the exporter does.
  g_mats.dim_labels_o.clear();
  for (long c = 0; c < s.result.O.cols(); ++c) g_mats.dim_labels_o.push_back(head_feature_label(c, dv));
  g_mats.dim_labels_model = dim_labels(int(s.result.Z.cols()), "z");
  g_mats.dim_labels_in = dim_labels(int(hr.dWq.rows()), "x");
  g_mats.version = s.result_version;
  g_mats.head = h;
}

// The exporter's view name of a stage (engine/figure/attention_views.h).
const char* stage_view(Stage st) {
  switch (st) {
    case Stage::RawScores: return "scores_raw";
    case Stage::Scaled: return "scores";
    case Stage::Logits: return "logits";
    case Stage::Weights: return "weights";
    case Stage::Output: return "output";
    case Stage::Concat: return "output-all";
    case Stage::Projected: return "z";
  }
  return "weights";
}

const char* stage_title(Stage st) {
  switch (st) {
    case Stage::RawScores: return "Q K^T";
    case Stage::Scaled: return "x scale s";
    case Stage::Logits: return "+ bias, mask";
    case Stage::Weights: return "softmax / tau = A";
    case Stage::Output: return "A V = O";
    case Stage::Concat: return "concat heads";
    case Stage::Projected: return "O Wo + bo = Z";
  }
  return "";
}

// Stages that belong to the whole layer, not to one head.
bool whole_layer(Stage st) { return st == Stage::Concat || st == Stage::Projected; }

// The explanation of one weight: how q_i . k_j became A_ij.
void explain_weight(const AppState& s, int h, int i, int j) {
  const HeadResult& hr = s.result.heads[h];
  const AttentionConfig& c = s.cs.config;
  const float tau = c.tau;
  const int N = int(hr.cache.A.rows()), M = int(hr.cache.A.cols());
  ImGui::Separator();
  // The raw score S(i, j) under this case's score function (+ Shaw's relative-key term).
  const double shaw = hr.shaw_E.size() ? double(hr.shaw_E(i, j)) : 0.0;
  const double score = double(hr.cache.S(i, j)) - shaw;
  switch (c.score.kind) {
    case ScoreKind::General: ImGui::Text("q_%d^T W k_%d = %.5g", i, j, score); break;
    case ScoreKind::Additive: ImGui::Text("v^T tanh(Wq q_%d + Wk k_%d) = %.5g", i, j, score); break;
    case ScoreKind::Cosine: ImGui::Text("q_%d . k_%d / (|q_%d| |k_%d|) = %.5g", i, j, i, j, score); break;
    default: ImGui::Text("q_%d . k_%d = %.5g", i, j, score); break;
  }
  if (hr.shaw_E.size()) ImGui::Text("+ Shaw: q_%d . aK[clip(%d - %d)] = %.5g", i, j, i, shaw);
  ImGui::Text("x scale s = %.5g  ->  %.5g", double(s.result.scale), double(s.result.scale * hr.cache.S(i, j)));
  // The whole logit bias: inputs.bias plus a positional one (ALiBi, T5).
  if (hr.B.size()) {
    const PosKind pk = c.positional.kind;
    const char* what = pk == PosKind::Alibi ? " (ALiBi)" : pk == PosKind::T5 ? " (T5 bucket)" : "";
    ImGui::Text("+ bias B%s = %.5g", what, double(hr.B(i, j)));
  }
  ImGui::Text("logit L = %.5g,  L / tau = %.5g  (tau = %.4g)", double(hr.cache.L(i, j)), double(hr.cache.L(i, j) / tau), double(tau));
  if (!s.result.allowed(i, j)) {
    ImGui::TextUnformatted("masked: excluded from the softmax, weight 0");
    return;
  }
  // Softmax over the visible cells of the row (keys) or, in the teaching variant, of the column.
  const bool keys = c.axis == SoftmaxAxis::Keys;
  const int n = keys ? M : N;
  auto logit = [&](int k) { return double(keys ? hr.cache.L(i, k) : hr.cache.L(k, j)) / tau; };
  auto visible = [&](int k) { return bool(keys ? s.result.allowed(i, k) : s.result.allowed(k, j)); };
  double mx = -std::numeric_limits<double>::infinity(), sum = 0.0;
  int count = 0;
  for (int k = 0; k < n; ++k)
    if (visible(k)) mx = std::max(mx, logit(k));
  for (int k = 0; k < n; ++k)
    if (visible(k)) {
      sum += std::exp(logit(k) - mx);
      ++count;
    }
  const double num = std::exp(double(hr.cache.L(i, j)) / tau - mx);
  if (keys) {
    ImGui::Text("softmax over row %d: exp(L/tau - max) = %.5g", i, num);
    ImGui::Text("sum over the %d visible keys = %.5g", count, sum);
  } else {
    ImGui::Text("teaching variant, softmax over column %d: exp(L/tau - max) = %.5g", j, num);
    ImGui::Text("sum over the %d visible queries = %.5g", count, sum);
  }
  ImGui::Text("A = %.5g / %.5g = %.6f", num, sum, double(hr.cache.A(i, j)));
}

void handle_map_click(AppState& s, int h, int i, int j, bool ctrl) {
  AttentionConfig& c = s.cs.config;
  switch (g_tool) {
    case Tool::SelectRow:
      s.view.selected_row = s.view.selected_row == i ? -1 : i;
      break;
    case Tool::PaintTarget: {
      if (c.axis != SoftmaxAxis::Keys) {
        set_status(s, "target attention needs 'softmax over keys'", true);
        break;
      }
      if (!s.result.allowed(i, j)) {
        set_status(s, "key " + std::to_string(j) + " is masked for query " + std::to_string(i) + "; a target cannot put weight there", true);
        break;
      }
      apply_edit(s, [&] {
        LossSpec& l = s.cs.loss;
        if (l.kind != LossKind::CrossEntropy || l.target_rows.cols() != c.M) {
          l = LossSpec();
          l.kind = LossKind::CrossEntropy;
          l.target_rows.resize(0, c.M);
        }
        if (std::find(l.heads.begin(), l.heads.end(), h) == l.heads.end()) l.heads.push_back(h);
        auto it = std::find(l.rows.begin(), l.rows.end(), i);
        long r;
        if (it == l.rows.end()) {
          l.rows.push_back(i);
          MatRM t(l.target_rows.rows() + 1, c.M);
          t.topRows(l.target_rows.rows()) = l.target_rows;
          t.row(t.rows() - 1).setZero();
          l.target_rows = t;
          r = t.rows() - 1;
        } else {
          r = long(it - l.rows.begin());
        }
        if (!ctrl) l.target_rows.row(r).setZero();
        l.target_rows(r, j) += 1.f;
        l.target_rows.row(r) /= l.target_rows.row(r).sum();  // keep it a distribution
        s.loss_history.clear();
      });
      break;
    }
    case Tool::PaintMask:
      apply_edit(s, [&] {
        MaskM m = build_mask(c.mask, c.N, c.M);
        m(i, j) = m(i, j) ? 0 : 1;
        MaskPart p;
        p.kind = MaskKind::Custom;
        p.custom = m;
        c.mask.parts = {p};
        // A target that now sits on a hidden key would be invalid: drop that mass.
        LossSpec& l = s.cs.loss;
        if (l.kind == LossKind::CrossEntropy)
          for (size_t r = 0; r < l.rows.size(); ++r)
            if (l.rows[r] == i && l.target_rows(long(r), j) > 0.f && !m(i, j)) {
              l.target_rows(long(r), j) = 0.f;
              const float sum = l.target_rows.row(long(r)).sum();
              if (sum > 0.f) l.target_rows.row(long(r)) /= sum;
            }
      });
      break;
  }
}

// One heatmap of the given stage for head h; big or as a thumbnail.
HeatmapEvents stage_map(AppState& s, GuiContext& ctx, int h, Stage st, const char* name, ImVec2 size, bool big) {
  const HeadResult& hr = s.result.heads[h];
  HeatmapSpec spec;
  spec.row_labels = &s.cs.query_tokens;
  spec.col_labels = &s.cs.key_tokens;
  spec.axes = big;
  spec.show_values = big && s.view.show_values;
  spec.highlight_row = s.view.selected_row;
  spec.title = big ? stage_title(st) : nullptr;
  spec.cmap = &cmap_or_default(s.view.diverging, true);
  spec.diverging = true;
  spec.range = s.view.scores_range;
  switch (st) {
    case Stage::RawScores: spec.values = &hr.cache.S; break;
    case Stage::Scaled: spec.values = &g_mats.scaled; break;
    case Stage::Logits:
      spec.values = &hr.cache.L;
      spec.mask = &s.result.allowed;
      break;
    case Stage::Weights:
      spec.values = &hr.cache.A;
      spec.mask = &s.result.allowed;
      spec.cmap = &cmap_or_default(s.view.colormap, false);
      spec.diverging = false;
      spec.range = s.view.weights_range;
      if (big) spec.tooltip = [&s, h](int i, int j) { explain_weight(s, h, i, j); };
      break;
    case Stage::Output:
      spec.values = &g_mats.output;
      spec.col_labels = &g_mats.dim_labels_v;
      break;
    case Stage::Concat:
      spec.values = &s.result.O;
      spec.col_labels = &g_mats.dim_labels_o;
      break;
    case Stage::Projected:
      spec.values = &s.result.Z;
      spec.col_labels = &g_mats.dim_labels_model;
      break;
  }
  return draw_heatmap(name, ctx.heatmap(name), spec, (s.result_version * 64 + uint64_t(h)) * 8 + uint64_t(st), size);
}

void pipeline_strip(AppState& s, GuiContext& ctx, int h) {
  // One head's pipeline, then the layer's: the heads concatenated and (projection mode) x Wo.
  const Stage stages[] = {Stage::RawScores, Stage::Scaled, Stage::Logits,   Stage::Weights,
                          Stage::Output,    Stage::Concat, Stage::Projected};
  const int n = s.result.Z.size() > 0 ? 7 : 6;
  const float avail = ImGui::GetContentRegionAvail().x;
  const float arrow = 22.f, w = std::max(60.f, (avail - (n - 1) * arrow) / float(n) - 8.f), th = 96.f;
  for (int k = 0; k < n; ++k) {
    if (k) ImGui::SameLine(0.f, arrow);
    ImGui::BeginGroup();
    const bool selected = s.view.stage == stages[k];
    const std::string title = std::string(k ? "-> " : "") + stage_title(stages[k]);
    if (selected)
      ImGui::TextColored(ImVec4(1.f, 0.85f, 0.3f, 1.f), "%s", title.c_str());
    else
      ImGui::TextUnformatted(title.c_str());
    const std::string name = std::string("strip_") + std::to_string(k);
    const HeatmapEvents ev = stage_map(s, ctx, h, stages[k], name.c_str(), ImVec2(w, th), false);
    hook_item(name);
    if (ev.clicked) s.view.stage = stages[k];
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip(stages[k] == Stage::Concat      ? "All heads' outputs side by side (columns h.k = dim k of head h); click to show it large"
                        : stages[k] == Stage::Projected ? "The layer's output Z = O Wo + bo; click to show it large"
                                                        : "Click to show this stage large");
    ImGui::EndGroup();
  }
}

// One gradient map of the backward row: its Save button, then the map (diverging, zero-centred).
struct GradMap {
  const char* title;
  const char* view;  // the exporter's view name
  const MatRM* m;
  const std::vector<std::string>* rows;
  const std::vector<std::string>* cols;
  bool query_rows;  // rows are queries: the selected query row is highlighted
};

void grad_row(AppState& s, GuiContext& ctx, int h, const GradMap* maps, int count, const char* id_prefix, float avail) {
  const float w = std::max(120.f, avail / float(count) - 8.f);
  for (int k = 0; k < count; ++k) {
    if (k) ImGui::SameLine();
    ImGui::BeginGroup();
    HeatmapSpec spec;
    spec.values = maps[k].m;
    spec.row_labels = maps[k].rows;
    spec.col_labels = maps[k].cols;
    spec.title = maps[k].title;
    spec.diverging = true;
    spec.cmap = &cmap_or_default(s.view.diverging, true);
    spec.range = s.view.grad_range;
    spec.show_values = false;
    spec.highlight_row = maps[k].query_rows ? s.view.selected_row : -1;
    const std::string id = id_prefix + std::to_string(k);
    export_button(ctx, maps[k].view, h);
    draw_heatmap(id.c_str(), ctx.heatmap(id), spec, s.result_version * 64 + uint64_t(h), ImVec2(w, 170.f));
    ImGui::EndGroup();
  }
}

void backward_section(AppState& s, GuiContext& ctx, int h) {
  const AttentionResult& r = s.result;
  if (s.cs.loss.kind == LossKind::None || !r.has_grads) {
    ImGui::TextDisabled("Choose a loss in the control column to see the backward pass (dS, dA, dQ, dK, dV).");
    return;
  }
  ImGui::Text("loss (%s) = %.6g", loss_kind_name(s.cs.loss.kind), r.loss);
  ImGui::SameLine();
  const bool step = ImGui::Button("Step") || (!ImGui::GetIO().WantTextInput && key_presses(GLFW_KEY_SPACE) > 0);
  hook_item("step_button");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("One gradient-descent step on the editable tensors (Space)");
  ImGui::SameLine();
  if (ImGui::Button(s.playing ? "Pause" : "Play") ||
      (!ImGui::GetIO().WantTextInput && key_presses(GLFW_KEY_P, 0, GLFW_MOD_CONTROL) > 0)) {
    if (!s.playing) begin_edit(s);  // one undo step for the whole run
    s.playing = !s.playing;
  }
  hook_item("play_button");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(160);
  ImGui::SliderFloat("learning rate", &s.view.learning_rate, 1e-3f, 10.f, "%.3f", ImGuiSliderFlags_Logarithmic);
  if ((step || s.playing) && s.result_version == s.edit_version && s.compute_error.empty()) {
    if (step) begin_edit(s);
    s.loss_history.push_back(r.loss);
    if (s.loss_history.size() > 2000) s.loss_history.erase(s.loss_history.begin());
    gradient_step(s.cs, r, s.view.learning_rate);
    mark_edited(s);
  }
  if (!s.loss_history.empty()) {
    std::vector<float> curve(s.loss_history.begin(), s.loss_history.end());
    ImGui::PlotLines("##loss_curve", curve.data(), int(curve.size()), 0, "loss per step", FLT_MAX, FLT_MAX, ImVec2(-1, 60));
  }
  // Gradient maps of this head.
  const HeadResult& hr = r.heads[h];
  const float avail = ImGui::GetContentRegionAvail().x;
  const GradMap grads[] = {{"dS (logits)", "grad-s", &hr.grad.dL, &s.cs.query_tokens, &s.cs.key_tokens, true},
                           {"dA", "grad-a", &hr.grad.dA, &s.cs.query_tokens, &s.cs.key_tokens, true},
                           {"dQ", "grad-q", &hr.grad.dQ, &s.cs.query_tokens, &g_mats.dim_labels_k, true},
                           {"dK", "grad-k", &hr.grad.dK, &s.cs.key_tokens, &g_mats.dim_labels_k, false},
                           {"dV", "grad-v", &hr.grad.dV, &s.cs.key_tokens, &g_mats.dim_labels_v, false}};
  grad_row(s, ctx, h, grads, 5, "grad_", avail);
  // Projection mode: the weights' gradients (rows x0.. are the inputs' features: X, or [X P]).
  if (hr.dWq.size() > 0 && r.dWo.size() > 0) {
    const GradMap wgrads[] = {{"dWq", "grad-wq", &hr.dWq, &g_mats.dim_labels_in, &g_mats.dim_labels_k, false},
                              {"dWk", "grad-wk", &hr.dWk, &g_mats.dim_labels_in, &g_mats.dim_labels_k, false},
                              {"dWv", "grad-wv", &hr.dWv, &g_mats.dim_labels_in, &g_mats.dim_labels_v, false},
                              {"dWo (all heads)", "grad-wo", &r.dWo, &g_mats.dim_labels_o, &g_mats.dim_labels_model, false}};
    grad_row(s, ctx, h, wgrads, 4, "grad_w", avail);
  }
  // Per-token gradient norms: how hard the loss pulls on each query and key.
  std::vector<float> qn, kn;
  for (long i = 0; i < hr.grad.dQ.rows(); ++i) qn.push_back(hr.grad.dQ.row(i).norm());
  for (long j = 0; j < hr.grad.dK.rows(); ++j) kn.push_back(hr.grad.dK.row(j).norm() + hr.grad.dV.row(j).norm());
  ImGui::PlotHistogram("|dQ_i| per query", qn.data(), int(qn.size()), 0, nullptr, 0.f, FLT_MAX, ImVec2(avail * 0.45f, 50));
  ImGui::SameLine();
  ImGui::PlotHistogram("|dK_j|+|dV_j| per key", kn.data(), int(kn.size()), 0, nullptr, 0.f, FLT_MAX, ImVec2(avail * 0.3f, 50));
  ImGui::Text("dL/dtau = %.5g   dL/ds = %.5g", double(r.dtau), double(r.dscale));
}

void editors(AppState& s, int h, float height) {
  AttentionTensors& t = s.cs.tensors;
  if (!ImGui::BeginTabBar("editors")) return;
  if (s.cs.config.mode == AttnMode::Direct) {
    if (ImGui::BeginTabItem("Q")) {
      edit_matrix("Q", t.Q[h], &s.cs.query_tokens, s, height);
      ImGui::EndTabItem();
    }
    if (ImGui::BeginTabItem("K")) {
      edit_matrix("K", t.K[h], &s.cs.key_tokens, s, height);
      ImGui::EndTabItem();
    }
    if (ImGui::BeginTabItem("V")) {
      edit_matrix("V", t.V[h], &s.cs.key_tokens, s, height);
      ImGui::EndTabItem();
    }
  } else {
    if (ImGui::BeginTabItem("X")) {
      edit_matrix("X", t.X, &s.cs.query_tokens, s, height);
      ImGui::EndTabItem();
    }
    if (ImGui::BeginTabItem("Wq")) {
      edit_matrix("Wq", t.Wq[h], nullptr, s, height);
      ImGui::EndTabItem();
    }
    if (ImGui::BeginTabItem("Wk")) {
      edit_matrix("Wk", t.Wk[h], nullptr, s, height);
      ImGui::EndTabItem();
    }
    if (ImGui::BeginTabItem("Wv")) {
      edit_matrix("Wv", t.Wv[h], nullptr, s, height);
      ImGui::EndTabItem();
    }
    if (ImGui::BeginTabItem("Wo")) {
      edit_matrix("Wo", t.Wo, nullptr, s, height);
      ImGui::EndTabItem();
    }
  }
  ImGui::EndTabBar();
}

}  // namespace

void draw_sandbox_panel(AppState& s, GuiContext& ctx) {
  if (s.result.heads.empty()) {
    ImGui::TextWrapped("Nothing computed yet: %s", s.compute_error.c_str());
    return;
  }
  // The result may lag the case while a large case computes in the background: use what both have.
  const int H = std::min(int(s.result.heads.size()), s.cs.config.H);
  if (H < 1) return;
  int h = std::clamp(s.view.head, 0, H - 1);
  // Head selector and click tool.
  ImGui::TextUnformatted("Head");
  for (int k = 0; k < H; ++k) {
    ImGui::SameLine();
    const std::string label = "H" + std::to_string(k);
    if (ImGui::RadioButton(label.c_str(), h == k)) s.view.head = h = k;
    hook_item("head_" + std::to_string(k));
  }
  ImGui::SameLine(0, 30);
  int tool = int(g_tool);
  ImGui::TextUnformatted("Click on the map:");
  ImGui::SameLine();
  ImGui::RadioButton("select row", &tool, 0);
  ImGui::SameLine();
  ImGui::RadioButton("paint target", &tool, 1);
  hook_item("tool_target");
  ImGui::SameLine();
  ImGui::RadioButton("paint mask", &tool, 2);
  hook_item("tool_mask");
  g_tool = Tool(tool);
  if (!s.compute_error.empty()) ImGui::TextColored(ImVec4(1.f, 0.45f, 0.4f, 1.f), "showing the last valid result: %s", s.compute_error.c_str());
  refresh_mats(s, h);

  if (s.view.stage == Stage::Projected && s.result.Z.size() == 0) s.view.stage = Stage::Concat;  // direct mode has no Z
  pipeline_strip(s, ctx, h);
  ImGui::Separator();
  // The selected stage large, the editors beside it.
  const float avail_w = ImGui::GetContentRegionAvail().x;
  const float big_h = std::max(260.f, ImGui::GetContentRegionAvail().y * 0.5f);
  const float big_w = std::min(avail_w * 0.62f, big_h * 1.6f);
  const std::string big_name = "big_stage";
  export_button(ctx, stage_view(s.view.stage), h);
  ImGui::SameLine();
  ImGui::TextDisabled("wheel: zoom, right-drag: pan, double-click: reset");
  const HeatmapEvents ev = stage_map(s, ctx, h, s.view.stage, big_name.c_str(), ImVec2(big_w, big_h), true);
  hook_item("big_map");
  const bool current = s.result_version == s.edit_version;  // clicks edit the case: only on a current result
  if (!current) {
  } else if (ev.clicked_row >= 0 && s.view.stage != Stage::Output && !whole_layer(s.view.stage))
    handle_map_click(s, h, ev.clicked_row, ev.clicked_col, ImGui::GetIO().KeyCtrl);
  else if (ev.clicked_row >= 0)
    s.view.selected_row = s.view.selected_row == ev.clicked_row ? -1 : ev.clicked_row;
  ImGui::SameLine();
  ImGui::BeginGroup();
  editors(s, h, big_h - 50.f);
  ImGui::EndGroup();
  ImGui::Separator();
  backward_section(s, ctx, h);
}

}  // namespace attn::gui
