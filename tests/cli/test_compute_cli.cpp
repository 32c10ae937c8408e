// `attnscope compute` as a user runs it: help and version exit 0; a case gives a result JSON with
// every tensor; each kind of bad input gives one line on stderr, exit 2 and no output file.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/cli/cli_runner.h"

namespace attn::testing {
namespace {

using nlohmann::json;

const char* kCase = R"({
  "schema_version": 1,
  "config": {"mode": "direct", "H": 1, "scale": "one", "mask": {"kind": "causal"}},
  "tokens": ["a", "b", "c"],
  "inputs": {"Q": [[[1, 0], [0, 1], [1, 1]]], "K": [[[1, 0], [0, 1], [1, 1]]], "V": [[[1, 2], [3, 4], [5, 6]]]},
  "loss": {"kind": "cell", "head": 0, "row": 2, "col": 1}
})";

TEST(CliCompute, HelpAndVersionExitZero) {
  RunResult r = run_attnscope("--help");
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("compute"), std::string::npos);
  r = run_attnscope("compute --help");
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("--input"), std::string::npos);
  r = run_attnscope("--version");
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("attnscope"), std::string::npos);
}

TEST(CliCompute, WritesEveryTensorWithMaskedCellsAsNull) {
  TempDir dir;
  write_text(dir.file("case.json"), kCase);
  const RunResult r = run_attnscope("compute --input '" + dir.file("case.json") + "' --output '" + dir.file("out.json") + "'");
  ASSERT_EQ(r.code, 0) << r.err;
  const json j = json::parse(slurp(dir.file("out.json")));
  EXPECT_EQ(j["schema_version"], 1);
  const json& h = j["heads"][0];
  for (const char* key : {"Q", "K", "V", "scores_raw", "scores", "logits", "weights", "output"})
    EXPECT_TRUE(h.contains(key)) << key;
  for (const char* key : {"dQ", "dK", "dV", "dA", "dS"}) EXPECT_TRUE(h["grad"].contains(key)) << key;
  EXPECT_TRUE(h["logits"][0][1].is_null()) << "a causally masked logit must be null";
  EXPECT_EQ(h["weights"][0][0].get<double>(), 1.0);
  // Row 2: logits 1, 1, 2 -> weights e/(2e + e^2), ..., loss = O[2][1] = sum_j A_2j V_j1.
  const double e1 = std::exp(1.0), e2 = std::exp(2.0), z = 2 * e1 + e2;
  EXPECT_NEAR(j["loss"]["value"].get<double>(), (2 * e1 + 4 * e1 + 6 * e2) / z, 1e-5);
}

TEST(CliCompute, ReadsStdinAndWritesStdout) {
  const RunResult r = run_attnscope("compute --input - --forward-only", kCase);
  ASSERT_EQ(r.code, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_FALSE(j.contains("grad"));
  EXPECT_EQ(j["heads"].size(), 1u);
}

struct BadInput {
  const char* name;
  std::string text;
  const char* expect_in_message;
};

class CliComputeBadInput : public ::testing::TestWithParam<BadInput> {};

TEST_P(CliComputeBadInput, OneLineExitTwoNoOutput) {
  const BadInput& b = GetParam();
  TempDir dir;
  write_text(dir.file("case.json"), b.text);
  const RunResult r = run_attnscope("compute --input '" + dir.file("case.json") + "' --output '" + dir.file("out.json") + "'");
  EXPECT_EQ(r.code, 2) << b.name;
  EXPECT_NE(r.err.find(b.expect_in_message), std::string::npos) << b.name << ": " << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one line: " << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir.file("out.json"))) << b.name;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path()))
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos) << "temporary file left behind";
}

INSTANTIATE_TEST_SUITE_P(
    Cases, CliComputeBadInput,
    ::testing::Values(
        BadInput{"not_json", "{ this is not json", "not valid JSON"},
        BadInput{"dk_zero", R"({"config": {"H": 1, "N": 2, "dk": 0}, "inputs": {"random": {"seed": 1}}})", "config.dk"},
        BadInput{"shape_mismatch", R"({"inputs": {"Q": [[[1, 2]]], "K": [[[1, 2, 3]]], "V": [[[1]]]}})", "K[0]"},
        BadInput{"ragged_row", R"({"inputs": {"Q": [[[1, 2], [3]]], "K": [[[1, 2]]], "V": [[[1]]]}})", "row 1 has 1"},
        BadInput{"nan_like_null", R"({"inputs": {"Q": [[[1, null]]], "K": [[[1, 2]]], "V": [[[1]]]}})", "null"},
        BadInput{"n_zero", R"({"inputs": {"Q": [[]], "K": [[[1, 2]]], "V": [[[1]]]}})", "config.N"},
        BadInput{"tau_zero", R"({"config": {"tau": 0}, "inputs": {"Q": [[[1]]], "K": [[[1]]], "V": [[[1]]]}})", "config.tau"},
        BadInput{"unknown_mask", R"({"config": {"mask": {"kind": "diagonal"}}, "inputs": {"Q": [[[1]]], "K": [[[1]]], "V": [[[1]]]}})", "mask.kind"},
        BadInput{"target_not_distribution",
                 R"({"inputs": {"Q": [[[1]]], "K": [[[1]], [[2]]], "V": [[[1]], [[1]]]}, "loss": {"kind": "cross_entropy", "rows": [0], "target": [[0.5, 0.2]]}})",
                 "K"},
        BadInput{"target_sum",
                 R"({"inputs": {"Q": [[[1]]], "K": [[[1], [2]]], "V": [[[1], [1]]]}, "loss": {"kind": "cross_entropy", "rows": [0], "target": [[0.5, 0.2]]}})",
                 "sum to 1"},
        BadInput{"target_on_masked_key",
                 R"({"config": {"mask": "causal", "N": 2}, "inputs": {"Q": [[[1], [1]]], "K": [[[1], [2]]], "V": [[[1], [1]]]}, "loss": {"kind": "cross_entropy", "rows": [0], "target": [[0, 1]]}})",
                 "mask hides"},
        BadInput{"cell_out_of_range",
                 R"({"inputs": {"Q": [[[1]]], "K": [[[1]]], "V": [[[1]]]}, "loss": {"kind": "cell", "row": 5}})", "loss.row"},
        BadInput{"unknown_scale", R"({"config": {"scale": "huge"}, "inputs": {"Q": [[[1]]], "K": [[[1]]], "V": [[[1]]]}})", "config.scale"},
        BadInput{"self_attention_m_ne_n",
                 R"({"config": {"mode": "projection", "M": 3}, "inputs": {"X": [[1, 2]], "Wq": [[[1], [1]]], "Wk": [[[1], [1]]], "Wv": [[[1], [1]]], "Wo": [[1, 1]]}})",
                 "config.M"}),
    [](const ::testing::TestParamInfo<BadInput>& info) { return std::string(info.param.name); });

TEST(CliCompute, MissingInputFileAndUnwritableOutput) {
  RunResult r = run_attnscope("compute --input /nonexistent/case.json");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("cannot open"), std::string::npos) << r.err;
  TempDir dir;
  write_text(dir.file("case.json"), kCase);
  r = run_attnscope("compute --input '" + dir.file("case.json") + "' --output /nonexistent-folder/out.json");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("cannot write"), std::string::npos) << r.err;
}

TEST(CliCompute, UnknownOptionIsExitTwoNotCli11Code) {
  const RunResult r = run_attnscope("compute --input x.json --frobnicate");
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST(CliDemo, PrintsTheDefaultExample) {
  const RunResult r = run_attnscope("demo");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("Head 0"), std::string::npos);
  EXPECT_NE(r.out.find("cat"), std::string::npos);
  EXPECT_NE(r.out.find("Loss (cross_entropy)"), std::string::npos);
  EXPECT_EQ(run_attnscope("demo --preset nope").code, 2);
}

}  // namespace
}  // namespace attn::testing
