// A loaded model folder and the analysis of one sentence with it: load once, inspect many
// sentences. The GUI's model view and `attnscope export --model` both go through here.
// Legend: L layers, H heads, T tokens, V vocabulary, P n_positions.
//
// inspect_sentence(bundle, request):
//   tokens = tokenizer(text)                       (1 <= T <= P, else InputError("text", ...))
//   forward (all L x H maps A[l][h]), top-k next tokens after the last token
//   summaries[l][h] = summarize_head(A[l][h]); head_order by JS distance (flat l*H + h)
//   rollout = attention_rollout(A)
//   with gradients: F = log p(target_token | tokens[0..target_position]) (the top-1 next token
//     at the last position unless asked), backward -> datt[l][h] = dF/dA, saliency,
//     grad_rollout = gradient_rollout(A, datt)
//   with ig_layer >= 0: integrated gradients over that layer (ig_steps steps)
#pragma once
#include <atomic>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/analysis/attribution.h"
#include "engine/analysis/head_stats.h"
#include "engine/figure/attention_views.h"  // ViewData
#include "engine/model/gpt2.h"
#include "engine/sandbox/multihead.h"  // RunControl, RunCancelled
#include "engine/text/tokenizer.h"

namespace attn {

struct ModelBundle {
  std::string dir, name;  // name = the folder's name
  nlohmann::json config;  // the whole config.json
  Gpt2 model;             // set up for up to P tokens
  std::unique_ptr<Tokenizer> tokenizer;
  std::vector<std::string> examples;  // example sentences: assets/examples/<name>.txt, else DIR/examples.txt
};

// Loads config.json, model.safetensors, the tokenizer and the example sentences of a model
// folder. InputError("model", ...) naming the folder when it is missing or not a model folder;
// the loaders' own InputErrors for broken files.
std::unique_ptr<ModelBundle> load_model_bundle(const std::string& dir);

// The shipped model folders (each holding a config.json), sorted by name, from the first of
// these that exists: $ATTNSCOPE_ASSETS/models; <exe dir>/assets/models,
// <exe dir>/../assets/models, <exe dir>/../share/attnscope/assets/models (an installed or
// in-tree binary); the source tree's assets/models (compiled in); then $XDG_DATA_HOME/attnscope/models
// is added (models the user put there). Empty if none.
std::vector<std::string> shipped_model_dirs();
// The assets folder used above ("" if none): where examples/<name>.txt is looked up.
std::string assets_dir();

struct Inspection;

struct InspectRequest {
  std::string text;
  int top_k = 5;
  bool gradients = true;      // backward for the target
  int target_position = -1;   // -1 = last token
  int target_token = -1;      // -1 = the model's top next token at target_position
  int ig_layer = -1;          // >= 0: integrated gradients over that layer
  int ig_steps = 16;
  // Called once (on the computing thread) when tokens, att, summaries, next and rollout are in,
  // before the head order (JS distances: seconds for 144 heads), the gradients and IG: the GUI
  // shows the grid while the rest is computed. head_order is still empty at that point.
  std::function<void(const Inspection&)> on_forward_done;
};

// The value steps_done reaches at the end of inspect_sentence: forward 1, summaries 1,
// gradients 1 (if any), integrated gradients ig_steps + 1 (if ig_layer >= 0).
int inspect_step_count(const ModelBundle& b, const InspectRequest& req);
// The stage that follows `steps_done` steps ("forward", "summaries", "gradients",
// "integrated gradients", "done"), for a progress label.
const char* inspect_stage_name(const InspectRequest& req, int steps_done);

struct TokenChip {
  std::string text;            // display string
  int id = 0;
  std::size_t begin = 0, end = 0;  // bytes [begin, end) of the text
};
struct NextToken {
  int id = 0;
  std::string text;
  double prob = 0;
};

struct Inspection {
  std::string model_name, text;
  std::vector<TokenChip> tokens;
  int L = 0, H = 0, T = 0;
  std::vector<std::vector<MatRM>> att;   // [l][h] (T, T), 0 above the diagonal
  std::vector<std::vector<MatRM>> datt;  // [l][h] dF/dA (empty without gradients)
  std::vector<std::vector<HeadSummary>> summaries;  // [l][h]
  std::vector<NextToken> next;           // top-k after the last token, most likely first
  int target_position = -1, target_token = -1;
  std::string target_text;
  double target_logprob = 0;             // F
  std::vector<double> saliency;          // (T), empty without gradients
  MatRM rollout, grad_rollout;           // (T, T); grad_rollout empty without gradients
  IntegratedGradients ig;                // per_head empty unless ig_layer >= 0
  int ig_layer = -1;
  std::vector<int> head_order;           // flat l*H + h indices ordered by JS similarity
  bool has_gradients() const { return !datt.empty(); }
};

// Progress through control->steps_done (see inspect_step_count); throws RunCancelled when
// control->cancel is set (checked between stages and between IG steps). InputError for empty
// text, too many tokens (the message says how many and the limit), a target position out of
// range, an unknown target token, an IG layer out of range or steps < 1.
Inspection inspect_sentence(ModelBundle& b, const InspectRequest& req, const RunControl* control = nullptr);

// The id of a token typed by the user (the text must encode to exactly one token; leading and
// trailing spaces are kept for BPE, where " cat" and "cat" differ). InputError("target", ...)
// otherwise, naming what it encodes to.
int token_id_for_text(const ModelBundle& b, const std::string& token_text);

// Views for the shared exporter (engine/figure/export_view.h), labels = the tokens, rows = query,
// cols = key:
//   "model-weights"  A[layer][head]                       (weights range [0, 1], masked hatched)
//   "model-grad"     dF/dA[layer][head]                    (signed)
//   "model-attxgrad" A .* dF/dA                            (signed)
//   "model-ig"       IG[head] of the inspected ig layer    (signed; layer must equal ig_layer)
//   "rollout", "grad-rollout", "mean-heads" (of `layer`), "max-heads" (of `layer`); head ignored
// InputError("view", ...) listing the names for an unknown view, ("layer"/"head", ...) out of range,
// ("view", ...) for a gradient view of an inspection without gradients.
ViewData model_view_data(const Inspection& in, const std::string& view, int layer, int head);
std::string model_view_names();           // "model-weights, model-grad, ..."
bool model_view_is_aggregate(const std::string& view);  // no head (rollout, grad-rollout, mean/max-heads)
bool model_view_needs_gradients(const std::string& view);

}  // namespace attn
