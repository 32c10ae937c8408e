// The command line: one file per subcommand, each adding itself to the CLI11 app.
// Conventions (DESIGN.md): --help exits 0; bad input prints one line to stderr and exits 2;
// "-" means stdin/stdout where it makes sense.
#pragma once
#include <CLI/CLI.hpp>
#include <functional>
#include <string>

namespace attn::cli {

// Exit codes.
constexpr int kExitOk = 0;
constexpr int kExitBadInput = 2;

// A subcommand's action; it returns the exit code. Set by the add_* functions below.
using Action = std::function<int()>;

void add_compute_command(CLI::App& app, Action& action);
void add_demo_command(CLI::App& app, Action& action);
void add_pe_command(CLI::App& app, Action& action);
void add_export_command(CLI::App& app, Action& action);
void add_run_command(CLI::App& app, Action& action);
void add_train_command(CLI::App& app, Action& action);

// Options of the GUI (attnscope with no subcommand).
struct GuiOptions {
  std::string workspace;     // open this workspace / case file instead of the autosave
  bool fresh = false;        // ignore the autosave: start on the built-in example
  std::string preset;        // start on this preset
  int width = 1500, height = 950;
  // Test hooks: render `frames` frames, save a screenshot, exit; write named widget positions.
  std::string screenshot;
  int frames = 0;
  std::string dump_widgets;
  // Benchmark hook: render bench_frames frames in the given mode, print timing JSON, exit.
  // idle: nothing changes; pan: the big map pans every frame (its texture re-renders);
  // edit: one Q value changes every frame (recompute + re-upload + redraw = edit-to-redraw latency).
  // model-scroll: the Model tab's thumbnail grid scrolls every frame (needs --model);
  // model-edit: the Model tab's sentence changes whenever its results are in (--log-timing: edit -> grid).
  int bench_frames = 0;
  std::string bench_mode = "idle";
  // The Model tab (issue 7): open straight on this model folder and sentence.
  std::string model_dir;
  std::string model_text;
  bool log_timing = false;  // print the Model tab's edit-to-grid times to stderr
};

// Parses argv. With a subcommand, runs it and returns its exit code. Without one, fills *gui,
// sets *run_gui = true and returns 0 (the caller opens the window).
int run_cli(int argc, char** argv, GuiOptions* gui, bool* run_gui);

// Prints "attnscope: error: <message>" on one line to stderr and returns kExitBadInput.
int report_error(const std::string& message);

}  // namespace attn::cli
