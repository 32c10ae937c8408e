// Training text the project generates itself (no downloaded data), word-level, one example per
// line, deterministic for a seed:
//   grammar   English-like sentences: determiner (+ adjectives) + noun, verbs agreeing in number
//             with their subject, prepositional phrases, subject and object relative clauses
//             ("the dog that the cats see sleeps ."): the verb agrees with its subject across
//             the clause, something a syntactic head can track.
//   repeat    a random sequence of 5 to 12 of the grammar's own words, then the same sequence
//             again ("cat old sees ... cat old sees ... ."): predicting the second copy needs an
//             induction head (attend to the token after the previous occurrence).
//   brackets  balanced sequences of ( ) [ ] { } up to depth 6 ("( [ ] { } ) ."): a closing
//             bracket must match the last open one.
// Words are separated by single spaces, so the word tokenizer splits them exactly.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "engine/sandbox/init.h"

namespace attn {

enum class CorpusKind { Grammar, Repeat, Brackets };

struct CorpusMix {
  double grammar = 0.5, repeat = 0.5, brackets = 0.0;  // relative weights
};

// Every token the generator can produce, plus "<unk>" first (the word vocabulary, vocab.txt order).
std::vector<std::string> corpus_vocabulary();
// One example of a kind (no trailing newline).
std::string corpus_example(CorpusKind kind, Rng& rng);
// n examples drawn from the mix, one per line.
std::string generate_corpus(int n_examples, const CorpusMix& mix, uint64_t seed);
// Parses "grammar=0.5,repeat=0.5,brackets=0"; InputError naming the bad part.
CorpusMix parse_corpus_mix(const std::string& text);

}  // namespace attn
