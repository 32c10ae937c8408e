// Goldens of the positional encodings and score functions against PyTorch (float64, autograd):
// tests/fixtures/pe/, made by tests/fixtures/gen_pe_goldens.py.
//   tables.json  sinusoidal (both layouts), geometric, ALiBi slopes (1..16 heads) and biases, T5
//                buckets for distances -300..300 (four settings), RoPE forward and backward
//   scores.json  every score function's S and its gradients to Q, K and its parameters
//   NAME.case.json / NAME.expected.json  a whole case through `compute` (run_attention +
//                result_to_json): every tensor and gradient the expected file lists, including
//                the positional intermediates, the four terms and the parameter gradients.
// Tolerance: |ours - ref| <= 1e-5 + 1e-4 |ref| (DESIGN.md).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/io/case_json.h"
#include "engine/io/result_json.h"
#include "engine/ops/positional_absolute.h"
#include "engine/ops/relative_bias.h"
#include "engine/ops/rope.h"
#include "engine/ops/scores.h"
#include "engine/sandbox/multihead.h"
#include "tests/engine/test_util.h"

namespace attn {
namespace {

namespace fs = std::filesystem;
const fs::path kDir = fs::path(ATTNSCOPE_FIXTURES) / "pe";

json load(const std::string& name) {
  std::ifstream in(kDir / name, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << (kDir / name);
  std::stringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str());
}

MatRM mat(const json& j) { return matrix_from_json(j, "fixture"); }

// Walks `ref` and compares every number and null with the same path in `ours`.
struct TreeCompare {
  int leaves = 0, bad = 0;
  void run(const json& ours, const json& ref, const std::string& path) {
    if (ref.is_object()) {
      for (auto it = ref.begin(); it != ref.end(); ++it) {
        if (!ours.is_object() || !ours.contains(it.key())) {
          if (++bad <= 10) ADD_FAILURE() << path << "." << it.key() << " is missing from our result";
          continue;
        }
        run(ours.at(it.key()), it.value(), path + "." + it.key());
      }
    } else if (ref.is_array()) {
      if (!ours.is_array() || ours.size() != ref.size()) {
        if (++bad <= 10) ADD_FAILURE() << path << ": expected an array of " << ref.size() << ", got " << ours.dump().substr(0, 80);
        return;
      }
      for (size_t k = 0; k < ref.size(); ++k) run(ours[k], ref[k], path + "[" + std::to_string(k) + "]");
    } else if (ref.is_null()) {
      ++leaves;
      if (!ours.is_null() && ++bad <= 10) ADD_FAILURE() << path << ": expected null (a masked cell), got " << ours;
    } else if (ref.is_number()) {
      ++leaves;
      const double r = ref.get<double>();
      if (!ours.is_number()) {
        if (++bad <= 10) ADD_FAILURE() << path << ": expected " << r << ", got " << ours;
        return;
      }
      const double g = ours.get<double>();
      if (!(std::abs(g - r) <= 1e-5 + 1e-4 * std::abs(r)) && ++bad <= 10)
        ADD_FAILURE() << path << " = " << g << ", expected " << r;
    }
  }
};

std::vector<std::string> case_names() {
  std::vector<std::string> names;
  const std::string suffix = ".case.json";
  for (const auto& e : fs::directory_iterator(kDir)) {
    const std::string f = e.path().filename().string();
    if (f.size() > suffix.size() && f.compare(f.size() - suffix.size(), suffix.size(), suffix) == 0)
      names.push_back(f.substr(0, f.size() - suffix.size()));
  }
  std::sort(names.begin(), names.end());
  return names;
}

TEST(PeGoldens, EveryCaseMatchesTorchForwardAndGradients) {
  const std::vector<std::string> names = case_names();
  ASSERT_GE(names.size(), 20u) << "fixtures missing in " << kDir;
  for (const std::string& name : names) {
    SCOPED_TRACE(name);
    const json cj = load(name + ".case.json"), expected = load(name + ".expected.json");
    const AttentionCase cs = case_from_json(cj);
    const AttentionResult r = run_attention(cs, true);
    const json ours = result_to_json(cs, r);
    TreeCompare cmp;
    cmp.run(ours, expected, name);
    EXPECT_EQ(cmp.bad, 0) << name;
    EXPECT_GT(cmp.leaves, 50) << name << ": too little compared";
  }
}

TEST(PeGoldens, EncodingTables) {
  const json t = load("tables.json");
  for (const char* key : {"sinusoidal", "sinusoidal_base100_offset", "sinusoidal_t2t", "geometric"}) {
    const json& e = t.at(key);
    MatRM P;
    const std::string k = key;
    if (k == "geometric")
      pe_geometric_forward(P, e["pos0"], e["N"], e["d"]);
    else if (k == "sinusoidal_t2t")
      pe_sinusoidal_t2t_forward(P, e["pos0"], e["N"], e["d"], e["base"]);
    else
      pe_sinusoidal_forward(P, e["pos0"], e["N"], e["d"], e["base"]);
    expect_close(P, mat(e["table"]), key);
  }
  for (int H = 1; H <= 16; ++H) {
    const std::vector<double> ref = t["alibi_slopes"][std::to_string(H)].get<std::vector<double>>();
    const std::vector<double> ours = alibi_slopes(H);
    ASSERT_EQ(ours.size(), ref.size());
    for (int h = 0; h < H; ++h) EXPECT_NEAR(ours[h], ref[h], 1e-8 * ref[h]) << "H " << H << " head " << h;
  }
  const json& ab = t["alibi_bias"];
  MatRM B;
  alibi_bias_forward(B, ab["N"], ab["M"], ab["slope"], false);
  expect_close(B, mat(ab["causal"]), "alibi causal");
  alibi_bias_forward(B, ab["N"], ab["M"], ab["slope"], true);
  expect_close(B, mat(ab["bidirectional"]), "alibi bidirectional");
}

TEST(PeGoldens, T5BucketsOfSixHundredDistances) {
  const json t = load("tables.json")["t5_buckets"];
  const std::vector<int> rels = t["rel"].get<std::vector<int>>();
  ASSERT_EQ(t["configs"].size(), 4u);
  for (const json& c : t["configs"]) {
    T5Params p;
    p.bidirectional = c["bidirectional"];
    p.num_buckets = c["num_buckets"];
    p.max_distance = c["max_distance"];
    const std::vector<int> ref = c["buckets"].get<std::vector<int>>();
    int bad = 0;
    for (size_t k = 0; k < rels.size(); ++k)
      if (t5_bucket(rels[k], p) != ref[k] && ++bad <= 5)
        ADD_FAILURE() << "rel " << rels[k] << ": " << t5_bucket(rels[k], p) << ", expected " << ref[k];
    EXPECT_EQ(bad, 0);
  }
}

TEST(PeGoldens, RopeForwardAndBackward) {
  const json t = load("tables.json")["rope"];
  ASSERT_EQ(t.size(), 4u);
  for (const json& e : t) {
    RopeParams p;
    p.base = e["base"];
    p.layout = e["layout"] == "interleaved" ? RopeLayout::Interleaved : RopeLayout::RotateHalf;
    const MatRM x = mat(e["x"]), dy = mat(e["dy"]);
    p.rotary_dim = int(std::floor(e["rotary_fraction"].get<double>() * x.cols()));
    MatRM y, dx;
    rope_forward(y, x, e["pos0"], p);
    rope_backward(dx, dy, e["pos0"], p);
    const std::string what = e["layout"].get<std::string>() + " r=" + std::to_string(p.rotary_dim);
    expect_close(y, mat(e["y"]), what + " y");
    expect_close(dx, mat(e["dx"]), what + " dx");
  }
}

TEST(PeGoldens, ScoreFunctionsForwardAndGradients) {
  const json s = load("scores.json");
  const json& in = s["inputs"];
  const MatRM Q = mat(in["Q"]), K = mat(in["K"]), W = mat(in["W"]), Wq = mat(in["Wq"]), Wk = mat(in["Wk"]),
              dS = mat(in["dS"]);
  const RowVec v = rowvec_from_json(in["v"], "v");
  ScoreWeights w;
  w.W = &W;
  w.Wq = &Wq;
  w.Wk = &Wk;
  w.v = &v;
  const std::pair<const char*, ScoreKind> kinds[] = {
      {"dot", ScoreKind::Dot}, {"general", ScoreKind::General}, {"additive", ScoreKind::Additive}, {"cosine", ScoreKind::Cosine}};
  for (auto [name, kind] : kinds) {
    const json& e = s["kinds"][name];
    MatRM S;
    ScoreCache c;
    ScoreGrads g;
    score_forward(S, c, kind, Q, K, w);
    score_backward(g, dS, kind, Q, K, w, c);
    const std::string n = name;
    expect_close(S, mat(e["S"]), n + " S");
    expect_close(g.dQ, mat(e["dQ"]), n + " dQ");
    expect_close(g.dK, mat(e["dK"]), n + " dK");
    if (kind == ScoreKind::General) expect_close(g.dW, mat(e["dW"]), "dW");
    if (kind == ScoreKind::Additive) {
      expect_close(g.dWq, mat(e["dWq"]), "dWq");
      expect_close(g.dWk, mat(e["dWk"]), "dWk");
      expect_close(g.dv, MatRM(rowvec_from_json(e["dv"], "dv")), "dv");
    }
  }
}

}  // namespace
}  // namespace attn
