// `attnscope export --view bias` shows the head's whole logit bias, positional ones included
// (an ALiBi case has no inputs.bias but a bias all the same).
#include <gtest/gtest.h>

#include "tests/cli/cli_runner.h"

namespace attn::testing {
namespace {

TEST(CliExportBias, AlibiBiasIsExported) {
  TempDir dir;
  write_text(dir.file("case.json"),
             R"({"schema_version": 1, "config": {"mode": "direct", "N": 4, "dk": 4, "H": 2, "mask": "causal",
                 "positional": {"kind": "alibi"}}, "inputs": {"random": {"seed": 2}}})");
  const RunResult r = run_attnscope("export --input '" + dir.file("case.json") + "' --view bias --head 0 --out '" +
                                    dir.file("b.csv") + "'");
  ASSERT_EQ(r.code, 0) << r.err;
  // H = 2: head 0 has slope 2^-4, so row 2 is -(2, 1, 0) / 16 then 0 for the future key.
  const std::string csv = slurp(dir.file("b.csv"));
  EXPECT_NE(csv.find("-0.125,-0.0625,0,0"), std::string::npos) << csv;
}

TEST(CliExportBias, NoBiasIsAClearError) {
  TempDir dir;
  write_text(dir.file("case.json"), R"({"config": {"N": 3, "dk": 2}, "inputs": {"random": {"seed": 1}}})");
  const RunResult r = run_attnscope("export --input '" + dir.file("case.json") + "' --view bias --out '" + dir.file("b.csv") + "'");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("alibi"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace attn::testing
