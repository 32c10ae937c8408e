// `attnscope demo [--preset NAME]`: run a built-in example and print a readable summary:
// the weights of every head as a table, the output, the loss and the gradient sizes, the cost.
#include <cmath>
#include <cstdio>
#include <iostream>

#include "app/cli/cli.h"
#include "engine/analysis/cost.h"
#include "engine/sandbox/multihead.h"
#include "engine/sandbox/presets.h"

namespace attn::cli {

namespace {

std::string label(const std::vector<std::string>& tokens, int i) {
  std::string s = i < int(tokens.size()) ? tokens[i] : std::to_string(i);
  if (s.size() > 6) s = s.substr(0, 6);
  return s;
}

void print_matrix(const MatRM& m, const MaskM* allowed, const std::vector<std::string>& rows,
                  const std::vector<std::string>& cols) {
  std::printf("%8s", "");
  for (long j = 0; j < m.cols(); ++j) std::printf("%7s", label(cols, int(j)).c_str());
  std::printf("\n");
  for (long i = 0; i < m.rows(); ++i) {
    std::printf("%8s", label(rows, int(i)).c_str());
    for (long j = 0; j < m.cols(); ++j) {
      if (allowed && !(*allowed)(i, j))
        std::printf("%7s", ".");
      else
        std::printf("%7.3f", m(i, j));
    }
    std::printf("\n");
  }
}

int run_demo(const std::string& preset) {
  const AttentionCase c = make_preset(preset);
  const AttentionResult r = run_attention(c);
  const AttentionConfig& cfg = c.config;
  std::printf("attnscope demo: preset '%s'\n", preset.c_str());
  std::printf("N = %d queries, M = %d keys, H = %d heads, dk = %d, dv = %d, scale = %g, tau = %g, mask = %s\n",
              cfg.N, cfg.M, cfg.H, cfg.dk, cfg.dv, r.scale, cfg.tau,
              cfg.mask.parts.empty() ? "none" : mask_kind_name(cfg.mask.parts[0].kind));
  for (int h = 0; h < cfg.H; ++h) {
    std::printf("\nHead %d: attention weights A = softmax(s Q K^T / tau), rows sum to 1 ('.' = masked)\n", h);
    print_matrix(r.heads[h].cache.A, &r.allowed, c.query_tokens, c.key_tokens);
  }
  if (r.has_loss) {
    std::printf("\nLoss (%s) = %.6f\n", loss_kind_name(c.loss.kind), r.loss);
    for (int h = 0; h < cfg.H; ++h)
      std::printf("  head %d: |dQ| = %.4f  |dK| = %.4f  |dV| = %.4f  |dS| = %.4f\n", h, r.heads[h].grad.dQ.norm(),
                  r.heads[h].grad.dK.norm(), r.heads[h].grad.dV.norm(), r.heads[h].grad.dL.norm());
    std::printf("  dL/dtau = %.5f, dL/dscale = %.5f\n", r.dtau, r.dscale);
  }
  const CostReport cost = attention_cost(cfg);
  std::printf("\nCost: forward %.0f FLOPs, backward %.0f FLOPs, activations kept %.0f bytes\n", cost.forward_flops,
              cost.backward_flops, cost.activation_bytes);
  std::printf("\nNext: attnscope compute --input case.json  (every tensor as JSON; see README)\n");
  return kExitOk;
}

}  // namespace

void add_demo_command(CLI::App& app, Action& action) {
  auto preset = std::make_shared<std::string>("default");
  CLI::App* sub = app.add_subcommand("demo", "Run a built-in example and print a readable summary");
  sub->add_option("-p,--preset", *preset, "example to run: default, article, previous_token, copy, uniform");
  sub->callback([preset, &action] { action = [preset] { return run_demo(*preset); }; });
}

}  // namespace attn::cli
