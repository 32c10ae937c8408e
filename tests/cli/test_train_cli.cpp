// `attnscope train`: a short run writes a model folder that `attnscope run` loads; a run stopped
// and resumed gives bit-identical weights to an uninterrupted one (deterministic for a seed);
// bad input gives one line on stderr and exit 2.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "tests/cli/cli_runner.h"

namespace attn::testing {
namespace {

const std::string kSmall = " --steps 40 --batch 4 --block 16 --warmup 5 --examples 500 --embd 16 --heads 2 -q";

TEST(CliTrain, WritesALoadableModelFolderAndReportsLosses) {
  TempDir d;
  const std::string out = d.file("m");
  const RunResult r = run_attnscope("train --out '" + out + "'" + kSmall);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("held-out loss"), std::string::npos) << r.out;
  for (const char* f : {"config.json", "model.safetensors", "vocab.txt", "train_state.safetensors"})
    EXPECT_TRUE(std::filesystem::exists(d.file(std::string("m/") + f))) << f;
  const nlohmann::json cfg = nlohmann::json::parse(slurp(d.file("m/config.json")));
  EXPECT_EQ(cfg["attnscope_tokenizer"], "word");
  EXPECT_EQ(cfg["n_positions"], 16);
  EXPECT_EQ(cfg["attnscope_training"]["steps_done"], 40);
  const RunResult run = run_attnscope("run --model '" + out + "' --text 'the cat sees a dog .'");
  EXPECT_EQ(run.code, 0) << run.err;
  EXPECT_NE(run.out.find("tokens (6)"), std::string::npos) << run.out;
}

TEST(CliTrain, StoppedAndResumedEqualsUninterrupted) {
  TempDir d;
  const RunResult a = run_attnscope("train --out '" + d.file("a") + "'" + kSmall);
  ASSERT_EQ(a.code, 0) << a.err;
  const RunResult b1 = run_attnscope("train --out '" + d.file("b") + "'" + kSmall + " --stop-after 15");
  ASSERT_EQ(b1.code, 0) << b1.err;
  EXPECT_NE(slurp(d.file("a/model.safetensors")), slurp(d.file("b/model.safetensors")));
  const RunResult b2 = run_attnscope("train --out '" + d.file("b") + "'" + kSmall + " --resume");
  ASSERT_EQ(b2.code, 0) << b2.err;
  EXPECT_EQ(slurp(d.file("a/model.safetensors")), slurp(d.file("b/model.safetensors")));
  EXPECT_EQ(slurp(d.file("a/train_state.safetensors")), slurp(d.file("b/train_state.safetensors")));
}

TEST(CliTrain, BadInputOneLineExit2) {
  TempDir d;
  ASSERT_EQ(run_attnscope("train --out '" + d.file("m") + "'" + kSmall).code, 0);
  struct Case {
    std::string args, needle;
  } cases[] = {
      {"--out '" + d.file("m") + "'" + kSmall, "use --resume"},
      {"--out '" + d.file("m") + "'" + kSmall + " --resume", "has done 40 steps"},
      {"--out '" + d.file("new") + "'" + kSmall + " --resume", "config.json"},
      {"--out '" + d.file("x") + "' --embd 10 --heads 4 -q", "multiple of n_head"},
      {"--out '" + d.file("y") + "' --block 1 -q --steps 2", "block"},
      {"--out '" + d.file("z") + "' --generate grammar=x -q", "corpus"},
  };
  for (const Case& c : cases) {
    const RunResult r = run_attnscope("train " + c.args);
    EXPECT_EQ(r.code, 2) << c.args;
    EXPECT_NE(r.err.find(c.needle), std::string::npos) << c.args << ": " << r.err;
  }
}

}  // namespace
}  // namespace attn::testing
