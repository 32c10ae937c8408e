// attnscope entry point. With a subcommand it is the CLI (app/cli/); the GUI (the ImGui loop)
// arrives with the GUI issue. Until then, no arguments runs the demo on the built-in example.
#include "app/cli/cli.h"

int main(int argc, char** argv) {
  return attn::cli::run_cli(argc, argv, [] {
    const char* demo_argv[] = {"attnscope", "demo"};
    return attn::cli::run_cli(2, const_cast<char**>(demo_argv), nullptr);
  });
}
