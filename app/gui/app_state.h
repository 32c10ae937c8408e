// Everything the GUI knows, in plain structs. Panels read and edit AppState; they never own state
// of their own beyond ImGui's widget ids. The case is the source of truth; the result is derived
// from it (recomputed when edit_version moves past result_version).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "engine/sandbox/case.h"
#include "app/gui/undo.h"
#include "engine/sandbox/multihead.h"

namespace attn::gui {

// The stages of the pipeline strip, in order.
// Concat: all heads' O side by side (N x H*dv); Projected: Z = O Wo + bo (projection mode).
enum class Stage { RawScores, Scaled, Logits, Weights, Output, Concat, Projected };
// The gradient maps.
enum class GradView { dS, dA, dQ, dK, dV };

struct RangeSettings {
  enum class Mode { Fixed, Auto, Percentile } mode = Mode::Auto;
  float vmin = 0.f, vmax = 1.f;  // Fixed
  float percentile = 99.f;       // Percentile: clip at this percentile of |v| (or of v)
  bool log_scale = false;        // sequential maps only, needs vmin > 0
};

struct ViewSettings {
  std::string colormap = "viridis";  // sequential, for weights
  std::string diverging = "diverging";
  int head = 0;
  Stage stage = Stage::Weights;
  GradView grad = GradView::dS;
  int selected_row = -1;  // a query row highlighted everywhere, -1 = none
  RangeSettings weights_range{RangeSettings::Mode::Fixed, 0.f, 1.f, 99.f, false};
  RangeSettings scores_range{};
  RangeSettings grad_range{};
  float learning_rate = 0.5f;
  bool show_values = true;  // numbers in cells when they fit
};

struct StatusLine {
  std::string message;
  bool is_error = false;
  double when = 0.0;  // glfwGetTime() of the message
};

// The Model tab's settings (issue 7): plain values, saved in the workspace so nothing typed is
// lost. What they produce (the loaded model, the inspection, textures) lives in the GUI's
// ModelRuntime (app/gui/model_runtime.h), never here.
struct ModelViewState {
  std::string dir;                       // model folder in use ("" = the first shipped model)
  std::string sentence;                  // the sentence box
  int layer = 0, head = 0;               // the enlarged head
  std::string map = "model-weights";     // per-head map of the grid and the big view (exporter names)
  std::string big = "head";              // big view: head, mean-heads, max-heads, rollout, grad-rollout
  bool drop_first = false;               // drop the first token and renormalise rows (display + export)
  std::string color_by = "entropy";      // thumbnail frame colour: a HeadSummary field, "none"
  bool order_by_similarity = false;      // grid as one list ordered by JS distance
  int target_position = -1;              // -1 = last token
  std::string target_token;              // "" = the model's top next token
  int ig_steps = 16;
  std::string diff_kind = "none";        // none, sentence, model
  std::string diff_sentence, diff_dir;
  bool tab_open = false;                 // the Model tab is the open tab (restored on launch)
  uint64_t version = 1;                  // bumps on every change (autosave)
};

struct AppState {
  AttentionCase cs;                 // what the user edits (source of truth)
  uint64_t edit_version = 1;        // bumps on every edit
  AttentionResult result;           // the last successful compute
  uint64_t result_version = 0;      // edit_version that `result` belongs to
  std::string compute_error;        // why the current case cannot be computed (state is kept)
  double compute_ms = 0.0;
  ViewSettings view;
  std::string sentence;             // the token text box
  std::vector<double> loss_history; // for the loss curve (Step / Play)
  bool playing = false;
  StatusLine status;
  std::string workspace_path;       // last saved / opened file, "" = none
  UndoStack undo;
  bool quit = false;
  ModelViewState model;             // the Model tab (independent of the sandbox case)
};

// Call before changing s.cs: records an undo snapshot. Then call mark_edited after the change.
inline void begin_edit(AppState& s) { s.undo.push(s.cs, s.sentence); }
// Marks the case edited (the next frame recomputes and the autosave runs).
inline void mark_edited(AppState& s) { ++s.edit_version; }

}  // namespace attn::gui
