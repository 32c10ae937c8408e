// `attnscope run` as a user runs it: a model folder (the tiny F32 GPT-2 fixture plus a word- or
// character-level vocabulary) and a sentence give the tokens, the top-k next tokens and every
// layer/head attention matrix as JSON (rows sum to 1, masked cells null); bad input gives one line
// on stderr, exit 2 and no output file.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "tests/cli/cli_runner.h"

namespace attn::testing {
namespace {

using nlohmann::json;

// The fixture model (vocab_size 64) with a tokenizer of the given kind.
struct ModelDir {
  TempDir dir;
  explicit ModelDir(const std::string& kind, const std::string& vocab) {
    const std::string src = std::string(ATTNSCOPE_FIXTURES) + "/gpt2/f32/";
    std::filesystem::copy_file(src + "model.safetensors", dir.file("model.safetensors"));
    json cfg = json::parse(slurp(src + "config.json"));
    cfg["attnscope_tokenizer"] = kind;
    write_text(dir.file("config.json"), cfg.dump());
    write_text(dir.file("vocab.txt"), vocab);
  }
  std::string path() const { return dir.path().string(); }
};

const char* kWords = "<unk>\nthe\ncat\nsat\non\nmat\n.\ndog\nsees\na\n";

TEST(CliRun, PrintsTokensTopKAndWritesEveryHead) {
  ModelDir m("word", kWords);
  TempDir out;
  const std::string file = out.file("attn.json");
  const RunResult r = run_attnscope("run --model '" + m.path() + "' --text 'The cat sat on the zebra.' --output '" + file +
                                    "' --top-k 3");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("tokens (7)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("'<unk>'"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  3. "), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("  4. "), std::string::npos) << r.out;
  const json j = json::parse(slurp(file));
  EXPECT_EQ(j["schema_version"], 1);
  EXPECT_EQ(j["tokens"], (json{"the", "cat", "sat", "on", "the", "<unk>", "."}));
  EXPECT_EQ(j["token_ids"][1], 2);
  EXPECT_EQ(j["spans"][5], (json{19, 24}));
  ASSERT_EQ(j["layers"].size(), 2u);
  double prob_sum = 0;
  for (const auto& n : j["next_token"]) prob_sum += n["prob"].get<double>();
  EXPECT_GT(prob_sum, 0.0);
  EXPECT_LE(prob_sum, 1.0 + 1e-6);
  EXPECT_GE(j["next_token"][0]["prob"].get<double>(), j["next_token"][1]["prob"].get<double>());
  for (const auto& layer : j["layers"]) {
    ASSERT_EQ(layer["heads"].size(), 4u);
    for (const auto& head : layer["heads"]) {
      const json& w = head["weights"];
      ASSERT_EQ(w.size(), 7u);
      for (int i = 0; i < 7; ++i) {
        double s = 0;
        for (int k = 0; k < 7; ++k) {
          if (k > i) EXPECT_TRUE(w[i][k].is_null()) << "masked cell " << i << "," << k;
          else s += w[i][k].get<double>();
        }
        EXPECT_NEAR(s, 1.0, 1e-5);
      }
    }
  }
}

TEST(CliRun, JsonToStdoutAndCharacterLevel) {
  ModelDir m("char", "<unk>\na\nb\nc\n\\s\né\n");
  const RunResult r = run_attnscope("run --model '" + m.path() + "' --text 'ab cé' --output -");
  ASSERT_EQ(r.code, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["tokens"], (json{"a", "b", " ", "c", "é"}));
  EXPECT_EQ(j["tokenizer"], "char");
  EXPECT_EQ(j["layers"][1]["heads"][3]["weights"][0][0], 1.0);
}

TEST(CliRun, BadInputOneLineExit2NoFile) {
  ModelDir m("word", kWords);
  TempDir out;
  const std::string file = out.file("attn.json");
  std::string long_text;
  for (int i = 0; i < 33; ++i) long_text += "the ";
  struct Case {
    std::string args, needle;
  } cases[] = {
      {"--text ''", "text: is empty"},
      {"--text '   '", "has no tokens"},
      {"--text '" + long_text + "'", "has 33 tokens; this model takes at most n_positions = 32"},
      {"--text 'the cat' --top-k 0", "top-k"},
  };
  for (const Case& c : cases) {
    const RunResult r = run_attnscope("run --model '" + m.path() + "' " + c.args + " --output '" + file + "'");
    EXPECT_EQ(r.code, 2) << c.args;
    EXPECT_NE(r.err.find(c.needle), std::string::npos) << c.args << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_FALSE(std::filesystem::exists(file)) << c.args;
  }
  // a folder without a model, and one whose tokenizer has more ids than the model
  TempDir empty;
  RunResult r = run_attnscope("run --model '" + empty.path().string() + "' --text hi");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("config.json"), std::string::npos) << r.err;
  std::string big = "<unk>\n";
  for (int i = 0; i < 70; ++i) big += "w" + std::to_string(i) + "\n";
  ModelDir m2("word", big);
  r = run_attnscope("run --model '" + m2.path() + "' --text hi");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("vocab_size is 64"), std::string::npos) << r.err;
  r = run_attnscope("run --text hi");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--model"), std::string::npos) << r.err;
}

TEST(CliRun, HelpExitsZero) {
  const RunResult r = run_attnscope("run --help");
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("--top-k"), std::string::npos);
}

}  // namespace
}  // namespace attn::testing
