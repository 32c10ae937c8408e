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

// Parses argv and runs the chosen subcommand. `default_action` runs when no subcommand is given.
int run_cli(int argc, char** argv, const Action& default_action);

// Prints "attnscope: error: <message>" on one line to stderr and returns kExitBadInput.
int report_error(const std::string& message);

}  // namespace attn::cli
