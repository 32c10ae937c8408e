// The generated corpora: deterministic for a seed, every word in the vocabulary, the repeated
// sequences really repeat, the brackets balance, subject-verb agreement holds across relative
// clauses, and the mix weights are respected.
#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "engine/core/error.h"
#include "engine/model/corpus.h"

namespace attn {
namespace {

std::vector<std::string> words(const std::string& line) {
  std::istringstream ss(line);
  std::vector<std::string> w;
  for (std::string x; ss >> x;) w.push_back(x);
  return w;
}

TEST(Corpus, DeterministicAndInsideTheVocabulary) {
  const std::string a = generate_corpus(300, CorpusMix{1, 1, 1}, 5), b = generate_corpus(300, CorpusMix{1, 1, 1}, 5);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, generate_corpus(300, CorpusMix{1, 1, 1}, 6));
  const auto v = corpus_vocabulary();
  const std::set<std::string> vocab(v.begin(), v.end());
  EXPECT_EQ(vocab.size(), v.size()) << "no duplicates";
  EXPECT_EQ(v[0], "<unk>");
  for (const std::string& w : words(a)) EXPECT_TRUE(vocab.count(w)) << w;
}

TEST(Corpus, RepeatsRepeatAndBracketsBalance) {
  Rng rng(1);
  for (int i = 0; i < 50; ++i) {
    auto w = words(corpus_example(CorpusKind::Repeat, rng));
    ASSERT_EQ(w.back(), ".");
    w.pop_back();
    ASSERT_EQ(w.size() % 2, 0u);
    const std::size_t k = w.size() / 2;
    EXPECT_GE(k, 5u);
    EXPECT_LE(k, 12u);
    for (std::size_t j = 0; j < k; ++j) EXPECT_EQ(w[j], w[j + k]);
    std::string stack;
    for (const std::string& b : words(corpus_example(CorpusKind::Brackets, rng))) {
      if (b == "(" || b == "[" || b == "{") stack += b;
      else if (b != ".") {
        ASSERT_FALSE(stack.empty());
        const char want = b == ")" ? '(' : b == "]" ? '[' : '{';
        EXPECT_EQ(stack.back(), want);
        stack.pop_back();
      }
    }
    EXPECT_TRUE(stack.empty());
  }
}

TEST(Corpus, TheMainVerbAgreesWithItsSubjectAcrossRelativeClauses) {
  // The subject is word 2 or 3 (after an optional adjective); the main verb is the last verb
  // before "." / a preposition / an object. Check number agreement on sentences with "that".
  const std::set<std::string> plural_nouns = {"cats", "dogs", "birds", "teachers", "children", "farmers",
                                              "horses", "students", "kings", "doctors", "foxes", "mice"};
  const std::set<std::string> sing_verbs = {"sees", "likes", "chases", "helps", "follows", "finds",
                                            "sleeps", "runs", "sings", "waits", "laughs"};
  const std::set<std::string> plur_verbs = {"see", "like", "chase", "help", "follow", "find",
                                            "sleep", "run", "sing", "wait", "laugh"};
  Rng rng(2);
  int checked = 0;
  for (int i = 0; i < 400; ++i) {
    const auto w = words(corpus_example(CorpusKind::Grammar, rng));
    EXPECT_EQ(w.back(), ".");
    const std::size_t noun = w[2] == "that" ? 1 : 2;  // determiner (adjective) noun
    if (w[noun + 1] != "that") continue;
    const bool plural = plural_nouns.count(w[noun]) > 0;
    // verbs after the subject: the clause's verb, then the main verb (the second verb)
    std::vector<std::string> verbs;
    for (std::size_t j = noun + 2; j < w.size(); ++j)
      if (sing_verbs.count(w[j]) || plur_verbs.count(w[j])) verbs.push_back(w[j]);
    ASSERT_GE(verbs.size(), 2u);
    EXPECT_EQ(plural, plur_verbs.count(verbs[1]) > 0) << "subject " << w[noun] << ", main verb " << verbs[1];
    ++checked;
  }
  EXPECT_GT(checked, 100);
}

TEST(Corpus, MixParsing) {
  const CorpusMix m = parse_corpus_mix("grammar=0.25,brackets=1");
  EXPECT_DOUBLE_EQ(m.grammar, 0.25);
  EXPECT_DOUBLE_EQ(m.repeat, 0.0);
  EXPECT_DOUBLE_EQ(m.brackets, 1.0);
  EXPECT_THROW(parse_corpus_mix("poems=1"), InputError);
  EXPECT_THROW(parse_corpus_mix("grammar"), InputError);
  EXPECT_THROW(parse_corpus_mix("grammar=0"), InputError);
  // only brackets when only brackets are asked for
  for (const std::string& w : words(generate_corpus(20, parse_corpus_mix("brackets=1"), 1)))
    EXPECT_TRUE(w == "(" || w == ")" || w == "[" || w == "]" || w == "{" || w == "}" || w == ".") << w;
}

}  // namespace
}  // namespace attn
