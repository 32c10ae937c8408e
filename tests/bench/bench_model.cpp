// Benchmarks of the GPT-2 engine (issue 6), in the `bench` target:
//   model/fwd+bwd   one forward + backward (next-token loss over the sequence, every attention
//                   matrix and its gradient kept, as the GUI's model view computes them) of a
//                   shipped model on a T-token sentence: words-2l4h at T = 64 (its n_positions)
//                   and words-4l4h at T = 128
//   train/step      one optimizer step of `attnscope train`'s recipe for words-2l4h (2 layers,
//                   4 heads, d 64, block 64, batch 32, AdamW, clipping) on the generated corpus;
//                   tokens/s = batch * block / step time
// Both on 1 and 2 engine threads. The sentence is grammar text from the corpus generator (seed 7),
// cut to T tokens, so the attention is realistic (not random ids).
// Legend: L layers, H heads, T tokens.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "engine/core/parallel.h"
#include "engine/model/corpus.h"
#include "engine/model/gpt2.h"
#include "engine/model/gpt2_load.h"
#include "engine/model/trainer.h"
#include "engine/text/simple_tokenizers.h"

namespace attn::bench {
namespace {

const std::string kModels = ATTNSCOPE_SOURCE_DIR "/assets/models/";

// T tokens of generated grammar text, as ids of the shipped models' word vocabulary.
std::vector<int> sentence_ids(int T, uint64_t seed) {
  const VocabTokenizer tok(VocabTokenizer::Mode::Word, corpus_vocabulary());
  const std::vector<int> all = tok.encode(generate_corpus(200, CorpusMix{1.0, 0.0, 0.0}, seed)).ids;
  return std::vector<int>(all.begin(), all.begin() + T);
}

void model_fwd_bwd(benchmark::State& st, const std::string& name, int T) {
  set_engine_threads(int(st.range(0)));
  Gpt2 m;
  try {
    gpt2_load(m, kModels + name);
  } catch (const std::exception& e) {
    st.SkipWithError(e.what());
    return;
  }
  gpt2_setup(m, T);  // keep_scores and keep_att_grads on: what the model view shows
  const std::vector<int> ids = sentence_ids(T, 7);
  const Gpt2Loss loss = Gpt2Loss::next_token();
  for (auto _ : st) {
    gpt2_forward(m, ids.data(), T, &loss);
    gpt2_backward(m);
    benchmark::DoNotOptimize(m.grad_block.data());
  }
  st.counters["tokens_per_s"] = benchmark::Counter(double(T) * st.iterations(), benchmark::Counter::kIsRate);
  st.SetLabel(name + " T=" + std::to_string(T));
  set_engine_threads(0);
}

void train_step_2l4h(benchmark::State& st) {
  set_engine_threads(int(st.range(0)));
  TrainOptions o;  // the shipped model's recipe (assets/models/words-2l4h/TRAINING.md)
  o.batch = 32;
  o.block = 64;
  o.steps = 5000;
  const VocabTokenizer tok(VocabTokenizer::Mode::Word, corpus_vocabulary());
  const std::vector<int> ids = tok.encode(generate_corpus(4000, CorpusMix{}, 1)).ids;
  Gpt2 m;
  gpt2_init(m, Gpt2Config{2, 4, 64, 64, int(corpus_vocabulary().size()), 1e-5f});
  gpt2_init_random(m, 1);
  TrainState s;
  train_prepare(m, s, ids, o);
  const std::vector<uint8_t> decay = gpt2_decay_mask(m);
  for (auto _ : st) {
    const StepReport r = train_step(m, s, ids, o, decay);
    benchmark::DoNotOptimize(r.loss);
  }
  st.counters["tokens_per_s"] =
      benchmark::Counter(double(o.batch) * o.block * st.iterations(), benchmark::Counter::kIsRate);
  set_engine_threads(0);
}

BENCHMARK_CAPTURE(model_fwd_bwd, words_2l4h_T64, std::string("words-2l4h"), 64)
    ->ArgName("threads")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(model_fwd_bwd, words_4l4h_T128, std::string("words-4l4h"), 128)
    ->ArgName("threads")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(train_step_2l4h)->ArgName("threads")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace attn::bench
