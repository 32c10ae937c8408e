// `attnscope compute --input case.json [--output result.json]`: run a case forward and backward
// and write every intermediate and gradient as JSON (engine/io/result_json.h).
#include "engine/io/atomic_file.h"
#include "engine/io/case_json.h"
#include "engine/io/result_json.h"
#include "engine/sandbox/multihead.h"
#include "app/cli/cli.h"

namespace attn::cli {

namespace {
struct ComputeOptions {
  std::string input, output = "-";
  int indent = -1;
  bool forward_only = false;
};
}  // namespace

void add_compute_command(CLI::App& app, Action& action) {
  auto opt = std::make_shared<ComputeOptions>();
  CLI::App* sub = app.add_subcommand("compute", "Run a case (JSON) forward and backward; write every tensor as JSON");
  sub->add_option("-i,--input", opt->input, "case or workspace JSON file ('-' = stdin)")->required();
  sub->add_option("-o,--output", opt->output, "result JSON file ('-' = stdout, the default)");
  sub->add_option("--indent", opt->indent, "pretty-print with this many spaces (default: compact)");
  sub->add_flag("--forward-only", opt->forward_only, "skip the loss and the backward pass");
  sub->callback([opt, &action] {
    action = [opt] {
      const AttentionCase c = case_from_text(read_file(opt->input, "input"), opt->input);
      const AttentionResult r = run_attention(c, !opt->forward_only);
      std::string text = result_to_json(c, r).dump(opt->indent);
      text += "\n";
      write_file_atomic(opt->output, text);
      return kExitOk;
    };
  });
}

}  // namespace attn::cli
