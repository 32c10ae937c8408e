// What the Model tab computes and shows, next to its plain settings (ModelViewState): the worker,
// the loaded bundle, the inspection on screen, errors, timings, and the maps derived from the
// inspection for display (cached until the inspection changes). One per window (GuiApp owns it).
//
// Flow: every frame update() takes the worker's reports and, when the settings that define a
// computation (folder, sentence, target, IG layer and steps, diff) differ from the last request,
// sends a new job (which cancels the running one). The last good inspection stays on screen
// until a newer one arrives; errors are shown next to the control they name.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "app/gui/app_state.h"
#include "app/gui/model_worker.h"

namespace attn::gui {

// Per-head map kinds of the grid and the big view, in menu order: exporter view name and label.
struct ModelMapKind {
  const char* view;
  const char* label;
  const char* tooltip;
  bool diverging;
};
const std::vector<ModelMapKind>& model_map_kinds();
const ModelMapKind& model_map_kind(const std::string& view);  // falls back to weights

// Summary fields for the table and the thumbnail colours.
struct SummaryField {
  const char* key;
  const char* label;
  const char* tooltip;
  double HeadSummary::*member;
};
const std::vector<SummaryField>& summary_fields();

class ModelRuntime {
 public:
  explicit ModelRuntime(bool log_timing = false);

  void update(AppState& s);
  // True when nothing is being computed for the current settings (screenshots wait for it).
  bool settled() const;
  // The first shipped model, for an empty ModelViewState::dir.
  std::string default_dir() const { return shipped.empty() ? std::string() : shipped.front(); }
  std::string effective_dir(const ModelViewState& m) const { return m.dir.empty() ? default_dir() : m.dir; }
  // Records that the panel drew the whole grid of the newest inspection (for the timing log).
  void note_grid_drawn();

  // The per-head matrix of `view` (model_map_kinds) at (l, h), with drop_first applied to
  // attention maps; nullptr when the inspection does not have it (no gradients yet, IG of
  // another layer).
  const MatRM* head_map(const std::string& view, int l, int h, bool drop_first);
  // The big view's matrix for the settings (head map or aggregate); nullptr when unavailable,
  // with *why saying why.
  const MatRM* big_map(const ModelViewState& m, std::string* why);
  const MaskM& causal_mask(int T);
  // Heatmap labels: the token texts of the inspection.
  const std::vector<std::string>& labels() const { return labels_; }

  ModelWorker worker;
  std::vector<std::string> shipped;                   // shipped_model_dirs() at start
  std::shared_ptr<ModelBundle> bundle, diff_bundle;   // of the inspection on screen
  std::shared_ptr<const Inspection> ins, diff;
  bool complete = false;         // gradients (and IG, diff) are in for `ins`
  uint64_t data_version = 1;     // bumps whenever ins / diff change (texture uploads)
  std::string error, error_field;  // the newest job's failure (the previous result stays)
  std::string model_error;       // opening a model folder failed (cleared by the next Open)
  std::string diff_error;
  std::string folder_edit;       // the "model folder" text field
  bool folder_edit_init = false;
  double grid_ms = -1, final_ms = -1, forward_ms = -1;  // edit -> grid drawn / all done; worker forward
  int grid_tokens = 0;
  bool stale() const { return requested_serial_ != shown_serial_; }
  // Benchmark hook (--bench-mode model-scroll): the frame number, and the grid's scroll range.
  int bench_frame = -1;
  float grid_scroll_max = 0.f;
  bool select_tab = false;  // open the Model tab on the next frame (--model, a restored session)

 private:
  std::string compute_key(const ModelViewState& m) const;
  void apply(ModelUpdate& u, AppState& s);

  bool log_timing_ = false;
  std::string requested_key_, requested_dir_;
  uint64_t requested_serial_ = 0, shown_serial_ = 0;
  double edit_time_ = 0.0;  // steady-clock seconds when the request was made
  bool grid_log_pending_ = false;
  std::vector<std::string> labels_;
  // Derived matrices, valid for cache_version_.
  uint64_t cache_version_ = 0;
  std::map<std::tuple<std::string, int, int, bool>, MatRM> cache_;
  std::map<int, MaskM> masks_;
};

double now_seconds();  // steady clock, for edit timings

}  // namespace attn::gui
