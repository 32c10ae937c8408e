// Tokenizers: GPT-2 byte-level BPE against encodings made by the fixture script (its own Python
// BPE, pre-tokenizer cross-checked with Python's re), byte-exact round trips of arbitrary bytes,
// the byte-to-unicode map; the word- and character-level tokenizers; the vocab.txt format; the
// tokenizer choice of a model folder.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "engine/core/error.h"
#include "engine/sandbox/init.h"
#include "engine/text/bpe.h"
#include "engine/text/simple_tokenizers.h"
#include "engine/text/utf8.h"
#include "engine/text/vocab_txt.h"
#include "tests/engine/gpt2_test_util.h"

namespace attn {
namespace {

using json = nlohmann::json;

BpeTokenizer fixture_bpe() { return BpeTokenizer::from_files(fixture("bpe/vocab.json"), fixture("bpe/merges.txt")); }

TEST(Bpe, ByteToUnicodeMap) {
  const auto& t = gpt2_byte_symbols();
  EXPECT_EQ(t[' '], "Ġ");
  EXPECT_EQ(t['\n'], "Ċ");
  EXPECT_EQ(t['A'], "A");
  EXPECT_EQ(t[0], "Ā");     // U+0100: the first non-printable byte
  EXPECT_EQ(t[0xAD], "Ń");  // soft hyphen, the last of the 68 shifted bytes (U+0143)
  EXPECT_EQ(t[0xE9], "é");  // printable Latin-1 maps to itself
}

TEST(Bpe, EncodingsMatchTheFixtureScript) {
  const BpeTokenizer bpe = fixture_bpe();
  const json cases = json::parse(slurp_file(fixture("bpe/expected.json")))["cases"];
  ASSERT_GE(cases.size(), 10u);
  for (const json& c : cases) {
    const std::string text = c["text"];
    std::vector<std::string> pieces;
    for (const auto& [b, e] : gpt2_pretokenize(text)) pieces.push_back(text.substr(b, e - b));
    EXPECT_EQ(pieces, c["pieces"].get<std::vector<std::string>>()) << text;
    const Encoding e = bpe.encode(text);
    EXPECT_EQ(e.ids, c["ids"].get<std::vector<int>>()) << text;
    std::vector<std::string> symbols;
    for (int id : e.ids) symbols.push_back(bpe.symbol(id));
    EXPECT_EQ(symbols, c["symbols"].get<std::vector<std::string>>()) << text;
    std::vector<std::vector<std::size_t>> spans;
    for (const auto& [b, end] : e.spans) spans.push_back({b, end});
    EXPECT_EQ(spans, c["spans"].get<std::vector<std::vector<std::size_t>>>()) << text;
    EXPECT_EQ(bpe.decode(e.ids), text);
    for (const std::string& t : e.tokens) EXPECT_TRUE(utf8_valid(t)) << t;
  }
}

TEST(Bpe, ContractionsAccentsChineseAndEmoji) {
  const BpeTokenizer bpe = fixture_bpe();
  // The pattern's own quirks: contractions are lower-case only; whitespace before a word leaves
  // its last space to the word.
  auto pieces = [](const std::string& t) {
    std::vector<std::string> p;
    for (const auto& [b, e] : gpt2_pretokenize(t)) p.push_back(t.substr(b, e - b));
    return p;
  };
  EXPECT_EQ(pieces("we'll DON'T"), (std::vector<std::string>{"we", "'ll", " DON", "'", "T"}));
  EXPECT_EQ(pieces("a   b"), (std::vector<std::string>{"a", "  ", " b"}));
  EXPECT_EQ(pieces("x\n\ny"), (std::vector<std::string>{"x", "\n", "\n", "y"}));
  EXPECT_EQ(pieces("end  "), (std::vector<std::string>{"end", "  "}));
  EXPECT_EQ(pieces("Ünïcödé 中文 ٣٤ ½"), (std::vector<std::string>{"Ünïcödé", " 中文", " ٣٤", " ½"}));
  EXPECT_EQ(pieces("😀👍🏽!"), (std::vector<std::string>{"😀👍🏽!"}));
  // tokens whose bytes are part of a character show the byte-level spelling (valid UTF-8)
  const Encoding e = bpe.encode("😀");
  std::string joined;
  for (const auto& [b, end] : e.spans) joined += std::string("😀").substr(b, end - b);
  EXPECT_EQ(joined, "😀");
}

TEST(Bpe, EmptyTextAndArbitraryBytesRoundTrip) {
  const BpeTokenizer bpe = fixture_bpe();
  EXPECT_TRUE(bpe.encode("").ids.empty());
  EXPECT_EQ(bpe.decode({}), "");
  Rng rng(3);
  for (int trial = 0; trial < 200; ++trial) {
    std::string s(rng.next_u64() % 40, '\0');
    for (char& ch : s) ch = char(rng.next_u64() % 256);
    if (trial % 2) s = "caf\xC3\xA9 " + s + " \xF0\x9F\x98\x80";
    const Encoding e = bpe.encode(s);
    ASSERT_EQ(bpe.decode(e.ids), s);
    std::size_t pos = 0;
    for (const auto& [b, end] : e.spans) {
      ASSERT_EQ(b, pos);
      ASSERT_GT(end, b);
      pos = end;
    }
    ASSERT_EQ(pos, s.size());
  }
}

TEST(Bpe, BadFilesAndIdsGetClearErrors) {
  const std::string vocab = slurp_file(fixture("bpe/vocab.json")), merges = slurp_file(fixture("bpe/merges.txt"));
  auto error = [](const std::string& v, const std::string& m) {
    try {
      BpeTokenizer::from_text(v, m);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_EQ(error(vocab, merges), "(no error)");
  EXPECT_NE(error("[1]", merges).find("vocab.json"), std::string::npos);
  EXPECT_NE(error("{\"a\": 0}", merges).find("byte symbol"), std::string::npos);
  EXPECT_NE(error(vocab, "#version: 0.2\nabc\n").find("merges.txt: line 2"), std::string::npos);
  EXPECT_NE(error(vocab, "q z\n").find("not in vocab.json"), std::string::npos);
  EXPECT_NE(error("{\"a\": -1}", merges).find("ids are integers"), std::string::npos);
  const BpeTokenizer bpe = fixture_bpe();
  EXPECT_THROW(bpe.decode({0, 100000}), InputError);
  EXPECT_THROW(bpe.token_text(-1), InputError);
}

TEST(VocabTxt, EscapesRoundTripAndBadFilesAreNamed) {
  const std::vector<std::string> toks = {"<unk>", " ", "\n", "a\\b", "\t", "ü"};
  EXPECT_EQ(format_vocab_txt(toks), "<unk>\n\\s\n\\n\na\\\\b\n\\t\nü\n");
  EXPECT_EQ(parse_vocab_txt(format_vocab_txt(toks), "v"), toks);
  EXPECT_EQ(parse_vocab_txt("<unk>\r\nx", "v"), (std::vector<std::string>{"<unk>", "x"}));
  auto error = [](const std::string& t) {
    try {
      parse_vocab_txt(t, "vocab.txt");
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_NE(error("a\nb\n").find("<unk> is missing"), std::string::npos);
  EXPECT_NE(error("<unk>\n\nb\n").find("line 2 is empty"), std::string::npos);
  EXPECT_NE(error("<unk>\na\na\n").find("line 3: the token 'a' appears twice"), std::string::npos);
  EXPECT_NE(error("<unk>\n\\q\n").find("unknown escape"), std::string::npos);
  EXPECT_NE(error("<unk>\n\xff\n").find("not valid UTF-8"), std::string::npos);
}

TEST(WordTokenizer, WordsPunctuationUnknownsAndSpans) {
  const VocabTokenizer w(VocabTokenizer::Mode::Word,
                         {"<unk>", "the", "cat", "sees", "dogs", ".", ",", "don't", "well-known", "(", ")", "café"});
  const std::string text = "The cat  sees, (dogs) don't well-known zebras. café!";
  const Encoding e = w.encode(text);
  EXPECT_EQ(e.tokens, (std::vector<std::string>{"the", "cat", "sees", ",", "(", "dogs", ")", "don't", "well-known",
                                                "<unk>", ".", "café", "<unk>"}));
  EXPECT_EQ(e.ids[0], 1);  // "The" found in lower case
  EXPECT_EQ(e.ids[9], w.unk_id());
  EXPECT_EQ(text.substr(e.spans[9].first, e.spans[9].second - e.spans[9].first), "zebras");
  EXPECT_EQ(text.substr(e.spans[0].first, 3), "The");
  EXPECT_EQ(w.decode(e.ids), "the cat sees, (dogs) don't well-known <unk>. café <unk>");
  EXPECT_TRUE(w.encode("").ids.empty());
  EXPECT_TRUE(w.encode(" \n\t ").ids.empty());
  // Decoding round-trips text in the vocabulary's own spacing.
  const std::string norm = "the cat sees dogs, (the cat).";
  EXPECT_EQ(w.decode(w.encode(norm).ids), norm);
  EXPECT_THROW(w.decode({99}), InputError);
}

TEST(CharTokenizer, CodePointsUnknownsAndRoundTrip) {
  const VocabTokenizer c(VocabTokenizer::Mode::Char, {"<unk>", "a", "b", " ", "é", "中", "😀"});
  const std::string text = "ab é中😀";
  const Encoding e = c.encode(text);
  EXPECT_EQ(e.ids, (std::vector<int>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(e.spans.back(), (std::pair<std::size_t, std::size_t>{8, 12}));
  EXPECT_EQ(c.decode(e.ids), text);
  const Encoding u = c.encode("abz\xff");
  EXPECT_EQ(u.ids, (std::vector<int>{1, 2, 0, 0}));
  EXPECT_EQ(u.tokens[2], "<unk>");
  EXPECT_TRUE(c.encode("").ids.empty());
  EXPECT_THROW(VocabTokenizer(VocabTokenizer::Mode::Char, {"<unk>", "ab"}), InputError);
}

TEST(TokenizerChoice, ConfigFieldDefaultAndErrors) {
  TmpDir d;
  auto error = [&](const json& cfg, int V = 0) {
    try {
      load_tokenizer(d.str(), cfg, V);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_NE(error(json::object()).find("no tokenizer"), std::string::npos);
  write_file(d.file("vocab.json"), slurp_file(fixture("bpe/vocab.json")));
  write_file(d.file("merges.txt"), slurp_file(fixture("bpe/merges.txt")));
  EXPECT_EQ(load_tokenizer(d.str(), json::object())->kind(), "bpe");
  EXPECT_NE(error(json::object(), 64).find("vocab_size is 64"), std::string::npos);
  write_file(d.file("vocab.txt"), "<unk>\nthe\n");
  EXPECT_EQ(load_tokenizer(d.str(), {{"attnscope_tokenizer", "word"}})->kind(), "word");
  EXPECT_NE(error({{"attnscope_tokenizer", "char"}}).find("single characters"), std::string::npos);
  EXPECT_NE(error({{"attnscope_tokenizer", "sentencepiece"}}).find("allowed: \"bpe\", \"word\", \"char\""),
            std::string::npos);
}

}  // namespace
}  // namespace attn
