// safetensors and GPT-2 model folders: round trips, F16/BF16 conversion, and every bad file the
// issue lists gets an InputError naming the file and the problem (never a crash).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "engine/core/error.h"
#include "engine/io/safetensors.h"
#include "engine/model/gpt2_load.h"
#include "tests/engine/gpt2_test_util.h"

namespace attn {
namespace {

using json = nlohmann::json;

// A file from a header object and a data section.
std::string make_file(const json& header, const std::string& data) {
  const std::string h = header.dump();
  std::string out(8, '\0');
  const uint64_t n = h.size();
  for (int i = 0; i < 8; ++i) out[i] = char((n >> (8 * i)) & 0xff);
  return out + h + data;
}

std::string error_of(const std::string& bytes) {
  try {
    Safetensors::parse(bytes, "bad.safetensors");
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

void expect_error(const std::string& bytes, const std::string& needle) {
  const std::string msg = error_of(bytes);
  EXPECT_NE(msg.find("bad.safetensors"), std::string::npos) << msg;
  EXPECT_NE(msg.find(needle), std::string::npos) << "expected '" << needle << "' in: " << msg;
}

TEST(Safetensors, WriteThenReadRoundTripsAndKeepsOrderAndMetadata) {
  const std::vector<float> a = {1.f, -2.5f, 3e-8f, 1e30f, -0.f, 7.f}, b = {42.f};
  const std::string bytes = safetensors_serialize({{"z.first", {2, 3}, a.data()}, {"a.second", {}, b.data()}},
                                                  {{"format", "pt"}});
  EXPECT_EQ((bytes.size() - 8 - 6 * 4 - 4) % 8, 0u) << "header padded to 8 bytes";
  const Safetensors st = Safetensors::parse(bytes, "x");
  ASSERT_EQ(st.entries().size(), 2u);
  const SafetensorsEntry* e = st.find("z.first");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(st.to_float(*e), a);
  EXPECT_EQ(st.to_float(*st.find("a.second")), b);
  EXPECT_EQ(st.metadata().at("format"), "pt");
  EXPECT_EQ(st.find("missing"), nullptr);
}

TEST(Safetensors, ReadFromAFileMapsItAndOutlivesAReplacement) {
  // read() maps a regular file; the tensors read back exactly, and stay readable after the file
  // is replaced the way attnscope writes files (a new file renamed over the old one).
  TmpDir dir;
  const std::vector<float> a = {1.f, -2.5f, 3e-8f, 1e30f, -0.f, 7.f};
  const std::string path = dir.file("w.safetensors");
  safetensors_write(path, {{"w", {2, 3}, a.data()}});
  const Safetensors st = Safetensors::read(path);
  const std::vector<float> b = {9.f};
  safetensors_write(path, {{"other", {1}, b.data()}});
  ASSERT_NE(st.find("w"), nullptr);
  EXPECT_EQ(st.to_float(*st.find("w")), a);
  EXPECT_EQ(Safetensors::read(path).to_float(*Safetensors::read(path).find("other")), b);
}

TEST(Safetensors, UnreadablePathsGetClearErrors) {
  TmpDir dir;
  auto error_reading = [](const std::string& path) {
    try {
      Safetensors::read(path);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  std::string msg = error_reading(dir.file("missing.safetensors"));
  EXPECT_NE(msg.find("cannot open"), std::string::npos) << msg;
  EXPECT_NE(msg.find("missing.safetensors"), std::string::npos) << msg;
  write_file(dir.file("empty.safetensors"), "");
  msg = error_reading(dir.file("empty.safetensors"));
  EXPECT_NE(msg.find("too short"), std::string::npos) << msg;
  msg = error_reading(dir.str());
  EXPECT_NE(msg.find("is a folder, not a file"), std::string::npos) << msg;
}

TEST(Safetensors, HalfAndBfloatConvertExactly) {
  EXPECT_EQ(f16_to_float(0x3C00), 1.f);
  EXPECT_EQ(f16_to_float(0xC000), -2.f);
  EXPECT_EQ(f16_to_float(0x7BFF), 65504.f);
  EXPECT_EQ(f16_to_float(0x0001), std::ldexp(1.f, -24));  // smallest subnormal
  EXPECT_EQ(f16_to_float(0x03FF), std::ldexp(1023.f, -24));
  EXPECT_TRUE(std::isinf(f16_to_float(0x7C00)));
  EXPECT_TRUE(std::isnan(f16_to_float(0x7E00)));
  EXPECT_EQ(f16_to_float(0x8000), 0.f);
  EXPECT_TRUE(std::signbit(f16_to_float(0x8000)));
  EXPECT_EQ(bf16_to_float(0x3F80), 1.f);
  EXPECT_EQ(bf16_to_float(0xC0A0), -5.f);
  // a tensor of each through a file
  const uint16_t h[2] = {0x3C00, 0x3555}, bf[2] = {0x3F80, 0x4049};
  std::string data(reinterpret_cast<const char*>(h), 4);
  data.append(reinterpret_cast<const char*>(bf), 4);
  const Safetensors st = Safetensors::parse(
      make_file({{"h", {{"dtype", "F16"}, {"shape", {2}}, {"data_offsets", {0, 4}}}},
                 {"b", {{"dtype", "BF16"}, {"shape", {2}}, {"data_offsets", {4, 8}}}}},
                data),
      "x");
  EXPECT_NEAR(st.to_float(*st.find("h"))[1], 0.333251953125f, 0.f);
  EXPECT_NEAR(st.to_float(*st.find("b"))[1], 3.140625f, 0.f);
}

TEST(Safetensors, BadFilesGetClearErrors) {
  const std::string data(16, '\0');
  const json ok = {{"t", {{"dtype", "F32"}, {"shape", {4}}, {"data_offsets", {0, 16}}}}};
  EXPECT_EQ(error_of(make_file(ok, data)), "(no error)");
  expect_error("abc", "too short");
  std::string past = make_file(ok, data);
  past[0] = char(0xff), past[1] = char(0xff);
  expect_error(past, "runs past the end of the file");
  std::string huge(8, char(0xff));
  expect_error(huge, "runs past the end of the file");
  expect_error(std::string("\x04\0\0\0\0\0\0\0{x:}", 12), "not valid JSON");
  expect_error(make_file(json::array({1, 2}), data), "not a JSON object");
  expect_error(make_file({{"t", {{"dtype", "Q4"}, {"shape", {4}}, {"data_offsets", {0, 16}}}}}, data),
               "unknown dtype 'Q4'");
  expect_error(make_file({{"t", {{"dtype", "F32"}, {"shape", {4}}, {"data_offsets", {0, 20}}}}}, data), "out of range");
  expect_error(make_file({{"t", {{"dtype", "F32"}, {"shape", {1}}, {"data_offsets", {8, 4}}}}}, data), "out of range");
  expect_error(make_file({{"t", {{"dtype", "F32"}, {"shape", {3}}, {"data_offsets", {0, 16}}}}}, data),
               "needs 12 bytes, but data_offsets give 16");
  expect_error(make_file({{"a", {{"dtype", "F32"}, {"shape", {3}}, {"data_offsets", {0, 12}}}},
                          {"b", {{"dtype", "F32"}, {"shape", {2}}, {"data_offsets", {8, 16}}}}},
                         data),
               "overlap");
  expect_error(make_file({{"t", {{"dtype", "F32"}, {"shape", {-4}}, {"data_offsets", {0, 16}}}}}, data),
               "non-negative");
  expect_error(make_file({{"t", {{"dtype", "F32"}, {"shape", {4}}}}}, data), "data_offsets");
  expect_error(make_file({{"t", {{"shape", {4}}, {"data_offsets", {0, 16}}}}}, data), "dtype is missing");
  expect_error(make_file({{"t", {{"dtype", "F32"}, {"shape", {uint64_t(1) << 62, 1 << 20}}, {"data_offsets", {0, 16}}}}},
                         data),
               "more bytes than fit");
  // a known dtype attnscope does not convert: fine to hold, an error to read
  const Safetensors st = Safetensors::parse(
      make_file({{"i", {{"dtype", "I64"}, {"shape", {2}}, {"data_offsets", {0, 16}}}}}, data), "bad.safetensors");
  try {
    st.to_float(*st.find("i"));
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("reads F32, F16 and BF16"), std::string::npos) << e.what();
  }
}

// A model folder copied from the F32 fixture, with its tensors and config editable.
struct Folder {
  TmpDir dir;
  json config;
  std::vector<std::pair<std::string, std::vector<float>>> tensors;
  std::vector<std::vector<int64_t>> shapes;
  Folder() {
    config = json::parse(slurp_file(fixture("gpt2/f32/config.json")));
    const Safetensors st = Safetensors::read(fixture("gpt2/f32/model.safetensors"));
    for (const auto& e : st.entries()) {
      tensors.emplace_back(e.name, st.to_float(e));
      shapes.push_back(e.shape);
    }
  }
  void write() {
    std::vector<SafetensorsOut> out;
    for (std::size_t i = 0; i < tensors.size(); ++i) out.push_back({tensors[i].first, shapes[i], tensors[i].second.data()});
    safetensors_write(dir.file("model.safetensors"), out);
    write_file(dir.file("config.json"), config.dump());
  }
  std::size_t index(const std::string& name) {
    for (std::size_t i = 0; i < tensors.size(); ++i)
      if (tensors[i].first == name) return i;
    ADD_FAILURE() << name;
    return 0;
  }
  std::string load_error() {
    write();
    Gpt2 m;
    try {
      gpt2_load(m, dir.str());
    } catch (const InputError& e) {
      return e.what();
    }
    return "(no error)";
  }
};

TEST(Gpt2Files, TheFixtureCopyLoads) {
  Folder f;
  EXPECT_EQ(f.load_error(), "(no error)");
}

TEST(Gpt2Files, MissingOrMisshapenTensorsAreNamed) {
  {
    Folder f;
    const std::size_t i = f.index("h.1.mlp.c_fc.bias");
    f.tensors.erase(f.tensors.begin() + i);
    f.shapes.erase(f.shapes.begin() + i);
    const std::string msg = f.load_error();
    EXPECT_NE(msg.find("'h.1.mlp.c_fc.bias' (shape [64]) is missing"), std::string::npos) << msg;
  }
  {
    Folder f;
    const std::size_t i = f.index("h.0.attn.c_attn.weight");
    f.shapes[i] = {48, 16};  // transposed: an nn.Linear layout instead of Conv1D
    const std::string msg = f.load_error();
    EXPECT_NE(msg.find("'h.0.attn.c_attn.weight' has shape [48, 16]; the config needs [16, 48]"), std::string::npos) << msg;
  }
  {
    Folder f;
    f.tensors.push_back({"h.2.ln_1.weight", std::vector<float>(16, 1.f)});
    f.shapes.push_back({16});
    const std::string msg = f.load_error();
    EXPECT_NE(msg.find("unexpected tensor 'h.2.ln_1.weight'"), std::string::npos) << msg;
  }
  {
    Folder f;
    f.tensors[f.index("lm_head.weight")].second[5] += 1.f;
    const std::string msg = f.load_error();
    EXPECT_NE(msg.find("lm_head.weight differs from wte.weight"), std::string::npos) << msg;
  }
}

TEST(Gpt2Files, ConfigFieldsMissingOrWrongAreNamed) {
  for (const char* key : {"n_layer", "n_head", "n_embd", "n_positions", "vocab_size"}) {
    Folder f;
    f.config.erase(key);
    const std::string msg = f.load_error();
    EXPECT_NE(msg.find("config.json"), std::string::npos) << msg;
    EXPECT_NE(msg.find(std::string("'") + key + "' is missing"), std::string::npos) << msg;
  }
  Folder f;
  f.config["n_head"] = 3;
  EXPECT_NE(f.load_error().find("multiple of n_head"), std::string::npos);
  f.config["n_head"] = "4";
  EXPECT_NE(f.load_error().find("'n_head' must be a positive integer"), std::string::npos);
  f.config["n_head"] = 4;
  f.config["vocab_size"] = 65;
  EXPECT_NE(f.load_error().find("'wte.weight' has shape [64, 16]; the config needs [65, 16]"), std::string::npos);
  f.config["vocab_size"] = 64;
  f.config["activation_function"] = "relu";
  EXPECT_NE(f.load_error().find("activation_function"), std::string::npos);
  f.config.erase("activation_function");
  f.config["n_inner"] = 32;
  EXPECT_NE(f.load_error().find("n_inner"), std::string::npos);
  f.config["n_inner"] = nullptr;
  f.config.erase("layer_norm_epsilon");  // optional: 1e-5
  EXPECT_EQ(f.load_error(), "(no error)");
  write_file(f.dir.file("config.json"), "{not json");
  Gpt2 m;
  try {
    gpt2_load(m, f.dir.str());
    ADD_FAILURE();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("not valid JSON"), std::string::npos);
  }
}

TEST(Gpt2Files, MissingFilesAndBrokenSafetensorsInsideAFolder) {
  Gpt2 m;
  TmpDir empty;
  try {
    gpt2_load(m, empty.str());
    ADD_FAILURE();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("config.json"), std::string::npos) << e.what();
  }
  Folder f;
  f.write();
  std::string bytes = slurp_file(f.dir.file("model.safetensors"));
  write_file(f.dir.file("model.safetensors"), bytes.substr(0, bytes.size() - 100));  // truncated
  try {
    gpt2_load(m, f.dir.str());
    ADD_FAILURE();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("out of range"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("model.safetensors"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace attn
