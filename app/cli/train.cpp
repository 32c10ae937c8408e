// `attnscope train --out DIR [...]`: train a small word-level GPT-2 with AdamW (engine/model/
// trainer.h) on a corpus the project generates (engine/model/corpus.h) or on a text file, with a
// progress bar (loss, tokens/s, ETA) on stderr, and write DIR as a model folder (config.json,
// model.safetensors, vocab.txt) plus train_state.safetensors, atomically, every
// --checkpoint-every steps and at the end. --resume continues DIR's run exactly.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "app/cli/cli.h"
#include "engine/core/error.h"
#include "engine/core/parallel.h"
#include "engine/io/atomic_file.h"
#include "engine/model/corpus.h"
#include "engine/model/gpt2_load.h"
#include "engine/model/trainer.h"
#include "engine/text/simple_tokenizers.h"
#include "engine/text/vocab_txt.h"

namespace attn::cli {

namespace {

struct TrainCliOptions {
  std::string out, corpus, generate = "grammar=0.5,repeat=0.5";
  int examples = 40000, layers = 2, heads = 4, embd = 64, checkpoint_every = 200, threads = 1, eval_windows = 64;
  int stop_after = 0;  // > 0: stop after this many steps in this session (resume later)
  bool resume = false, quiet = false;
  TrainOptions t;
};

// Words of a text file in order of first appearance, "<unk>" first.
std::vector<std::string> vocabulary_of(const std::string& text) {
  const VocabTokenizer splitter(VocabTokenizer::Mode::Word, {"<unk>"});
  std::vector<std::string> v = {"<unk>"};
  std::map<std::string, int> seen = {{"<unk>", 0}};
  for (const auto& [b, e] : splitter.encode(text).spans) {
    const std::string w = text.substr(b, e - b);
    if (seen.emplace(w, int(v.size())).second) v.push_back(w);
  }
  return v;
}

// A float option as JSON without float-to-double noise (3e-3, not 0.003000000026).
double tidy(float v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.7g", double(v));
  return std::stod(buf);
}

std::string clock(double s) {
  if (!std::isfinite(s) || s < 0) return "--:--";
  char buf[32];
  const long t = long(s + 0.5);
  std::snprintf(buf, sizeof buf, "%ld:%02ld", t / 60, t % 60);
  return buf;
}

void progress(const StepReport& r, int steps, double tok_s, double eta, bool tty) {
  const int width = 24, filled = int(double(width) * r.step / steps);
  char buf[256];
  std::snprintf(buf, sizeof buf, "step %5d/%d [%s%s] loss %.4f  lr %.2e  |g| %.2f  %.1fk tok/s  ETA %s", r.step, steps,
                std::string(filled, '#').c_str(), std::string(width - filled, '.').c_str(), r.loss, r.lr, r.grad_norm,
                tok_s / 1000.0, clock(eta).c_str());
  std::cerr << (tty ? "\r" : "") << buf << (tty ? "" : "\n") << std::flush;
}

void checkpoint(const Gpt2& m, const TrainState& s, const TrainCliOptions& o, const std::vector<std::string>& vocab) {
  nlohmann::json extra = {{"attnscope_tokenizer", "word"},
                          {"attnscope_training",
                           {{"steps_done", s.step}, {"steps", o.t.steps}, {"batch", o.t.batch}, {"block", o.t.block},
                            {"lr", tidy(o.t.lr)}, {"lr_min", tidy(o.t.lr_min)}, {"warmup", o.t.warmup},
                            {"clip", tidy(o.t.clip)}, {"weight_decay", tidy(o.t.weight_decay)}, {"seed", o.t.seed},
                            {"corpus", o.corpus.empty() ? "generated:" + o.generate : o.corpus},
                            {"examples", o.examples}}}};
  write_file_atomic(o.out + "/vocab.txt", format_vocab_txt(vocab));
  gpt2_save(m, o.out, extra);
  save_train_state(o.out + "/train_state.safetensors", s);
}

int train(TrainCliOptions& o) {
  namespace fs = std::filesystem;
  set_engine_threads(o.threads);
  // The text and its vocabulary.
  std::string text;
  std::vector<std::string> vocab;
  if (!o.corpus.empty()) {
    text = read_file(o.corpus, "corpus");
    vocab = vocabulary_of(text);
  } else {
    text = generate_corpus(o.examples, parse_corpus_mix(o.generate), o.t.seed);
    vocab = corpus_vocabulary();
  }
  Gpt2 m;
  TrainState state;
  if (o.resume) {
    const nlohmann::json cfg = gpt2_load(m, o.out);
    vocab = parse_vocab_txt(read_file(o.out + "/vocab.txt", "vocab.txt"), o.out + "/vocab.txt");
    state = load_train_state(o.out + "/train_state.safetensors", m.param_block.size());
    require(state.step < o.t.steps, "resume",
            "the run in '" + o.out + "' has done " + std::to_string(state.step) + " steps; --steps is " +
                std::to_string(o.t.steps));
  } else {
    require(!fs::exists(o.out + "/train_state.safetensors"), "out",
            "'" + o.out + "' holds a training run already: use --resume to continue it, or another folder");
    std::error_code ec;
    fs::create_directories(o.out, ec);
    require(!ec, "out", "cannot create '" + o.out + "': " + ec.message());
    gpt2_init(m, Gpt2Config{o.layers, o.heads, o.embd, o.t.block, int(vocab.size()), 1e-5f});
    gpt2_init_random(m, o.t.seed);
  }
  const VocabTokenizer tok(VocabTokenizer::Mode::Word, vocab);
  std::vector<int> ids = tok.encode(text).ids;
  // Hold out the last 5% for evaluation.
  const std::size_t cut = ids.size() - ids.size() / 20;
  std::vector<int> held(ids.begin() + long(cut), ids.end());
  ids.resize(cut);
  train_prepare(m, state, ids, o.t);
  const auto decay = gpt2_decay_mask(m);
  const bool tty = isatty(2);
  if (!o.quiet)
    std::cerr << "training " << m.num_params() << " parameters (" << o.layers << " layers, " << o.heads << " heads, d "
              << m.config.n_embd << ", vocab " << m.config.vocab_size << ") on " << ids.size() << " tokens, from step "
              << state.step << "\n";
  const auto t0 = std::chrono::steady_clock::now();
  const int first = state.step;
  StepReport r;
  const int last = o.stop_after > 0 ? std::min(o.t.steps, first + o.stop_after) : o.t.steps;
  while (state.step < last) {
    r = train_step(m, state, ids, o.t, decay);
    const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double tok_s = double(r.step - first) * o.t.batch * o.t.block / std::max(el, 1e-9);
    const double eta = el / (r.step - first) * (o.t.steps - r.step);
    if (!o.quiet && (tty || r.step % 50 == 0 || r.step == o.t.steps)) progress(r, o.t.steps, tok_s, eta, tty);
    if (o.checkpoint_every > 0 && r.step % o.checkpoint_every == 0 && r.step < last) checkpoint(m, state, o, vocab);
  }
  if (!o.quiet && tty) std::cerr << "\n";
  checkpoint(m, state, o, vocab);
  const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const float held_loss = held.size() > std::size_t(o.t.block) + 1
                              ? eval_loss(m, held, o.t.block, o.eval_windows, o.t.seed + 1)
                              : std::nanf("");
  std::printf("steps %d, final batch loss %.4f, held-out loss %.4f, %.1f s, %.0f tokens/s, wrote %s\n", state.step,
              r.loss, held_loss, el, double(state.step - first) * o.t.batch * o.t.block / std::max(el, 1e-9),
              o.out.c_str());
  return kExitOk;
}

}  // namespace

void add_train_command(CLI::App& app, Action& action) {
  auto o = std::make_shared<TrainCliOptions>();
  CLI::App* sub = app.add_subcommand(
      "train", "Train a small word-level GPT-2 (AdamW, warm-up + cosine, clipping) on a generated corpus or a text file");
  sub->add_option("-o,--out", o->out, "model folder to write (config.json, model.safetensors, vocab.txt, train_state)")
      ->required();
  sub->add_option("--corpus", o->corpus, "train on this text file (words and punctuation; default: a generated corpus)");
  sub->add_option("--generate", o->generate, "generated corpus mix, e.g. grammar=0.5,repeat=0.5,brackets=0");
  sub->add_option("--examples", o->examples, "examples in the generated corpus (default 40000)")->check(CLI::Range(10, 10000000));
  sub->add_option("--layers", o->layers, "layers (default 2)")->check(CLI::Range(1, 48));
  sub->add_option("--heads", o->heads, "heads per layer (default 4)")->check(CLI::Range(1, 64));
  sub->add_option("--embd", o->embd, "model width (default 64; a multiple of --heads)")->check(CLI::Range(1, 4096));
  sub->add_option("--block", o->t.block, "tokens per training window = n_positions (default 64)");
  sub->add_option("--steps", o->t.steps, "optimizer steps (default 1000)");
  sub->add_option("--batch", o->t.batch, "windows per step (default 32)");
  sub->add_option("--lr", o->t.lr, "peak learning rate (default 3e-3)");
  sub->add_option("--lr-min", o->t.lr_min, "final learning rate of the cosine (default 3e-4)");
  sub->add_option("--warmup", o->t.warmup, "linear warm-up steps (default 200)");
  sub->add_option("--clip", o->t.clip, "gradient-norm clipping threshold (default 1)");
  sub->add_option("--weight-decay", o->t.weight_decay, "AdamW weight decay on weight matrices (default 0.1)");
  sub->add_option("--seed", o->t.seed, "seed of the initialisation, the corpus and the batches (default 1)");
  sub->add_option("--checkpoint-every", o->checkpoint_every, "write the folder every N steps (default 200; 0 = only at the end)");
  sub->add_option("--threads", o->threads, "engine threads (default 1)")->check(CLI::Range(1, 256));
  sub->add_flag("--resume", o->resume, "continue the run saved in --out up to --steps");
  sub->add_option("--stop-after", o->stop_after, "stop after this many steps in this session (continue with --resume)");
  sub->add_flag("-q,--quiet", o->quiet, "no progress bar");
  sub->callback([o, &action] { action = [o] { return train(*o); }; });
}

}  // namespace attn::cli
