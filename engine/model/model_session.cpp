// Legend: L layers, H heads, T tokens, V vocabulary, P n_positions. The pipeline is described in
// model_session.h; this file loads folders, runs the stages and cuts views out of an Inspection.
#include "engine/model/model_session.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <numeric>

#include "engine/analysis/rollout.h"
#include "engine/core/error.h"
#include "engine/io/xdg_paths.h"
#include "engine/model/gpt2_load.h"

#ifndef ATTNSCOPE_SOURCE_ASSETS
#define ATTNSCOPE_SOURCE_ASSETS ""
#endif

namespace fs = std::filesystem;

namespace attn {

namespace {

bool is_dir(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(p, ec);
}
bool is_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

// Non-empty lines, trailing '\r' and spaces trimmed; '#' starts a comment line.
std::vector<std::string> read_lines(const fs::path& p) {
  std::vector<std::string> out;
  std::ifstream in(p);
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
    if (!line.empty() && line[0] != '#') out.push_back(line);
  }
  return out;
}

fs::path exe_dir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : exe.parent_path();
}

void check_cancel(const RunControl* control) {
  if (control && control->cancel && control->cancel->load(std::memory_order_relaxed)) throw RunCancelled();
}
void step_done(const RunControl* control) {
  if (control && control->steps_done) control->steps_done->fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

std::string assets_dir() {
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv("ATTNSCOPE_ASSETS"); env && *env) candidates.emplace_back(env);
  const fs::path exe = exe_dir();
  if (!exe.empty()) {
    candidates.push_back(exe / "assets");
    candidates.push_back(exe / ".." / "assets");
    candidates.push_back(exe / ".." / "share" / "attnscope" / "assets");
  }
  if (*ATTNSCOPE_SOURCE_ASSETS) candidates.emplace_back(ATTNSCOPE_SOURCE_ASSETS);
  for (const fs::path& c : candidates)
    if (is_dir(c / "models")) {
      std::error_code ec;
      const fs::path canon = fs::canonical(c, ec);
      return (ec ? c : canon).string();
    }
  return "";
}

std::vector<std::string> shipped_model_dirs() {
  std::vector<std::string> dirs;
  auto scan = [&](const fs::path& root) {
    if (!is_dir(root)) return;
    std::vector<std::string> found;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(root, ec))
      if (is_file(e.path() / "config.json")) found.push_back(e.path().string());
    std::sort(found.begin(), found.end());
    dirs.insert(dirs.end(), found.begin(), found.end());
  };
  if (const std::string a = assets_dir(); !a.empty()) scan(fs::path(a) / "models");
  if (const char* x = std::getenv("XDG_DATA_HOME"); (x && *x) || std::getenv("HOME")) {
    const std::string data = xdg_data_dir();
    if (!data.empty()) scan(fs::path(data) / "models");
  }
  return dirs;
}

std::unique_ptr<ModelBundle> load_model_bundle(const std::string& dir) {
  require(!dir.empty(), "model", "no model folder given");
  require(is_dir(dir), "model", "'" + dir + "' is not a folder (a model folder holds config.json and model.safetensors)");
  require(is_file(fs::path(dir) / "config.json"), "model",
          "'" + dir + "' has no config.json: not a model folder (it needs config.json and model.safetensors)");
  auto b = std::make_unique<ModelBundle>();
  std::error_code ec;
  fs::path p = fs::weakly_canonical(fs::path(dir), ec);  // "x/", "." and "../x" get their real name
  if (ec) p = fs::path(dir);
  while (!p.has_filename() && p.has_parent_path() && p != p.parent_path()) p = p.parent_path();
  b->dir = dir;
  b->name = p.filename().string();
  b->config = gpt2_load(b->model, dir);
  b->tokenizer = load_tokenizer(dir, b->config, b->model.config.vocab_size);
  // Example sentences: the assets folder the model sits in, the shipped assets, or the model folder.
  std::vector<fs::path> example_files;
  if (p.parent_path().filename() == "models") example_files.push_back(p.parent_path().parent_path() / "examples" / (b->name + ".txt"));
  if (const std::string a = assets_dir(); !a.empty()) example_files.push_back(fs::path(a) / "examples" / (b->name + ".txt"));
  example_files.push_back(p / "examples.txt");
  for (const fs::path& f : example_files)
    if (is_file(f)) {
      b->examples = read_lines(f);
      break;
    }
  return b;
}

int inspect_step_count(const ModelBundle&, const InspectRequest& req) {
  return 2 + (req.gradients ? 1 : 0) + (req.ig_layer >= 0 ? req.ig_steps + 1 : 0);
}

const char* inspect_stage_name(const InspectRequest& req, int steps_done) {
  if (steps_done <= 0) return "forward";
  if (steps_done == 1) return "summaries";
  int s = steps_done - 2;
  if (req.gradients) {
    if (s == 0) return "gradients";
    --s;
  }
  if (req.ig_layer >= 0 && s <= req.ig_steps) return "integrated gradients";
  return "done";
}

namespace {

// Forward-pass parts of the inspection: maps, next tokens, summaries, rollout (the head order
// comes later: see fill_head_order).
void fill_forward(Inspection& in, const Gpt2& m, int top_k) {
  const int L = in.L, H = in.H, T = in.T, V = m.config.vocab_size;
  in.att.assign(L, std::vector<MatRM>(H));
  in.summaries.assign(L, std::vector<HeadSummary>(H));
  for (int l = 0; l < L; ++l)
    for (int h = 0; h < H; ++h) {
      in.att[l][h] = gpt2_attention(m, l, h);
      in.summaries[l][h] = summarize_head(in.att[l][h]);
    }
  in.rollout = attention_rollout(in.att);
  const auto logp = gpt2_logp(m);
  std::vector<int> order(V);
  std::iota(order.begin(), order.end(), 0);
  const int k = std::min(top_k, V);
  std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](int a, int b) {
    const float la = logp(T - 1, a), lb = logp(T - 1, b);
    return la != lb ? la > lb : a < b;
  });
  in.next.clear();
  for (int i = 0; i < k; ++i) in.next.push_back({order[i], std::string(), std::exp(double(logp(T - 1, order[i])))});
}

// The similarity order of the heads: Jensen-Shannon distances between every pair of maps,
// O((L H)^2 T^2) logs. For a 12 x 12 model at T = 128 that is about 2.7 s, so it runs after
// on_forward_done: the grid is on screen while it is computed.
void fill_head_order(Inspection& in) {
  std::vector<MatRM> flat;
  for (const auto& layer : in.att)
    for (const MatRM& a : layer) flat.push_back(a);
  in.head_order = order_by_similarity(js_distance_matrix(flat));
}

}  // namespace

Inspection inspect_sentence(ModelBundle& b, const InspectRequest& req, const RunControl* control) {
  Gpt2& m = b.model;
  const Gpt2Config& cf = m.config;
  const int V = cf.vocab_size, P = cf.n_positions;
  require(req.text.find_first_not_of(" \t\r\n") != std::string::npos, "text", "is empty: type a sentence");
  require(req.top_k >= 1 && req.top_k <= V, "top-k",
          "must be between 1 and the vocabulary size (" + std::to_string(V) + "), got " + std::to_string(req.top_k));
  require(req.ig_layer < cf.n_layer, "ig layer",
          "must be between 0 and " + std::to_string(cf.n_layer - 1) + " (or -1 for none), got " + std::to_string(req.ig_layer));
  if (req.ig_layer >= 0)
    require(req.ig_steps >= 1 && req.ig_steps <= 4096, "ig steps",
            "must be between 1 and 4096, got " + std::to_string(req.ig_steps));
  const Encoding enc = b.tokenizer->encode(req.text);
  const int T = int(enc.ids.size());
  require(T >= 1, "text", "has no tokens (only whitespace?): type a sentence");
  require(T <= P, "text",
          "has " + std::to_string(T) + " tokens; the model '" + b.name + "' takes at most " + std::to_string(P) +
              " (n_positions): shorten the text");
  const int pos = req.target_position < 0 ? T - 1 : req.target_position;
  require(req.target_position >= -1 && pos < T, "target position",
          "must be between 0 and " + std::to_string(T - 1) + " (the tokens of the text), got " +
              std::to_string(req.target_position));
  require(req.target_token >= -1 && req.target_token < V, "target",
          "token id " + std::to_string(req.target_token) + " is not in the vocabulary (0 to " + std::to_string(V - 1) + ")");

  Inspection in;
  in.model_name = b.name;
  in.text = req.text;
  in.L = cf.n_layer;
  in.H = cf.n_head;
  in.T = T;
  for (int t = 0; t < T; ++t) in.tokens.push_back({enc.tokens[t], enc.ids[t], enc.spans[t].first, enc.spans[t].second});

  // Buffers for this T (reallocated only when the sentence is longer or the options change).
  const bool want_grads = req.gradients || req.ig_layer >= 0;
  if (m.max_T < T || m.options.keep_att_grads != want_grads || m.options.keep_scores)
    gpt2_setup(m, std::max(T, std::min(m.max_T, P)), Gpt2Options{false, want_grads});
  m.att_alpha.clear();

  // Stage 1: forward.
  check_cancel(control);
  gpt2_forward(m, enc.ids.data(), T);
  const int target = req.target_token >= 0 ? req.target_token : [&] {
    const auto row = gpt2_logp(m).row(pos);
    int best = 0;
    for (int v = 1; v < V; ++v)
      if (row(v) > row(best)) best = v;
    return best;
  }();
  in.target_position = pos;
  in.target_token = target;
  in.target_text = target < b.tokenizer->vocab_size() ? b.tokenizer->token_text(target) : "<id " + std::to_string(target) + ">";
  in.target_logprob = gpt2_logp(m)(pos, target);
  step_done(control);

  // Stage 2: maps, summaries, next tokens, rollout; then (after the callback) the head order.
  check_cancel(control);
  fill_forward(in, m, req.top_k);
  for (NextToken& n : in.next)
    n.text = n.id < b.tokenizer->vocab_size() ? b.tokenizer->token_text(n.id) : "<id " + std::to_string(n.id) + ">";
  step_done(control);
  if (req.on_forward_done) req.on_forward_done(in);
  check_cancel(control);
  fill_head_order(in);

  // Stage 3: gradients of F = log p(target | tokens[0..pos]).
  const Gpt2Loss loss = Gpt2Loss::token_logprob(pos, target);
  if (req.gradients) {
    check_cancel(control);
    gpt2_forward(m, enc.ids.data(), T, &loss);
    gpt2_backward(m);
    in.datt.assign(in.L, std::vector<MatRM>(in.H));
    for (int l = 0; l < in.L; ++l)
      for (int h = 0; h < in.H; ++h) in.datt[l][h] = gpt2_datt(m, l, h).triangularView<Eigen::Lower>();
    in.saliency = token_saliency(m);
    in.grad_rollout = gradient_rollout(in.att, in.datt);
    step_done(control);
  }

  // Stage 4: integrated gradients over one layer.
  if (req.ig_layer >= 0) {
    in.ig = integrated_gradients(m, enc.ids, req.ig_layer, loss, req.ig_steps, control);
    in.ig_layer = req.ig_layer;
  }
  return in;
}

int token_id_for_text(const ModelBundle& b, const std::string& token_text) {
  require(!token_text.empty(), "target", "is empty: type one token of the vocabulary");
  const Encoding enc = b.tokenizer->encode(token_text);
  require(!enc.ids.empty(), "target", "'" + token_text + "' has no tokens (only whitespace?)");
  if (enc.ids.size() > 1) {
    std::string parts;
    for (const std::string& t : enc.tokens) parts += (parts.empty() ? "'" : ", '") + t + "'";
    throw InputError("target", "'" + token_text + "' is " + std::to_string(enc.ids.size()) +
                                   " tokens for this model (" + parts + "), not one");
  }
  const int id = enc.ids[0];
  // The word-level tokenizer maps unknown words to <unk>: that is not the token the user meant.
  if (b.tokenizer->kind() == "word" && b.tokenizer->token_text(id) == "<unk>" && token_text != "<unk>")
    throw InputError("target", "'" + token_text + "' is not in the vocabulary of '" + b.name + "'");
  require(id >= 0 && id < b.model.config.vocab_size, "target",
          "'" + token_text + "' has id " + std::to_string(id) + ", outside the model's vocabulary");
  return id;
}

namespace {

struct ModelView {
  const char* name;
  const char* what;
  RangeKind range;
  bool aggregate, gradients;
};

const std::vector<ModelView>& model_views() {
  static const std::vector<ModelView> v = {
      {"model-weights", "attention weights A of one head (T x T)", RangeKind::Unit, false, false},
      {"model-grad", "dF/dA: gradient of the target's log-prob with respect to one head's A", RangeKind::Signed, false, true},
      {"model-attxgrad", "A .* dF/dA: attention x gradient attribution of one head", RangeKind::Signed, false, true},
      {"model-ig", "integrated gradients of one head (of the inspected IG layer)", RangeKind::Signed, false, true},
      {"rollout", "attention rollout over all layers (Abnar & Zuidema)", RangeKind::Unit, true, false},
      {"grad-rollout", "gradient-weighted rollout for the target (Chefer et al.)", RangeKind::Sequential, true, true},
      {"mean-heads", "mean of one layer's heads", RangeKind::Unit, true, false},
      {"max-heads", "element-wise max of one layer's heads", RangeKind::Unit, true, false},
  };
  return v;
}

const ModelView& model_view(const std::string& name) {
  for (const ModelView& v : model_views())
    if (name == v.name) return v;
  throw InputError("view", "unknown view '" + name + "' for a model; use one of: " + model_view_names());
}

}  // namespace

std::string model_view_names() {
  std::string s;
  for (const ModelView& v : model_views()) s += (s.empty() ? "" : ", ") + std::string(v.name);
  return s;
}
bool model_view_is_aggregate(const std::string& view) { return model_view(view).aggregate; }
bool model_view_needs_gradients(const std::string& view) { return model_view(view).gradients; }

ViewData model_view_data(const Inspection& in, const std::string& view, int layer, int head) {
  const ModelView& mv = model_view(view);
  const bool uses_layer = view != "rollout" && view != "grad-rollout";
  if (uses_layer)
    require(layer >= 0 && layer < in.L, "layer",
            "layer " + std::to_string(layer) + " is out of range: the model has " + std::to_string(in.L) +
                " layers (0 to " + std::to_string(in.L - 1) + ")");
  if (!mv.aggregate)
    require(head >= 0 && head < in.H, "head",
            "head " + std::to_string(head) + " is out of range: the model has " + std::to_string(in.H) +
                " heads per layer (0 to " + std::to_string(in.H - 1) + ")");
  if (mv.gradients) require(in.has_gradients(), "view", "'" + view + "' needs gradients: inspect with gradients on");
  ViewData d;
  d.view = view;
  d.layer = uses_layer ? layer : 0;
  d.head = mv.aggregate ? 0 : head;
  d.range = mv.range;
  if (view == "model-weights") d.values = in.att[layer][head];
  else if (view == "model-grad") d.values = in.datt[layer][head];
  else if (view == "model-attxgrad") d.values = attention_times_gradient(in.att[layer][head], in.datt[layer][head]);
  else if (view == "model-ig") {
    require(in.ig_layer >= 0 && !in.ig.per_head.empty(), "view",
            "'model-ig' needs integrated gradients: inspect with an IG layer");
    require(layer == in.ig_layer, "layer",
            "integrated gradients were computed for layer " + std::to_string(in.ig_layer) + ", not layer " +
                std::to_string(layer));
    d.values = in.ig.per_head[head];
  } else if (view == "rollout") d.values = in.rollout;
  else if (view == "grad-rollout") d.values = in.grad_rollout;
  else if (view == "mean-heads") d.values = mean_over_heads(in.att[layer]);
  else d.values = max_over_heads(in.att[layer]);
  // Causal: keys after the query are masked (drawn hatched) in every model view.
  d.mask = MaskM::Zero(in.T, in.T);
  for (int i = 0; i < in.T; ++i)
    for (int j = 0; j <= i; ++j) d.mask(i, j) = 1;
  for (const TokenChip& t : in.tokens) d.row_labels.push_back(t.text);
  d.col_labels = d.row_labels;
  d.row_axis = "query";
  d.col_axis = "key";
  return d;
}

}  // namespace attn
