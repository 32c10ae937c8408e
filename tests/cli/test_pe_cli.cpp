// `attnscope pe` and `attnscope compute` with positional encodings and score functions, as a
// user runs them: every kind gives its table / bias in JSON and CSV; compute reports the new
// intermediates and gradients; each bad input gives one line on stderr naming the field, exit 2
// and no output file.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "tests/cli/cli_runner.h"

namespace attn::testing {
namespace {

using nlohmann::json;

json run_json(const std::string& args) {
  const RunResult r = run_attnscope(args);
  EXPECT_EQ(r.code, 0) << args << ": " << r.err;
  return r.code == 0 ? json::parse(r.out) : json();
}

TEST(CliPe, HelpListsTheKinds) {
  const RunResult r = run_attnscope("pe --help");
  EXPECT_EQ(r.code, 0);
  for (const char* k : {"sinusoidal", "sinusoidal_t2t", "geometric", "learned", "rope", "alibi", "t5", "shaw", "--format"})
    EXPECT_NE(r.out.find(k), std::string::npos) << k;
}

TEST(CliPe, SinusoidalTablesInBothLayoutsAndTheGeometricVariant) {
  json j = run_json("pe --kind sinusoidal --length 6 --dim 4");
  ASSERT_EQ(j["table"].size(), 6u);
  ASSERT_EQ(j["table"][0].size(), 4u);
  EXPECT_NEAR(j["table"][1][0].get<double>(), std::sin(1.0), 1e-6);
  EXPECT_NEAR(j["table"][1][1].get<double>(), std::cos(1.0), 1e-6);
  EXPECT_NEAR(j["table"][5][2].get<double>(), std::sin(0.05), 1e-6);  // 5 / 10000^(2/4)
  j = run_json("pe --kind sinusoidal_t2t --length 6 --dim 4 --base 100");
  EXPECT_NEAR(j["table"][5][1].get<double>(), std::sin(0.5), 1e-6);  // sines first: 5 / 100^(2/4)
  EXPECT_NEAR(j["table"][5][2].get<double>(), std::cos(5.0), 1e-6);
  j = run_json("pe --kind geometric --length 4 --dim 6 --offset 1");
  EXPECT_NEAR(j["table"][2][2].get<double>(), std::sin(1.5), 1e-6);  // position 3, k = 1
  EXPECT_NEAR(j["table"][2][5].get<double>(), std::cos(0.75), 1e-6);
  EXPECT_NE(j["formula"].get<std::string>().find("2^k"), std::string::npos);
}

TEST(CliPe, LearnedTableIsSeededAndRope) {
  const json a = run_json("pe --kind learned --length 5 --dim 3 --seed 4");
  const json b = run_json("pe --kind learned --length 5 --dim 3 --seed 4");
  const json c = run_json("pe --kind learned --length 5 --dim 3 --seed 5");
  EXPECT_EQ(a["table"], b["table"]);
  EXPECT_NE(a["table"], c["table"]);
  const json r = run_json("pe --kind rope --length 4 --dim 8 --rotary-fraction 0.5 --layout rotate_half");
  EXPECT_EQ(r["rotary_dim"], 4);
  ASSERT_EQ(r["angles"].size(), 4u);
  ASSERT_EQ(r["angles"][0].size(), 2u);
  EXPECT_DOUBLE_EQ(r["angles"][3][0].get<double>(), 3.0);
  EXPECT_NEAR(r["angles"][3][1].get<double>(), 3.0 / 100.0, 1e-12);
  EXPECT_EQ(r["layout"], "rotate_half");
}

TEST(CliPe, AlibiBiasPerHeadWithTheSlopes) {
  const json j = run_json("pe --kind alibi --length 4 --heads 8");
  ASSERT_EQ(j["slopes"].size(), 8u);
  for (int h = 0; h < 8; ++h) EXPECT_EQ(j["slopes"][h].get<double>(), std::ldexp(1.0, -(h + 1)));
  ASSERT_EQ(j["bias"].size(), 8u);
  EXPECT_DOUBLE_EQ(j["bias"][0][3][1].get<double>(), -1.0);  // -(1/2) * (3 - 1)
  EXPECT_DOUBLE_EQ(j["bias"][0][1][3].get<double>(), 0.0);   // causal form: future keys 0
  const json bi = run_json("pe --kind alibi --length 4 --heads 6 --bidirectional");
  EXPECT_DOUBLE_EQ(bi["slopes"][4].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(bi["bias"][4][1][3].get<double>(), -1.0);
}

TEST(CliPe, T5BucketsAndShawDistances) {
  const json j = run_json("pe --kind t5 --length 20 --heads 2 --bidirectional --seed 1");
  ASSERT_EQ(j["buckets"].size(), 20u);
  EXPECT_EQ(j["buckets"][19][0], 10);  // key 19 before: 8 + floor(log(19/8) / log(16) * 8) = 8 + 2
  EXPECT_EQ(j["buckets"][0][19], 26);  // 19 after: 16 + 10
  ASSERT_EQ(j["bias"].size(), 2u);
  EXPECT_EQ(j["bias"][1][19][0], j["table"][1][10]);
  const json s = run_json("pe --kind shaw --length 6 --dim 2 --clip 2");
  EXPECT_EQ(s["distance"][0][5], 2);
  EXPECT_EQ(s["distance"][5][0], -2);
  EXPECT_EQ(s["distance"][3][2], -1);
  EXPECT_EQ(s["aK"].size(), 5u);
}

TEST(CliPe, CsvHasAHeaderAndOneLinePerRow) {
  RunResult r = run_attnscope("pe --kind sinusoidal --length 3 --dim 2 --format csv");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.substr(0, r.out.find('\n')), "position,d0,d1");
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 4);
  EXPECT_NE(r.out.find("\n1,0.841470957,0.540302277\n"), std::string::npos) << r.out;
  r = run_attnscope("pe --kind alibi --length 3 --heads 2 --format csv");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.substr(0, r.out.find('\n')), "head,query,key0,key1,key2");
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 7);
  EXPECT_NE(r.out.find("\n1,2,-0.0078125,-0.00390625,0\n"), std::string::npos) << r.out;
}

TEST(CliPe, WritesTheOutputFile) {
  TempDir dir;
  const RunResult r = run_attnscope("pe --kind rope --length 3 --dim 4 --output '" + dir.file("rope.json") + "'");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(r.out.empty());
  EXPECT_EQ(json::parse(slurp(dir.file("rope.json")))["encoding"], "rope");
}

struct BadPe {
  const char* name;
  std::string args;
  const char* field;
};

class CliPeBadInput : public ::testing::TestWithParam<BadPe> {};

TEST_P(CliPeBadInput, OneLineExitTwoNoOutput) {
  const BadPe& b = GetParam();
  TempDir dir;
  const RunResult r = run_attnscope("pe " + b.args + " --output '" + dir.file("out.json") + "'");
  EXPECT_EQ(r.code, 2) << b.name;
  EXPECT_NE(r.err.find(b.field), std::string::npos) << b.name << ": " << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir.file("out.json"))) << b.name;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, CliPeBadInput,
    ::testing::Values(BadPe{"odd_sinusoidal", "--kind sinusoidal --length 4 --dim 5", "--dim"},
                      BadPe{"odd_t2t", "--kind sinusoidal_t2t --length 4 --dim 3", "--dim"},
                      BadPe{"odd_rope", "--kind rope --length 4 --dim 7", "--dim"},
                      BadPe{"rope_fraction", "--kind rope --length 4 --dim 8 --rotary-fraction 0.2", "--rotary-fraction"},
                      BadPe{"rope_layout", "--kind rope --length 4 --dim 8 --layout diagonal", "--layout"},
                      BadPe{"unknown_kind", "--kind wavelet --length 4 --dim 4", "--kind"},
                      BadPe{"no_dim", "--kind sinusoidal --length 4", "--dim"},
                      BadPe{"zero_length", "--kind alibi --length 0", "--length"},
                      BadPe{"learned_past_end", "--kind learned --length 8 --dim 2 --max-len 6", "past the learned table"},
                      BadPe{"bad_format", "--kind alibi --length 3 --format xml", "--format"},
                      BadPe{"t5_odd_buckets", "--kind t5 --length 3 --bidirectional --num-buckets 7", "--num-buckets"},
                      BadPe{"bad_base", "--kind sinusoidal --length 3 --dim 2 --base -1", "--base"},
                      BadPe{"missing_kind", "--length 3", "kind"},
                      BadPe{"non_numeric_length", "--kind alibi --length many", "length"}),
    [](const ::testing::TestParamInfo<BadPe>& info) { return std::string(info.param.name); });

// --- compute -------------------------------------------------------------------------------------

std::string random_case(const std::string& mode, const std::string& extra) {
  const bool proj = mode == "projection";
  return R"({"config": {"mode": ")" + mode + R"(", "H": 2, "N": 4, "dk": 4, "dv": 2)" + (proj ? R"(, "D": 6)" : "") +
         extra + R"(}, "inputs": {"random": {"seed": 3}}, "loss": {"kind": "cell", "head": 1, "row": 3, "col": 1}})";
}

struct KindCase {
  const char* name;
  std::string mode, extra;
  std::vector<std::string> head_keys, grad_keys, top_grad_keys, positional_keys;
};

class CliComputeKinds : public ::testing::TestWithParam<KindCase> {};

TEST_P(CliComputeKinds, ReportsTheNewIntermediatesAndGradients) {
  const KindCase& k = GetParam();
  const RunResult r = run_attnscope("compute --input -", random_case(k.mode, k.extra));
  ASSERT_EQ(r.code, 0) << k.name << ": " << r.err;
  const json j = json::parse(r.out);
  for (const auto& key : k.head_keys) EXPECT_TRUE(j["heads"][1].contains(key)) << k.name << " heads[1]." << key;
  for (const auto& key : k.grad_keys) EXPECT_TRUE(j["heads"][1]["grad"].contains(key)) << k.name << " grad." << key;
  for (const auto& key : k.top_grad_keys) EXPECT_TRUE(j["grad"].contains(key)) << k.name << " top grad." << key;
  for (const auto& key : k.positional_keys) EXPECT_TRUE(j["positional"].contains(key)) << k.name << " positional." << key;
  EXPECT_TRUE(j["loss"]["value"].is_number());
  // The config echoes the settings so the result can be read on its own.
  if (k.extra.find("positional") != std::string::npos) EXPECT_TRUE(j["config"].contains("positional")) << k.name;
  if (k.extra.find("score") != std::string::npos) EXPECT_TRUE(j["config"].contains("score")) << k.name;
}

INSTANTIATE_TEST_SUITE_P(
    Kinds, CliComputeKinds,
    ::testing::Values(
        KindCase{"sinusoidal", "projection", R"(, "positional": "sinusoidal")", {"pe_terms"}, {"dWq"}, {"dX"}, {"pe"}},
        KindCase{"sinusoidal_t2t_concat", "projection", R"(, "positional": {"kind": "sinusoidal_t2t", "combine": "concat", "dim": 2})",
                 {"pe_terms"}, {"dWq"}, {"dX"}, {"pe"}},
        KindCase{"geometric", "projection", R"(, "positional": "geometric")", {"pe_terms"}, {}, {}, {"pe"}},
        KindCase{"learned", "projection", R"(, "positional": {"kind": "learned", "offset": 2})", {"pe_terms"}, {}, {"dpe_table"}, {"pe"}},
        KindCase{"rope", "direct", R"(, "positional": {"kind": "rope", "layout": "rotate_half"})", {"rope_Q", "rope_K"}, {"dQ"}, {},
                 {"rotary_dim"}},
        KindCase{"alibi", "direct", R"(, "positional": "alibi", "mask": "causal")", {"bias"}, {}, {}, {"alibi_slopes"}},
        KindCase{"t5", "direct", R"(, "positional": {"kind": "t5", "bidirectional": true})", {"bias"}, {}, {"dt5_table"}, {"t5_buckets"}},
        KindCase{"shaw", "direct", R"(, "positional": {"kind": "shaw", "clip": 1})", {"shaw_scores"}, {"dshaw_aK", "dshaw_aV"}, {},
                 {"shaw_distance"}},
        KindCase{"dot", "direct", R"(, "score": "dot")", {}, {"dQ"}, {}, {}},
        KindCase{"general", "direct", R"(, "score": "general")", {}, {"dW_score"}, {}, {}},
        KindCase{"additive", "direct", R"(, "score": {"kind": "additive", "dim": 3})", {}, {"dWq_score", "dWk_score", "dv_score"}, {}, {}},
        KindCase{"cosine", "direct", R"(, "score": "cosine", "scale": 5)", {}, {"dQ"}, {}, {}}),
    [](const ::testing::TestParamInfo<KindCase>& info) { return std::string(info.param.name); });

TEST(CliCompute, DefaultsAreUnchangedWithoutPositionalOrScore) {
  const RunResult r = run_attnscope("compute --input -", random_case("direct", ""));
  ASSERT_EQ(r.code, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_FALSE(j.contains("positional"));
  EXPECT_FALSE(j["config"].contains("positional"));
  EXPECT_FALSE(j["config"].contains("score"));
  EXPECT_NEAR(j["scale"].get<double>(), 0.5, 1e-7);  // 1/sqrt(dk = 4)
  EXPECT_FALSE(j["heads"][0].contains("bias"));
}

struct BadCase {
  const char* name;
  std::string text;
  const char* field;
};

class CliComputePeBadInput : public ::testing::TestWithParam<BadCase> {};

TEST_P(CliComputePeBadInput, OneLineExitTwoNoOutput) {
  const BadCase& b = GetParam();
  TempDir dir;
  write_text(dir.file("case.json"), b.text);
  const RunResult r = run_attnscope("compute --input '" + dir.file("case.json") + "' --output '" + dir.file("out.json") + "'");
  EXPECT_EQ(r.code, 2) << b.name;
  EXPECT_EQ(r.err.find("attnscope: error: " + std::string(b.field)), 0u) << b.name << ": " << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir.file("out.json"))) << b.name;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, CliComputePeBadInput,
    ::testing::Values(
        BadCase{"sinusoidal_odd_D", random_case("projection", R"(, "D": 5, "positional": "sinusoidal")"), "config.D"},
        BadCase{"concat_odd_dim", random_case("projection", R"(, "positional": {"kind": "geometric", "combine": "concat", "dim": 3})"),
                "config.positional.dim"},
        BadCase{"absolute_in_direct_mode", random_case("direct", R"(, "positional": "learned")"), "config.positional.kind"},
        BadCase{"rope_odd_dk", random_case("direct", R"(, "dk": 5, "positional": "rope")"), "config.dk"},
        BadCase{"rope_fraction", random_case("direct", R"(, "positional": {"kind": "rope", "rotary_fraction": 1.5})"),
                "config.positional.rotary_fraction"},
        BadCase{"rope_layout", random_case("direct", R"(, "positional": {"kind": "rope", "layout": "spiral"})"),
                "config.positional.layout"},
        BadCase{"unknown_kind", random_case("direct", R"(, "positional": "fourier")"), "config.positional.kind"},
        BadCase{"unknown_field", random_case("direct", R"(, "positional": {"kind": "alibi", "slope": 2})"), "config.positional.slope"},
        BadCase{"unknown_score", random_case("direct", R"(, "score": "bilinear")"), "config.score.kind"},
        BadCase{"dot_with_scale", random_case("direct", R"(, "score": "dot", "scale": "inv_dk")"), "config.scale"},
        BadCase{"shaw_with_additive", random_case("direct", R"(, "positional": "shaw", "score": "additive")"), "config.score.kind"},
        BadCase{"learned_past_end",
                R"({"config": {"mode": "projection", "positional": {"kind": "learned"}}, "inputs": {"X": [[1, 0], [0, 1], [1, 1]],
                    "Wq": [[[1], [0]]], "Wk": [[[1], [0]]], "Wv": [[[1], [0]]], "Wo": [[1, 1]], "pe_table": [[0, 0], [1, 1]]}})",
                "inputs.pe_table"},
        BadCase{"t5_table_shape",
                R"({"config": {"positional": "t5"}, "inputs": {"Q": [[[1]]], "K": [[[1]]], "V": [[[1]]], "t5_table": [[1, 2, 3]]}})",
                "inputs.t5_table"},
        BadCase{"missing_W_score", R"({"config": {"score": "general"}, "inputs": {"Q": [[[1]]], "K": [[[1]]], "V": [[[1]]]}})",
                "inputs.W_score"},
        BadCase{"shaw_aV_shape",
                R"({"config": {"positional": {"kind": "shaw", "clip": 1}}, "inputs": {"Q": [[[1]]], "K": [[[1]]], "V": [[[1]]],
                    "shaw_aK": [[[1], [2], [3]]], "shaw_aV": [[[1], [2]]]}})",
                "inputs.shaw_aV[0]"}),
    [](const ::testing::TestParamInfo<BadCase>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace attn::testing
