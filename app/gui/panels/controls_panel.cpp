// The control column: presets, tokens, sizes, mode, score scale, temperature, normalization,
// mask, loss, colours and the random seed. Every change is undoable and recomputes at once.
#include <imgui.h>
#include <imgui_stdlib.h>

#include <cmath>

#include "app/gui/panels/edit_helpers.h"
#include "app/gui/panels/panels.h"
#include "app/gui/test_hooks.h"
#include "engine/figure/colormap.h"
#include "engine/sandbox/case_edit.h"
#include "engine/sandbox/init.h"
#include "engine/sandbox/presets.h"

namespace attn::gui {

namespace {

uint64_t g_seed = 1;

void section_presets(AppState& s) {
  ImGui::SetNextItemWidth(-1);
  const bool open = ImGui::BeginCombo("##preset", "Load a preset...");
  hook_item("preset_combo");
  if (open) {
    for (const auto& p : preset_list()) {
      const bool chosen = ImGui::Selectable(p.name.c_str());
      hook_item("preset_" + p.name);
      if (chosen) {
        apply_edit(s, [&] {
          s.cs = make_preset(p.name);
          s.sentence.clear();
          for (size_t i = 0; i < s.cs.query_tokens.size(); ++i) s.sentence += (i ? " " : "") + s.cs.query_tokens[i];
          s.loss_history.clear();
          s.view.head = 0;
          s.view.selected_row = -1;
        });
        set_status(s, "preset: " + p.name);
      }
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", p.description.c_str());
    }
    ImGui::EndCombo();
  }
}

void section_tokens(AppState& s) {
  AttentionConfig& c = s.cs.config;
  ImGui::TextUnformatted("Tokens (queries)");
  help_marker("Split on spaces; Chinese and Japanese characters are one token each. Typing changes N (and M for self-attention); values of tokens that stay are kept.");
  ImGui::SetNextItemWidth(-1);
  std::string text = s.sentence;
  const bool typed = ImGui::InputText("##sentence", &text);
  hook_item("sentence");
  if (typed) {
    // The text box always keeps what the user typed; the tokens follow only when the text is
    // valid (an empty box shows a message and keeps the last tokens).
    apply_edit(s, [&] {
      s.sentence = text;
      set_sentence(s.cs, text, g_seed + 17);
    });
    s.sentence = text;
  }
  // N without typing N words: new queries are labelled t<i> (values of the kept ones stay).
  int N = c.N;
  ImGui::SetNextItemWidth(120);
  if (deferred_int_input("N queries", &N)) {
    CaseShape sh = shape_of(s.cs);
    sh.N = N;
    if (c.self_attention) sh.M = N;
    apply_edit(s, [&] {
      resize_case(s.cs, sh, g_seed + 5);
      if (c.self_attention) s.cs.key_tokens = s.cs.query_tokens;
      s.sentence.clear();
      for (const std::string& t : s.cs.query_tokens) s.sentence += (s.sentence.empty() ? "" : " ") + t;
    });
  }
  hook_item("n_queries");
  static const std::string n_help = "The number of query tokens (1 to " + std::to_string(kMaxSandboxTokens) +
                                    "). Cases up to 256 x 256 recompute in the frame of an edit; larger ones on a "
                                    "worker thread with a progress bar.";
  help_marker(n_help.c_str());
  bool self = c.self_attention;
  if (ImGui::Checkbox("Self-attention (keys = queries)", &self)) {
    apply_edit(s, [&] {
      c.self_attention = self;
      CaseShape sh = shape_of(s.cs);
      if (self) {
        sh.M = sh.N;
        resize_case(s.cs, sh, g_seed + 3);
        s.cs.key_tokens = s.cs.query_tokens;
      } else if (c.mode == AttnMode::Projection) {
        s.cs.tensors.Y = s.cs.tensors.X;  // start cross-attention from the same sequence
      }
    });
  }
  if (!c.self_attention) {
    int M = c.M;
    ImGui::SetNextItemWidth(120);
    if (deferred_int_input("M keys", &M)) {
      CaseShape sh = shape_of(s.cs);
      sh.M = M;
      apply_edit(s, [&] { resize_case(s.cs, sh, g_seed + 7); });
    }
  }
}

void size_input(AppState& s, const char* label, int CaseShape::*field, const char* help) {
  CaseShape sh = shape_of(s.cs);
  int v = sh.*field;
  ImGui::SetNextItemWidth(120);
  if (deferred_int_input(label, &v)) {
    sh.*field = v;
    apply_edit(s, [&] { resize_case(s.cs, sh, g_seed + 11); });
  }
  if (help) help_marker(help);
}

void section_shape(AppState& s) {
  AttentionConfig& c = s.cs.config;
  int mode = c.mode == AttnMode::Direct ? 0 : 1;
  bool changed = ImGui::RadioButton("Direct Q, K, V", &mode, 0);
  ImGui::SameLine();
  changed |= ImGui::RadioButton("Projections", &mode, 1);
  help_marker("Direct: edit Q, K and V by hand, per head. Projections: Q = X Wq + bq, K = X Wk + bk, V = X Wv + bv from token embeddings X, then Z = concat(O) Wo. Switching to Direct keeps the current projected Q, K, V.");
  if (changed) {
    apply_edit(s, [&] {
      switch_mode(s.cs, mode == 0 ? AttnMode::Direct : AttnMode::Projection,
                  s.result_version == s.edit_version ? &s.result : nullptr, g_seed + 13);
    });
  }
  size_input(s, "H heads", &CaseShape::H, nullptr);
  if (c.mode == AttnMode::Projection) size_input(s, "D model", &CaseShape::D, "Width of the token embeddings X and of the output Z.");
  size_input(s, "d_k", &CaseShape::dk, "Width of queries and keys. The default scale is 1/sqrt(d_k).");
  size_input(s, "d_v", &CaseShape::dv, "Width of values (and of each head's output).");
}

void section_scores(AppState& s) {
  AttentionConfig& c = s.cs.config;
  const char* scale_names[] = {"1/sqrt(d_k) (scaled dot product)", "1/d_k", "1 (plain dot product)", "custom"};
  int sm = int(c.scale_mode);
  ImGui::SetNextItemWidth(-1);
  if (ImGui::Combo("##scale", &sm, scale_names, 4)) apply_edit(s, [&] { c.scale_mode = ScaleMode(sm); });
  if (c.scale_mode == ScaleMode::Custom) {
    float v = c.custom_scale;
    ImGui::SetNextItemWidth(160);
    const bool ch = ImGui::DragFloat("scale s", &v, 0.005f, -10.f, 10.f, "%.4f");
    snapshot_on_activate(s);
    if (ch && std::isfinite(v)) {
      c.custom_scale = v;
      mark_edited(s);
    }
  }
  float tau = c.tau;
  ImGui::SetNextItemWidth(160);
  const bool ch = ImGui::SliderFloat("temperature tau", &tau, 0.05f, 10.f, "%.3f", ImGuiSliderFlags_Logarithmic);
  snapshot_on_activate(s);
  if (ch && tau > 0.f && std::isfinite(tau)) {
    c.tau = tau;
    mark_edited(s);
  }
  help_marker("A = softmax((s Q K^T + B) / tau). Small tau sharpens the weights towards the largest logit; large tau flattens them towards uniform.");
  int axis = c.axis == SoftmaxAxis::Keys ? 0 : 1;
  bool ax = ImGui::RadioButton("softmax over keys", &axis, 0);
  ImGui::SameLine();
  ax |= ImGui::RadioButton("over queries (teaching)", &axis, 1);
  help_marker("Over keys: each row of A sums to 1 (every transformer). Over queries: each COLUMN sums to 1 -- a teaching variant that shows how much each key is used; no real model does this. Cross-entropy targets need 'over keys'.");
  if (ax) apply_edit(s, [&] { c.axis = axis == 0 ? SoftmaxAxis::Keys : SoftmaxAxis::Queries; });
}

void section_mask(AppState& s) {
  AttentionConfig& c = s.cs.config;
  const MaskKind kinds[] = {MaskKind::None, MaskKind::Causal, MaskKind::Padding, MaskKind::SlidingWindow,
                            MaskKind::Strided, MaskKind::Global, MaskKind::Custom};
  const char* names[] = {"none", "causal", "padding", "sliding window", "strided (sparse)", "global tokens", "custom (paint)"};
  MaskKind cur = c.mask.parts.empty() ? MaskKind::None : c.mask.parts[0].kind;
  int idx = 0;
  for (int k = 0; k < 7; ++k)
    if (kinds[k] == cur) idx = k;
  ImGui::SetNextItemWidth(-1);
  if (ImGui::Combo("##mask", &idx, names, 7)) {
    apply_edit(s, [&] {
      c.mask.parts.clear();
      MaskPart p;
      p.kind = kinds[idx];
      if (p.kind == MaskKind::Padding) {
        p.key_flags.assign(size_t(c.M), 1);
        p.key_flags.back() = 0;
      }
      if (p.kind == MaskKind::SlidingWindow) p.width = 3;
      if (p.kind == MaskKind::Strided) p.stride = 2;
      if (p.kind == MaskKind::Global) p.tokens = {0};
      if (p.kind == MaskKind::Custom) p.custom = build_mask(MaskSpec{{MaskPart{MaskKind::Causal}}}, c.N, c.M);
      if (p.kind != MaskKind::None) c.mask.parts.push_back(p);
    });
  }
  if (c.mask.parts.empty()) return;
  MaskPart& p = c.mask.parts[0];
  switch (p.kind) {
    case MaskKind::SlidingWindow: {
      int w = p.width;
      ImGui::SetNextItemWidth(120);
      if (ImGui::InputInt("width w", &w) && w >= 1) apply_edit(s, [&] { p.width = w; });
      bool centered = p.centered;
      if (ImGui::Checkbox("centred (|i - j| <= w/2)", &centered)) apply_edit(s, [&] { p.centered = centered; });
      break;
    }
    case MaskKind::Strided: {
      int st = p.stride, lw = p.width;
      ImGui::SetNextItemWidth(120);
      if (ImGui::InputInt("stride", &st) && st >= 1) apply_edit(s, [&] { p.stride = st; });
      ImGui::SetNextItemWidth(120);
      if (ImGui::InputInt("local window", &lw) && lw >= 0) apply_edit(s, [&] { p.width = lw; });
      break;
    }
    case MaskKind::Padding: {
      ImGui::TextUnformatted("Keys that are padding:");
      for (int j = 0; j < c.M && j < int(p.key_flags.size()); ++j) {
        bool pad = p.key_flags[j] == 0;
        const std::string label = (j < int(s.cs.key_tokens.size()) ? s.cs.key_tokens[j] : std::to_string(j)) + "##pad" + std::to_string(j);
        if (ImGui::Checkbox(label.c_str(), &pad)) apply_edit(s, [&] { p.key_flags[j] = pad ? 0 : 1; });
        if ((j + 1) % 3 != 0 && j + 1 < c.M) ImGui::SameLine();
      }
      break;
    }
    case MaskKind::Global: {
      ImGui::TextUnformatted("Global tokens (see and are seen by all):");
      for (int j = 0; j < c.M; ++j) {
        bool g = std::find(p.tokens.begin(), p.tokens.end(), j) != p.tokens.end();
        const std::string label = (j < int(s.cs.key_tokens.size()) ? s.cs.key_tokens[j] : std::to_string(j)) + "##glob" + std::to_string(j);
        if (ImGui::Checkbox(label.c_str(), &g))
          apply_edit(s, [&] {
            if (g)
              p.tokens.push_back(j);
            else
              p.tokens.erase(std::remove(p.tokens.begin(), p.tokens.end(), j), p.tokens.end());
          });
        if ((j + 1) % 3 != 0 && j + 1 < c.M) ImGui::SameLine();
      }
      break;
    }
    case MaskKind::Custom:
      ImGui::TextWrapped("Choose the 'paint mask' tool in the Sandbox and click cells of the map to hide or show them.");
      break;
    default:
      break;
  }
}

void section_loss(AppState& s) {
  AttentionConfig& c = s.cs.config;
  LossSpec& l = s.cs.loss;
  const char* names[] = {"none", "MSE to a target output", "cross-entropy to target attention", "one output cell"};
  int k = int(l.kind);
  ImGui::SetNextItemWidth(-1);
  if (ImGui::Combo("##loss", &k, names, 4)) {
    apply_edit(s, [&] {
      l = LossSpec();
      l.kind = LossKind(k);
      const long out_cols = c.mode == AttnMode::Projection ? c.D : long(c.H) * c.dv;
      if (l.kind == LossKind::MSE) l.target = MatRM::Zero(c.N, out_cols);
      if (l.kind == LossKind::CrossEntropy) {
        // Start from "attend to yourself or the last key you can see" for the last query.
        const MaskM allowed = build_mask(c.mask, c.N, c.M);
        l.rows = {c.N - 1};
        l.heads = {s.view.head};
        l.target_rows = MatRM::Zero(1, c.M);
        int j = c.M - 1;
        while (j > 0 && !allowed(c.N - 1, j)) --j;
        l.target_rows(0, j) = 1.f;
      }
      s.loss_history.clear();
    });
  }
  if (l.kind == LossKind::CrossEntropy)
    ImGui::TextWrapped("Target: choose the 'paint target' tool and click cells of the weights map (one target key per row; Ctrl+click adds mass).");
  if (l.kind == LossKind::MSE) {
    if (ImGui::Button("Target = 0")) apply_edit(s, [&] { l.target.setZero(); });
    ImGui::SameLine();
    if (ImGui::Button("Target = random")) {
      apply_edit(s, [&] {
        Rng rng(g_seed + 31);
        fill_normal(l.target, rng, 1.f);
      });
    }
  }
  if (l.kind == LossKind::Cell) {
    int head = l.head, row = l.row, col = l.col;
    ImGui::SetNextItemWidth(100);
    if (c.mode == AttnMode::Direct && ImGui::InputInt("head##cell", &head) && head >= 0 && head < c.H) apply_edit(s, [&] { l.head = head; });
    ImGui::SetNextItemWidth(100);
    if (ImGui::InputInt("row##cell", &row) && row >= 0 && row < c.N) apply_edit(s, [&] { l.row = row; });
    ImGui::SetNextItemWidth(100);
    const int cols = c.mode == AttnMode::Direct ? c.dv : c.D;
    if (ImGui::InputInt("column##cell", &col) && col >= 0 && col < cols) apply_edit(s, [&] { l.col = col; });
  }
}

void range_controls(const char* id, RangeSettings& r, bool sequential) {
  ImGui::PushID(id);
  int mode = int(r.mode);
  const char* modes[] = {"fixed", "auto", "percentile"};
  ImGui::SetNextItemWidth(100);
  ImGui::Combo(id, &mode, modes, 3);
  r.mode = RangeSettings::Mode(mode);
  if (r.mode == RangeSettings::Mode::Fixed) {
    ImGui::SetNextItemWidth(150);
    ImGui::DragFloatRange2("vmin..vmax", &r.vmin, &r.vmax, 0.01f);
  } else if (r.mode == RangeSettings::Mode::Percentile) {
    ImGui::SetNextItemWidth(150);
    ImGui::SliderFloat("percentile", &r.percentile, 50.f, 100.f, "%.1f");
  }
  if (sequential) ImGui::Checkbox("log scale", &r.log_scale);
  ImGui::PopID();
}

void section_colors(AppState& s) {
  ViewSettings& v = s.view;
  ImGui::SetNextItemWidth(160);
  if (ImGui::BeginCombo("colormap", v.colormap.c_str())) {
    for (ColormapId id : all_colormaps()) {
      const Colormap& cm = colormap(id);
      if (cm.diverging) continue;
      if (ImGui::Selectable(cm.name, v.colormap == cm.name)) v.colormap = cm.name;
    }
    ImGui::EndCombo();
  }
  ImGui::SetNextItemWidth(160);
  if (ImGui::BeginCombo("diverging", v.diverging.c_str())) {
    for (ColormapId id : all_colormaps()) {
      const Colormap& cm = colormap(id);
      if (!cm.diverging) continue;
      if (ImGui::Selectable(cm.name, v.diverging == cm.name)) v.diverging = cm.name;
    }
    ImGui::EndCombo();
  }
  ImGui::TextUnformatted("Weights range");
  range_controls("weights", v.weights_range, true);
  ImGui::TextUnformatted("Scores range (centred on 0)");
  range_controls("scores", v.scores_range, false);
  ImGui::TextUnformatted("Gradients range (centred on 0)");
  range_controls("gradients", v.grad_range, false);
}

void section_seed(AppState& s) {
  int seed = int(g_seed);
  ImGui::SetNextItemWidth(120);
  if (ImGui::InputInt("seed", &seed) && seed >= 0) g_seed = uint64_t(seed);
  if (ImGui::Button("Re-randomize tensors")) {
    apply_edit(s, [&] {
      const auto bias = s.cs.tensors.bias;
      init_random_tensors(s.cs, g_seed, 1.f, !s.cs.tensors.bq.empty());
      s.cs.tensors.bias = bias;
      fit_positional_and_score(s.cs, g_seed + 1);  // e.g. concatenated encodings widen Wq, Wk, Wv
      s.loss_history.clear();
    });
  }
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("New random Q, K, V (or X and weights) from the seed; Ctrl+Z undoes it.");
}

}  // namespace

void draw_controls_panel(AppState& s, GuiContext& ctx) {
  section_presets(s);
  ImGui::Separator();
  section_tokens(s);
  ImGui::Separator();
  if (ImGui::CollapsingHeader("Shape and mode", ImGuiTreeNodeFlags_DefaultOpen)) section_shape(s);
  if (ImGui::CollapsingHeader("Score, scale, temperature", ImGuiTreeNodeFlags_DefaultOpen)) section_scores(s);
  if (ImGui::CollapsingHeader("Score function and positions", ImGuiTreeNodeFlags_DefaultOpen)) draw_score_and_positional_controls(s, ctx);
  if (ImGui::CollapsingHeader("Mask", ImGuiTreeNodeFlags_DefaultOpen)) section_mask(s);
  if (ImGui::CollapsingHeader("Loss (backward pass)", ImGuiTreeNodeFlags_DefaultOpen)) section_loss(s);
  if (ImGui::CollapsingHeader("Colours and ranges")) section_colors(s);
  if (ImGui::CollapsingHeader("Random seed")) section_seed(s);
}

}  // namespace attn::gui
