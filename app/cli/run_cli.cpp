#include <iostream>
#include <nlohmann/json.hpp>

#include "app/cli/cli.h"
#include "engine/core/error.h"

namespace attn::cli {

int report_error(const std::string& message) {
  std::string one_line = message;
  for (char& ch : one_line)
    if (ch == '\n') ch = ' ';
  std::cerr << "attnscope: error: " << one_line << "\n";
  return kExitBadInput;
}

int run_cli(int argc, char** argv, GuiOptions* gui, bool* run_gui) {
  CLI::App app{"attnscope: see, edit and export transformer attention (forward and backward)", "attnscope"};
  app.set_version_flag("--version", std::string("attnscope ") + ATTNSCOPE_VERSION);
  app.require_subcommand(0, 1);
  Action action;
  if (gui) {
    app.add_option("-w,--workspace", gui->workspace, "open a workspace or case JSON file in the GUI");
    app.add_option("--preset", gui->preset, "open the GUI on a built-in example (default, article, ...)");
    app.add_flag("--fresh", gui->fresh, "start on the built-in example, ignoring the autosaved workspace");
    app.add_option("--width", gui->width, "window width in pixels")->check(CLI::Range(320, 16384));
    app.add_option("--height", gui->height, "window height in pixels")->check(CLI::Range(240, 16384));
    app.add_option("--screenshot", gui->screenshot, "test hook: save a PNG of the window after --frames frames, then exit");
    app.add_option("--frames", gui->frames, "test hook: frames to render before --screenshot (default 5)");
    app.add_option("--dump-widgets", gui->dump_widgets, "test hook: write named widget rectangles as JSON to this file");
    app.add_option("--bench-frames", gui->bench_frames, "benchmark hook: render this many frames, print frame-time JSON, exit");
    app.add_option("--bench-mode", gui->bench_mode, "benchmark hook: idle, pan, edit, model-scroll or model-edit")
        ->check(CLI::IsMember({"idle", "pan", "edit", "model-scroll", "model-edit"}));
    app.add_option("--model", gui->model_dir, "open the GUI's Model tab on this model folder (config.json, model.safetensors)")
        ->check(CLI::ExistingDirectory);
    app.add_option("--text", gui->model_text, "with --model: the sentence to inspect");
    app.add_flag("--log-timing", gui->log_timing, "print the Model tab's times (edit to complete grid) to stderr");
  }
  add_compute_command(app, action);
  add_demo_command(app, action);
  add_pe_command(app, action);
  add_export_command(app, action);
  add_run_command(app, action);
  add_train_command(app, action);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --help-all, --version
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // CLI11's own exit codes are 105+; the project's contract is one line and exit 2.
    return report_error(std::string(e.what()) + " (see attnscope --help)");
  }
  try {
    if (action) return action();
    if (run_gui) *run_gui = true;
    return kExitOk;
  } catch (const InputError& e) {
    return report_error(e.what());
  } catch (const nlohmann::json::exception& e) {
    return report_error(std::string("input: ") + e.what());
  } catch (const std::bad_alloc&) {
    return report_error("out of memory: the case is too large for this machine");
  }
}

}  // namespace attn::cli
