// End-to-end goldens of the attention engine against PyTorch: every forward tensor, the loss and
// every gradient of each case in tests/fixtures/attention/ (NAME.case.json, NAME.expected.json,
// made by tests/fixtures/gen_attention_goldens.py with torch autograd in float64). Plus, on the
// same cases, the per-head reference twins (attention_forward_ref / attention_backward_ref)
// against the fast path.
// Legend: N queries, M keys, H heads, D model width, dk, dv.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "engine/io/case_json.h"
#include "engine/ops/attention.h"
#include "engine/sandbox/loss.h"
#include "engine/sandbox/multihead.h"
#include "tests/engine/test_util.h"

namespace attn {
namespace {

namespace fs = std::filesystem;

const fs::path kGoldenDir = fs::path(ATTNSCOPE_FIXTURES) / "attention";
constexpr const char* kCaseSuffix = ".case.json";

// Names of every NAME.case.json in the golden folder, sorted.
std::vector<std::string> golden_case_names() {
  std::vector<std::string> names;
  std::error_code ec;
  if (!fs::is_directory(kGoldenDir, ec)) return names;
  const std::string suffix = kCaseSuffix;
  for (const auto& e : fs::directory_iterator(kGoldenDir)) {
    const std::string f = e.path().filename().string();
    if (f.size() > suffix.size() && f.compare(f.size() - suffix.size(), suffix.size(), suffix) == 0)
      names.push_back(f.substr(0, f.size() - suffix.size()));
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << p;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Golden {
  AttentionCase cs;
  json expected;
};

Golden load_golden(const std::string& name) {
  Golden g;
  g.cs = case_from_text(read_text(kGoldenDir / (name + kCaseSuffix)), name + kCaseSuffix);
  g.expected = json::parse(read_text(kGoldenDir / (name + ".expected.json")));
  return g;
}

// A JSON matrix (array of rows) or vector (array of numbers, read as one row). Null cells are
// recorded in `null_cells` (1 = null) and read as 0.
MatRM json_to_matrix(const json& j, MaskM& null_cells, const std::string& what) {
  EXPECT_TRUE(j.is_array()) << what << " is not an array";
  if (!j.is_array() || j.empty()) {
    null_cells.resize(0, 0);
    return MatRM(0, 0);
  }
  const bool is_vector = !j[0].is_array();
  const long rows = is_vector ? 1 : long(j.size());
  const long cols = is_vector ? long(j.size()) : long(j[0].size());
  MatRM m = MatRM::Zero(rows, cols);
  null_cells = MaskM::Zero(rows, cols);
  for (long i = 0; i < rows; ++i) {
    const json& row = is_vector ? j : j[i];
    EXPECT_EQ(long(row.size()), cols) << what << " row " << i;
    for (long c = 0; c < cols && c < long(row.size()); ++c) {
      if (row[c].is_null())
        null_cells(i, c) = 1;
      else
        m(i, c) = row[c].get<float>();
    }
  }
  return m;
}

// Compares one of our tensors with the expected JSON. Null cells mean "masked": they are only
// allowed where `allowed` is given (the logits), and there they must coincide exactly with the
// masked cells (allowed == 0).
void compare_tensor(const MatRM& ours, const json& ref_json, const std::string& what, const MaskM* allowed = nullptr) {
  MaskM null_cells;
  MatRM ref = json_to_matrix(ref_json, null_cells, what);
  ASSERT_EQ(ours.rows(), ref.rows()) << what;
  ASSERT_EQ(ours.cols(), ref.cols()) << what;
  if (allowed) {
    ASSERT_EQ(allowed->rows(), ref.rows()) << what;
    ASSERT_EQ(allowed->cols(), ref.cols()) << what;
  }
  int null_mismatch = 0;
  for (long i = 0; i < ref.rows(); ++i)
    for (long c = 0; c < ref.cols(); ++c) {
      const bool masked = allowed && (*allowed)(i, c) == 0;
      if (null_cells(i, c) != uint8_t(masked)) {
        if (++null_mismatch <= 5)
          ADD_FAILURE() << what << "[" << i << "][" << c << "]: expected "
                        << (null_cells(i, c) ? "a masked cell (null)" : "a value") << ", our mask says "
                        << (masked ? "masked" : "allowed");
      }
      if (null_cells(i, c)) ref(i, c) = ours(i, c);  // masked: no value to compare
    }
  EXPECT_EQ(null_mismatch, 0) << what << ": masked cells differ";
  expect_close(ours, ref, what);
}

void compare_scalar(double ours, const json& ref_json, const std::string& what) {
  ASSERT_TRUE(ref_json.is_number()) << what << " is not a number in the expected file";
  MatRM a(1, 1), b(1, 1);
  a(0, 0) = float(ours);
  b(0, 0) = ref_json.get<float>();
  expect_close(a, b, what);
}

MatRM as_matrix(const RowVec& v) { return MatRM(v); }

// Metadata of the expected file that carries no tensor.
bool is_metadata(const std::string& key) {
  return key == "schema_version" || key == "kind" || key == "name" || key == "about" || key == "config" ||
         key == "tokens" || key == "head";
}

// Runs every comparison listed in `obj` through `lookup` (key -> our tensor); an expected key that
// we do not know how to compare is a failure, so nothing in the golden goes unchecked.
using TensorLookup = std::function<bool(const std::string& key, MatRM& out)>;
using ScalarLookup = std::function<bool(const std::string& key, double& out)>;

int compare_object(const json& obj, const std::string& prefix, const TensorLookup& tensor, const ScalarLookup& scalar,
                   const MaskM& allowed) {
  int compared = 0;
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    const std::string key = it.key();
    if (is_metadata(key) || key == "grad" || key == "heads" || key == "loss") continue;
    const std::string what = prefix + key;
    MatRM ours;
    double s = 0.0;
    if (it->is_number() && scalar(key, s)) {
      compare_scalar(s, *it, what);
    } else if (it->is_array() && tensor(key, ours)) {
      compare_tensor(ours, *it, what, key == "logits" ? &allowed : nullptr);
    } else {
      ADD_FAILURE() << what << " is in the expected file but the test cannot compare it";
      continue;
    }
    ++compared;
  }
  return compared;
}

class GoldenAttention : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenAttention, MatchesTorch) {
  const std::string name = GetParam();
  Golden g;
  ASSERT_NO_THROW(g = load_golden(name)) << name;
  const AttentionCase& cs = g.cs;
  const AttentionConfig& c = cs.config;
  const json& ex = g.expected;
  ASSERT_EQ(ex.at("schema_version").get<int>(), kSchemaVersion);
  ASSERT_NE(cs.loss.kind, LossKind::None) << "every golden case has a loss, so every gradient is checked";

  AttentionResult r;
  ASSERT_NO_THROW(r = run_attention(cs, true)) << name;
  ASSERT_TRUE(r.has_grads);

  // Top level: scale, mask, output, Z.
  const MatRM allowed_f = r.allowed.cast<float>();
  int compared = compare_object(
      ex, "",
      [&](const std::string& k, MatRM& out) {
        if (k == "mask") out = allowed_f;
        else if (k == "output") out = r.O;
        else if (k == "Z") out = r.Z;
        else return false;
        return true;
      },
      [&](const std::string& k, double& out) {
        if (k != "scale") return false;
        out = r.scale;
        return true;
      },
      r.allowed);

  // Loss value.
  ASSERT_TRUE(ex.contains("loss") && ex.at("loss").contains("value")) << "the expected file has no loss value";
  EXPECT_EQ(ex.at("loss").at("kind").get<std::string>(), loss_kind_name(cs.loss.kind));
  compare_scalar(r.loss, ex.at("loss").at("value"), "loss.value");

  // Per head: forward tensors, then gradients.
  const json& heads = ex.at("heads");
  ASSERT_EQ(int(heads.size()), c.H);
  for (int h = 0; h < c.H; ++h) {
    const HeadResult& hr = r.heads[h];
    const json& hj = heads[h];
    const std::string hp = "heads[" + std::to_string(h) + "].";
    compared += compare_object(
        hj, hp,
        [&](const std::string& k, MatRM& out) {
          if (k == "Q") out = hr.Q;
          else if (k == "K") out = hr.K;
          else if (k == "V") out = hr.V;
          else if (k == "scores_raw") out = hr.cache.S;
          else if (k == "scores") out = r.scale * hr.cache.S;
          else if (k == "bias" && !cs.tensors.bias.empty()) out = cs.tensors.bias[h];
          else if (k == "logits") out = hr.cache.L;
          else if (k == "weights") out = hr.cache.A;
          else if (k == "output") out = col_block(r.O, long(h) * c.dv, c.dv);
          else return false;
          return true;
        },
        [](const std::string&, double&) { return false; }, r.allowed);
    ASSERT_TRUE(hj.contains("grad")) << hp << "grad is missing";
    compared += compare_object(
        hj.at("grad"), hp + "grad.",
        [&](const std::string& k, MatRM& out) {
          if (k == "dQ") out = hr.grad.dQ;
          else if (k == "dK") out = hr.grad.dK;
          else if (k == "dV") out = hr.grad.dV;
          else if (k == "dA") out = hr.grad.dA;
          else if (k == "dS") out = hr.grad.dL;
          else if (k == "dWq") out = hr.dWq;
          else if (k == "dWk") out = hr.dWk;
          else if (k == "dWv") out = hr.dWv;
          else if (k == "dbq") out = as_matrix(hr.dbq);
          else if (k == "dbk") out = as_matrix(hr.dbk);
          else if (k == "dbv") out = as_matrix(hr.dbv);
          else return false;
          return true;
        },
        [&](const std::string& k, double& out) {
          if (k == "dtau") out = hr.grad.dtau;
          else if (k == "dscale") out = hr.grad.dscale;
          else return false;
          return true;
        },
        r.allowed);
  }

  // Gradients of the whole layer.
  ASSERT_TRUE(ex.contains("grad")) << "grad is missing";
  compared += compare_object(
      ex.at("grad"), "grad.",
      [&](const std::string& k, MatRM& out) {
        if (k == "dZ") out = r.dZ;
        else if (k == "dO") out = r.dO;
        else if (k == "dX") out = r.dX;
        else if (k == "dY") out = r.dY;
        else if (k == "dWo") out = r.dWo;
        else if (k == "dbo") out = as_matrix(r.dbo);
        else return false;
        return true;
      },
      [&](const std::string& k, double& out) {
        if (k == "dtau") out = r.dtau;
        else if (k == "dscale") out = r.dscale;
        else return false;
        return true;
      },
      r.allowed);

  // Per head at least Q K V S s*S logits A O dQ dK dV dA dS dtau dscale; plus mask, output, dO, dtau, dscale.
  EXPECT_GE(compared, 15 * c.H + 5) << "too few tensors compared";
}

std::string case_label(const ::testing::TestParamInfo<std::string>& info) {
  std::string s = info.param;
  for (char& ch : s)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return s;
}

INSTANTIATE_TEST_SUITE_P(Torch, GoldenAttention, ::testing::ValuesIn(golden_case_names()), case_label);

TEST(GoldenAttentionFixtures, AtLeastFourteenCases) {
  const auto names = golden_case_names();
  EXPECT_GE(names.size(), 14u) << "golden folder " << kGoldenDir << " has " << names.size() << " cases";
  for (const auto& n : names)
    EXPECT_TRUE(fs::exists(kGoldenDir / (n + ".expected.json"))) << n << " has no expected file";
}

// The reference twins, per head, on the very inputs of each golden case, against the fast path.
class GoldenReferenceTwins : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenReferenceTwins, FastMatchesReference) {
  const std::string name = GetParam();
  Golden g;
  ASSERT_NO_THROW(g = load_golden(name)) << name;
  const AttentionCase& cs = g.cs;
  const AttentionConfig& c = cs.config;
  AttentionResult r;
  ASSERT_NO_THROW(r = run_attention(cs, true)) << name;
  // The loss's own gradients on A and on the logits (cross-entropy), as multihead_backward uses them.
  LossGrads lg;
  loss_forward_backward(lg, cs.loss, c, r);
  for (int h = 0; h < c.H; ++h) {
    const HeadResult& hr = r.heads[h];
    const std::string hp = "head " + std::to_string(h) + " ";
    AttentionParams p;
    p.scale = r.scale;
    p.tau = c.tau;
    p.axis = c.axis;
    p.allowed = &r.allowed;
    p.bias = cs.tensors.bias.empty() ? nullptr : &cs.tensors.bias[h];
    AttentionCache ref;
    MatRM O_ref;
    attention_forward_ref(ref, O_ref, hr.Q, hr.K, hr.V, p);
    expect_close(hr.cache.S, ref.S, hp + "S");
    expect_close(hr.cache.L, ref.L, hp + "L");
    expect_close(hr.cache.A, ref.A, hp + "A");
    expect_close(MatRM(col_block(r.O, long(h) * c.dv, c.dv)), O_ref, hp + "O");

    const MatRM dO = col_block(r.dO, long(h) * c.dv, c.dv);
    const MatRM* dA_extra = lg.dA_extra.empty() || lg.dA_extra[h].size() == 0 ? nullptr : &lg.dA_extra[h];
    const MatRM* dL_extra = lg.dL_extra.empty() || lg.dL_extra[h].size() == 0 ? nullptr : &lg.dL_extra[h];
    AttentionGrads gr;
    attention_backward_ref(gr, dO, dA_extra, dL_extra, hr.Q, hr.K, hr.V, ref, p);
    expect_close(hr.grad.dQ, gr.dQ, hp + "dQ");
    expect_close(hr.grad.dK, gr.dK, hp + "dK");
    expect_close(hr.grad.dV, gr.dV, hp + "dV");
    expect_close(hr.grad.dA, gr.dA, hp + "dA");
    expect_close(hr.grad.dL, gr.dL, hp + "dL");
    MatRM a(1, 2), b(1, 2);
    a << hr.grad.dtau, hr.grad.dscale;
    b << gr.dtau, gr.dscale;
    expect_close(a, b, hp + "(dtau, dscale)");
  }
}

INSTANTIATE_TEST_SUITE_P(Torch, GoldenReferenceTwins, ::testing::ValuesIn(golden_case_names()), case_label);

}  // namespace
}  // namespace attn
