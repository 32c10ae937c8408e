#include "engine/model/corpus.h"

#include <algorithm>

#include "engine/core/error.h"

namespace attn {

namespace {

struct Noun {
  const char *sing, *plur;
};
struct Verb {
  const char *sing, *plur;  // "sees" / "see"
};

const std::vector<Noun> kNouns = {{"cat", "cats"},         {"dog", "dogs"},         {"bird", "birds"},
                                  {"teacher", "teachers"}, {"child", "children"},   {"farmer", "farmers"},
                                  {"horse", "horses"},     {"student", "students"}, {"king", "kings"},
                                  {"doctor", "doctors"},   {"fox", "foxes"},        {"mouse", "mice"}};
const std::vector<const char*> kAdjectives = {"big", "small", "old", "young", "happy", "sad", "red", "quiet", "clever", "tired"};
const std::vector<Verb> kTransitive = {{"sees", "see"}, {"likes", "like"}, {"chases", "chase"}, {"helps", "help"},
                                       {"follows", "follow"}, {"finds", "find"}};
const std::vector<Verb> kIntransitive = {{"sleeps", "sleep"}, {"runs", "run"}, {"sings", "sing"}, {"waits", "wait"},
                                         {"laughs", "laugh"}};
const std::vector<const char*> kPrepositions = {"near", "under", "behind", "with", "on"};
const std::vector<const char*> kPlaces = {"house", "tree", "river", "hill", "table"};

template <class T>
const T& pick(const std::vector<T>& v, Rng& rng) { return v[rng.next_u64() % v.size()]; }

bool chance(Rng& rng, double p) { return rng.uniform() < p; }

// A noun phrase of the given number; returns words appended to out.
void noun_phrase(std::vector<std::string>& out, bool plural, Rng& rng) {
  if (plural) out.push_back(chance(rng, 0.5) ? "the" : (chance(rng, 0.5) ? "some" : "many"));
  else out.push_back(chance(rng, 0.5) ? "the" : (chance(rng, 0.5) ? "a" : "every"));
  if (chance(rng, 0.4)) out.push_back(pick(kAdjectives, rng));
  const Noun& n = pick(kNouns, rng);
  out.push_back(plural ? n.plur : n.sing);
}

void verb_phrase(std::vector<std::string>& out, bool plural, Rng& rng) {
  if (chance(rng, 0.5)) {
    const Verb& v = pick(kTransitive, rng);
    out.push_back(plural ? v.plur : v.sing);
    noun_phrase(out, chance(rng, 0.5), rng);
  } else {
    const Verb& v = pick(kIntransitive, rng);
    out.push_back(plural ? v.plur : v.sing);
  }
  if (chance(rng, 0.3)) {
    out.push_back(pick(kPrepositions, rng));
    out.push_back("the");
    out.push_back(pick(kPlaces, rng));
  }
}

std::string join(const std::vector<std::string>& w) {
  std::string s;
  for (std::size_t i = 0; i < w.size(); ++i) s += (i ? " " : "") + w[i];
  return s;
}

std::string grammar_sentence(Rng& rng) {
  std::vector<std::string> w;
  const bool plural = chance(rng, 0.5);
  noun_phrase(w, plural, rng);
  const double r = rng.uniform();
  if (r < 0.25) {  // subject relative: "the dog that chases the cats sleeps"
    w.push_back("that");
    const Verb& v = pick(kTransitive, rng);
    w.push_back(plural ? v.plur : v.sing);
    noun_phrase(w, chance(rng, 0.5), rng);
  } else if (r < 0.5) {  // object relative: "the dog that the cats chase sleeps"
    w.push_back("that");
    const bool inner_plural = chance(rng, 0.5);
    noun_phrase(w, inner_plural, rng);
    const Verb& v = pick(kTransitive, rng);
    w.push_back(inner_plural ? v.plur : v.sing);
  }
  verb_phrase(w, plural, rng);
  w.push_back(".");
  return join(w);
}

std::vector<std::string> content_words() {
  std::vector<std::string> w;
  for (const Noun& n : kNouns) w.insert(w.end(), {n.sing, n.plur});
  for (const char* a : kAdjectives) w.push_back(a);
  for (const Verb& v : kTransitive) w.insert(w.end(), {v.sing, v.plur});
  for (const Verb& v : kIntransitive) w.insert(w.end(), {v.sing, v.plur});
  for (const char* p : kPlaces) w.push_back(p);
  return w;
}

std::string repeat_sequence(Rng& rng) {
  static const std::vector<std::string> words = content_words();
  const int k = 5 + int(rng.next_u64() % 8);
  std::vector<std::string> seq;
  for (int i = 0; i < k; ++i) seq.push_back(pick(words, rng));
  std::vector<std::string> w = seq;
  w.insert(w.end(), seq.begin(), seq.end());
  w.push_back(".");
  return join(w);
}

std::string brackets(Rng& rng) {
  static const char* open[] = {"(", "[", "{"};
  static const char* close[] = {")", "]", "}"};
  std::vector<int> stack;
  std::vector<std::string> w;
  const int len = 4 + 2 * int(rng.next_u64() % 8);
  while (int(w.size()) < len || !stack.empty()) {
    const int remaining = len - int(w.size());
    const bool can_open = int(stack.size()) < 6 && remaining > int(stack.size());
    if (can_open && (stack.empty() || chance(rng, 0.5))) {
      const int b = int(rng.next_u64() % 3);
      stack.push_back(b);
      w.push_back(open[b]);
    } else {
      w.push_back(close[stack.back()]);
      stack.pop_back();
    }
  }
  w.push_back(".");
  return join(w);
}

}  // namespace

std::vector<std::string> corpus_vocabulary() {
  std::vector<std::string> v = {"<unk>", ".", "the", "a", "every", "some", "many", "that",
                                "(", ")", "[", "]", "{", "}"};
  for (const std::string& w : content_words()) v.push_back(w);
  for (const char* p : kPrepositions) v.push_back(p);
  return v;
}

std::string corpus_example(CorpusKind kind, Rng& rng) {
  switch (kind) {
    case CorpusKind::Grammar: return grammar_sentence(rng);
    case CorpusKind::Repeat: return repeat_sequence(rng);
    case CorpusKind::Brackets: return brackets(rng);
  }
  return {};
}

std::string generate_corpus(int n_examples, const CorpusMix& mix, uint64_t seed) {
  const double total = mix.grammar + mix.repeat + mix.brackets;
  require(total > 0, "corpus", "the mix needs a positive weight");
  Rng rng(seed);
  std::string out;
  for (int i = 0; i < n_examples; ++i) {
    const double r = rng.uniform() * total;
    const CorpusKind k = r < mix.grammar ? CorpusKind::Grammar
                         : r < mix.grammar + mix.repeat ? CorpusKind::Repeat
                                                        : CorpusKind::Brackets;
    out += corpus_example(k, rng);
    out += '\n';
  }
  return out;
}

CorpusMix parse_corpus_mix(const std::string& text) {
  CorpusMix m{0, 0, 0};
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find(',', pos);
    if (end == std::string::npos) end = text.size();
    const std::string part = text.substr(pos, end - pos);
    const std::size_t eq = part.find('=');
    require(eq != std::string::npos, "corpus", "'" + part + "' is not kind=weight (kinds: grammar, repeat, brackets)");
    const std::string k = part.substr(0, eq);
    double w = 0;
    try {
      w = std::stod(part.substr(eq + 1));
    } catch (...) {
      throw InputError("corpus", "'" + part + "': the weight is not a number");
    }
    require(w >= 0 && w <= 1e6, "corpus", "'" + part + "': weights are between 0 and 1e6");
    if (k == "grammar") m.grammar = w;
    else if (k == "repeat") m.repeat = w;
    else if (k == "brackets") m.brackets = w;
    else throw InputError("corpus", "unknown kind '" + k + "' (kinds: grammar, repeat, brackets)");
    pos = end + 1;
  }
  require(m.grammar + m.repeat + m.brackets > 0, "corpus", "the mix needs a positive weight");
  return m;
}

}  // namespace attn
