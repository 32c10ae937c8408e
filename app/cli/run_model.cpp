// `attnscope run --model DIR --text "..." [--output attn.json] [--top-k 5]`: tokenize a sentence
// with the model folder's tokenizer, run the GPT-2 forward, print the tokens and the top-k next
// tokens, and (with --output) write every layer's and head's attention matrix as JSON:
//   {"schema_version": 1, "kind": "model_attention", "model": DIR, "text": ...,
//    "tokens": [...], "token_ids": [...], "spans": [[begin, end], ...] (bytes of the text),
//    "n_layer", "n_head", "next_token": [{"id", "token", "prob"}, ...],
//    "layers": [{"heads": [{"weights": T x T, null above the diagonal (masked)}]}]}
// Bad input (a missing or broken model folder, empty text, more tokens than n_positions): one
// line on stderr, exit 2, no file.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <numeric>

#include "app/cli/cli.h"
#include "engine/core/error.h"
#include "engine/io/atomic_file.h"
#include "engine/io/json_matrix.h"
#include "engine/model/gpt2.h"
#include "engine/model/gpt2_load.h"
#include "engine/text/tokenizer.h"

namespace attn::cli {

namespace {

struct RunOptions {
  std::string model, text, output;
  int top_k = 5;
};

// A token for the terminal: quoted, with newlines and tabs made visible.
std::string shown(const std::string& t) {
  std::string s = "'";
  for (char c : t) {
    if (c == '\n') s += "\\n";
    else if (c == '\t') s += "\\t";
    else s += c;
  }
  return s + "'";
}

int run_model(const RunOptions& o) {
  Gpt2 m;
  const nlohmann::json config = gpt2_load(m, o.model);
  const std::unique_ptr<Tokenizer> tok = load_tokenizer(o.model, config, m.config.vocab_size);
  const std::string text = o.text == "-" ? read_file("-", "text") : o.text;
  require(!text.empty(), "text", "is empty; give at least one word");
  const Encoding enc = tok->encode(text);
  require(!enc.ids.empty(), "text", "has no tokens (only whitespace?); give at least one word");
  const int T = int(enc.ids.size()), P = m.config.n_positions;
  require(T <= P, "text",
          "has " + std::to_string(T) + " tokens; this model takes at most n_positions = " + std::to_string(P) +
              " tokens: shorten the text");
  const int V = m.config.vocab_size;
  require(o.top_k >= 1 && o.top_k <= V, "top-k",
          "must be between 1 and the vocabulary size (" + std::to_string(V) + "), got " + std::to_string(o.top_k));
  Gpt2Options opt;
  opt.keep_scores = false;
  opt.keep_att_grads = false;
  gpt2_setup(m, T, opt);
  gpt2_forward(m, enc.ids.data(), T);

  // The next token after the last one: top-k of the last row of log-probabilities.
  const auto logp = gpt2_logp(m);
  std::vector<int> order(V);
  std::iota(order.begin(), order.end(), 0);
  std::partial_sort(order.begin(), order.begin() + o.top_k, order.end(), [&](int a, int b) {
    const float la = logp(T - 1, a), lb = logp(T - 1, b);
    return la != lb ? la > lb : a < b;
  });
  nlohmann::json next = nlohmann::json::array();
  for (int k = 0; k < o.top_k; ++k) {
    const int id = order[k];
    next.push_back({{"id", id},
                    {"token", id < tok->vocab_size() ? tok->token_text(id) : std::string("<id ") + std::to_string(id) + ">"},
                    {"prob", std::exp(double(logp(T - 1, id)))}});
  }

  if (o.output != "-") {
    std::cout << "tokens (" << T << "):";
    for (int t = 0; t < T; ++t) std::cout << " " << t << ":" << shown(enc.tokens[t]);
    std::cout << "\nnext token after " << shown(enc.tokens[T - 1]) << ":\n";
    for (int k = 0; k < o.top_k; ++k) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%8.4f", next[k]["prob"].get<double>());
      std::cout << "  " << k + 1 << ". " << buf << "  " << shown(next[k]["token"].get<std::string>()) << " (id "
                << next[k]["id"].get<int>() << ")\n";
    }
  }
  if (o.output.empty()) return kExitOk;

  MaskM causal(T, T);
  for (int i = 0; i < T; ++i)
    for (int j = 0; j < T; ++j) causal(i, j) = j <= i;
  nlohmann::json layers = nlohmann::json::array();
  for (int l = 0; l < m.config.n_layer; ++l) {
    nlohmann::json heads = nlohmann::json::array();
    for (int h = 0; h < m.config.n_head; ++h) heads.push_back({{"weights", matrix_to_json(MatRM(gpt2_attention(m, l, h)), &causal)}});
    layers.push_back({{"heads", heads}});
  }
  nlohmann::json spans = nlohmann::json::array();
  for (const auto& [b, e] : enc.spans) spans.push_back({b, e});
  const nlohmann::json out = {{"schema_version", 1},        {"kind", "model_attention"}, {"model", o.model},
                              {"tokenizer", tok->kind()},   {"text", text},              {"tokens", enc.tokens},
                              {"token_ids", enc.ids},       {"spans", spans},            {"n_layer", m.config.n_layer},
                              {"n_head", m.config.n_head},  {"next_token", next},        {"layers", layers}};
  write_file_atomic(o.output, out.dump() + "\n");
  if (o.output != "-") std::cout << "wrote " << o.output << "\n";
  return kExitOk;
}

}  // namespace

void add_run_command(CLI::App& app, Action& action) {
  auto opt = std::make_shared<RunOptions>();
  CLI::App* sub = app.add_subcommand(
      "run", "Run a GPT-2-format model on a sentence: print its tokens and the top-k next tokens, write every "
             "layer/head attention matrix as JSON");
  sub->add_option("-m,--model", opt->model, "model folder: config.json, model.safetensors and a tokenizer")->required();
  sub->add_option("-t,--text", opt->text, "the sentence ('-' = stdin)")->required();
  sub->add_option("-o,--output", opt->output, "write the attention matrices as JSON to this file ('-' = stdout)");
  sub->add_option("-k,--top-k", opt->top_k, "how many next-token candidates to print (default 5)");
  sub->callback([opt, &action] { action = [opt] { return run_model(*opt); }; });
}

}  // namespace attn::cli
