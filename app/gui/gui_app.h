// The GUI application: owns the state, the fonts and the heatmap widgets, and draws one frame
// at a time (called from the loop in app/main.cpp). Layout (DESIGN.md, "Front end"): a menu bar,
// a control column on the left, tabbed views on the right, a status line at the bottom.
#pragma once
#include <map>
#include <memory>
#include <string>

#include "app/cli/cli.h"
#include "app/gui/app_state.h"
#include "app/gui/compute_worker.h"
#include "app/gui/fonts.h"
#include "app/gui/widgets/heatmap_view.h"
#include "engine/figure/attention_views.h"

struct GLFWwindow;

namespace attn::gui {

class ModelRuntime;

// What panels share besides AppState: GPU-side widgets and services of the window.
struct GuiContext {
  FontManager* fonts = nullptr;
  GLFWwindow* window = nullptr;
  ComputeWorker* worker = nullptr;  // background compute of large cases (progress, cancel)
  ModelRuntime* model = nullptr;    // the Model tab's worker, inspection and caches
  std::map<std::string, HeatmapWidget> heatmaps;  // one per on-screen heatmap, by name
  HeatmapWidget& heatmap(const std::string& name) { return heatmaps[name]; }
  // Popups requested by the menu / shortcuts, opened by the panels that own them.
  bool open_save_as = false, open_open = false, open_shortcuts = false;
  // Export of one view (engine/figure/attention_views.h names) of one head, or of all heads.
  bool open_export = false;
  std::string export_view = "weights";
  int export_head = 0;
  // Or a map that is no attention view (the Positional encodings tab's tables): its numbers,
  // labels and title, exported through the same figure and data writers.
  std::shared_ptr<const ViewData> export_data;
  std::string export_title;
  RangeRequest export_range;  // the colours the map shows
};

class GuiApp {
 public:
  GuiApp();
  ~GuiApp();  // out of line: ModelRuntime is incomplete here
  bool init(const cli::GuiOptions& options, GLFWwindow* window, float content_scale);
  void before_frame();
  void frame();
  void shutdown();
  bool wants_quit() const { return state_.quit; }
  bool is_animating() const;
  bool is_settled() const;
  bool save_screenshot(const std::string& path, int width, int height);
  // Benchmark hook (--bench-mode): the per-frame change the mode measures.
  void bench_step(const std::string& mode, int frame);
  // False while a model-* benchmark waits for the Model tab's first complete result.
  bool bench_ready(const std::string& mode) const;

 private:
  void handle_shortcuts();
  void recompute_if_needed();
  void autosave(bool force);

  AppState state_;
  FontManager fonts_;
  ComputeWorker worker_;
  uint64_t requested_version_ = 0;  // edit version last sent to the worker
  GuiContext ctx_;
  std::string ini_path_;
  std::unique_ptr<ModelRuntime> model_;  // the Model tab's worker and results
  uint64_t saved_key() const { return state_.edit_version + state_.model.version; }  // moves on any edit
  uint64_t autosaved_version_ = 0;
  uint64_t last_seen_version_ = 0;
  double last_edit_time_ = 0.0;
  bool autosave_enabled_ = true;
};

}  // namespace attn::gui
