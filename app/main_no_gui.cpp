// attnscope entry point of a build without the GUI (cmake -DATTNSCOPE_GUI=OFF, e.g. a server
// with no GLFW/OpenGL/ImGui): every subcommand works; without one, say that this build has no
// window and point to the command line.
#include <string>

#include "app/cli/cli.h"
#include "engine/core/malloc_policy.h"

int main(int argc, char** argv) {
  attn::use_interactive_malloc_policy();  // freed result buffers stay in the heap (no page faults per edit)
  attn::cli::GuiOptions options;
  bool run_gui = false;
  const int code = attn::cli::run_cli(argc, argv, &options, &run_gui);
  if (!run_gui) return code;
  return attn::cli::report_error(
      "this build has no GUI (configured with -DATTNSCOPE_GUI=OFF): use the command line, e.g. attnscope demo, "
      "attnscope compute --help");
}
