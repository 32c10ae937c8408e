#include "app/gui/model_runtime.h"

#include <chrono>
#include <cstdio>

#include "engine/analysis/rollout.h"

namespace attn::gui {

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

const std::vector<ModelMapKind>& model_map_kinds() {
  static const std::vector<ModelMapKind> kinds = {
      {"model-weights", "attention weights A", "A[l][h]: row i = how query token i spreads its attention over the tokens j <= i", false},
      {"model-grad", "gradient dF/dA", "dF/dA: how the target's log-probability F changes with each attention weight", true},
      {"model-attxgrad", "attention x gradient", "A .* dF/dA: a first-order estimate of each weight's contribution to F", true},
      {"model-ig", "integrated gradients", "A .* mean over k of dF/dA at (k/m) A (m steps): the contributions of one layer's "
                                           "attention, summing to F(A) - F(0) up to the Riemann error",
       true},
  };
  return kinds;
}

const ModelMapKind& model_map_kind(const std::string& view) {
  for (const auto& k : model_map_kinds())
    if (view == k.view) return k;
  return model_map_kinds().front();
}

const std::vector<SummaryField>& summary_fields() {
  static const std::vector<SummaryField> f = {
      {"entropy", "entropy", "mean over query rows of -sum_j A_ij ln A_ij (nats): low = focused, high = spread out",
       &HeadSummary::entropy},
      {"mean_distance", "mean distance", "mean over rows of sum_j A_ij |i - j|: how far back the head looks, in tokens",
       &HeadSummary::mean_distance},
      {"first_token", "first token", "mean over rows of A_i0: the share on the first token (an 'attention sink')",
       &HeadSummary::first_token},
      {"previous_token", "previous token", "mean over rows i >= 1 of A_i,i-1: a previous-token head scores near 1",
       &HeadSummary::previous_token},
      {"diagonal", "diagonal", "mean over rows of A_ii: attention of a token to itself", &HeadSummary::diagonal},
  };
  return f;
}

ModelRuntime::ModelRuntime(bool log_timing) : log_timing_(log_timing) {
  try {
    shipped = shipped_model_dirs();
  } catch (const std::exception&) {
    // No shipped models is not an error: the user can still open a folder.
  }
}

std::string ModelRuntime::compute_key(const ModelViewState& m) const {
  // Everything a job depends on, joined with a separator no field can hold unescaped ('\x1f').
  const bool ig = m.map == "model-ig";
  std::string k = effective_dir(m) + '\x1f' + m.sentence + '\x1f' + std::to_string(m.target_position) + '\x1f' +
                  m.target_token + '\x1f' + std::to_string(ig ? m.layer : -1) + '\x1f' +
                  std::to_string(ig ? m.ig_steps : 0) + '\x1f' + m.diff_kind;
  if (m.diff_kind == "sentence") k += '\x1f' + m.diff_sentence;
  if (m.diff_kind == "model") k += '\x1f' + m.diff_dir;
  return k;
}

void ModelRuntime::apply(ModelUpdate& u, AppState& s) {
  using K = ModelUpdate::Kind;
  if (u.serial != requested_serial_) return;  // a report of an older request
  const double since_edit = (now_seconds() - edit_time_) * 1000.0;
  switch (u.kind) {
    case K::Forward:
      bundle = u.bundle;
      ins = u.ins;
      diff.reset();
      complete = false;
      shown_serial_ = u.serial;
      ++data_version;
      forward_ms = u.ms;
      grid_log_pending_ = true;
      error.clear();
      error_field.clear();
      break;
    case K::Final:
      bundle = u.bundle;
      ins = u.ins;
      diff_bundle = u.diff_bundle;
      diff = u.diff;
      diff_error = u.diff_error;
      complete = true;
      if (shown_serial_ != u.serial) grid_log_pending_ = true;  // no Forward report seen (cannot happen today)
      shown_serial_ = u.serial;
      ++data_version;
      error.clear();
      error_field.clear();
      final_ms = since_edit;
      if (log_timing_)
        std::fprintf(stderr, "attnscope: model view: T=%d all results (gradients%s) %.1f ms after the edit\n",
                     ins ? ins->T : 0, ins && !ins->ig.per_head.empty() ? ", integrated gradients" : "", final_ms);
      break;
    case K::Error:
      if (u.bundle) bundle = u.bundle;  // the folder loaded; the sentence or target is the problem
      error = u.error;
      error_field = u.field;
      shown_serial_ = u.serial;
      complete = true;
      if (u.field == "model" || (bundle && requested_dir_ != bundle->dir && u.field != "text" && u.field != "target")) {
        // The folder could not be opened: say so next to the picker and go back to the model
        // that works (its result is still on screen).
        model_error = u.error;
        if (bundle) s.model.dir = bundle->dir;
      }
      break;
    case K::Cancelled:
      shown_serial_ = u.serial;
      complete = true;
      error = "cancelled: the maps show the previous result (edit the sentence to compute again)";
      error_field = "cancel";
      break;
  }
  if (ins) {
    // Axis labels: the token text; for an unknown word ("<unk>") the text the user typed.
    labels_.clear();
    for (const auto& t : ins->tokens) {
      const bool unk = t.text == "<unk>" && t.end > t.begin && t.end <= ins->text.size();
      labels_.push_back(unk ? ins->text.substr(t.begin, t.end - t.begin) : t.text);
    }
  }
}

void ModelRuntime::update(AppState& s) {
  for (ModelUpdate& u : worker.take_updates()) apply(u, s);
  const std::string key = compute_key(s.model);
  if (key == requested_key_) return;
  const std::string dir = effective_dir(s.model);
  requested_key_ = key;
  if (dir.empty()) {
    error = "no model: no shipped model was found; type a model folder (config.json, model.safetensors) above";
    error_field = "model";
    return;
  }
  ModelJob job;
  job.serial = ++requested_serial_;
  job.dir = dir;
  job.req.text = s.model.sentence;
  job.req.top_k = 8;
  job.req.gradients = true;
  job.req.target_position = s.model.target_position;
  job.target_text = s.model.target_token;
  if (s.model.map == "model-ig") {
    job.req.ig_layer = s.model.layer;
    job.req.ig_steps = s.model.ig_steps;
  }
  job.diff_kind = s.model.diff_kind;
  job.diff_text = s.model.diff_sentence;
  job.diff_dir = s.model.diff_dir;
  requested_dir_ = dir;
  edit_time_ = now_seconds();
  worker.request(std::move(job));
}

bool ModelRuntime::settled() const { return requested_serial_ == shown_serial_ && complete && !worker.busy(); }

void ModelRuntime::note_grid_drawn() {
  if (!grid_log_pending_) return;
  grid_log_pending_ = false;
  grid_ms = (now_seconds() - edit_time_) * 1000.0;
  grid_tokens = ins ? ins->T : 0;
  if (log_timing_)
    std::fprintf(stderr, "attnscope: model view: T=%d grid complete %.1f ms after the edit (forward + summaries %.1f ms)\n",
                 grid_tokens, grid_ms, forward_ms);
}

const MaskM& ModelRuntime::causal_mask(int T) {
  auto it = masks_.find(T);
  if (it != masks_.end()) return it->second;
  MaskM m = MaskM::Zero(T, T);
  for (int i = 0; i < T; ++i)
    for (int j = 0; j <= i; ++j) m(i, j) = 1;
  return masks_[T] = std::move(m);
}

const MatRM* ModelRuntime::head_map(const std::string& view, int l, int h, bool drop_first) {
  if (!ins || l < 0 || h < 0 || l >= ins->L || h >= ins->H) return nullptr;
  if (cache_version_ != data_version) {
    cache_.clear();
    cache_version_ = data_version;
  }
  const bool weights = view == "model-weights";
  if (weights && !drop_first) return &ins->att[size_t(l)][size_t(h)];
  if (view == "model-grad") return ins->has_gradients() ? &ins->datt[size_t(l)][size_t(h)] : nullptr;
  if (view == "model-ig") {
    if (ins->ig_layer != l || size_t(h) >= ins->ig.per_head.size()) return nullptr;
    return &ins->ig.per_head[size_t(h)];
  }
  const auto key = std::make_tuple(view, l, h, weights && drop_first);
  auto it = cache_.find(key);
  if (it != cache_.end()) return &it->second;
  if (weights) return &(cache_[key] = drop_first_token(ins->att[size_t(l)][size_t(h)]));
  if (view == "model-attxgrad") {
    if (!ins->has_gradients()) return nullptr;
    return &(cache_[key] = attention_times_gradient(ins->att[size_t(l)][size_t(h)], ins->datt[size_t(l)][size_t(h)]));
  }
  return nullptr;
}

const MatRM* ModelRuntime::big_map(const ModelViewState& m, std::string* why) {
  if (!ins) {
    *why = "nothing computed yet";
    return nullptr;
  }
  const int l = std::clamp(m.layer, 0, ins->L - 1), h = std::clamp(m.head, 0, ins->H - 1);
  if (m.big == "head") {
    const MatRM* p = head_map(m.map, l, h, m.drop_first);
    if (!p) {
      if (m.map == "model-ig")
        *why = complete ? "integrated gradients were computed for another layer" : "computing integrated gradients...";
      else
        *why = complete ? "no gradients for this sentence" : "computing the gradients...";
    }
    return p;
  }
  head_map("model-weights", l, h, false);  // refreshes the cache version
  const auto key = std::make_tuple(m.big, m.big == "rollout" || m.big == "grad-rollout" ? -1 : l, -1, m.drop_first);
  auto it = cache_.find(key);
  if (it != cache_.end()) return &it->second;
  MatRM out;
  if (m.big == "mean-heads") {
    out = mean_over_heads(ins->att[size_t(l)]);
  } else if (m.big == "max-heads") {
    out = max_over_heads(ins->att[size_t(l)]);
  } else if (m.big == "rollout") {
    if (!m.drop_first) return &ins->rollout;
    out = attention_rollout(ins->att, true);
    return &(cache_[key] = std::move(out));
  } else if (m.big == "grad-rollout") {
    if (ins->grad_rollout.size() == 0) {
      *why = complete ? "no gradients for this sentence" : "computing the gradients...";
      return nullptr;
    }
    if (!m.drop_first) return &ins->grad_rollout;
    out = ins->grad_rollout;
  } else {
    *why = "unknown view " + m.big;
    return nullptr;
  }
  if (m.drop_first) out = drop_first_token(out);
  return &(cache_[key] = std::move(out));
}

}  // namespace attn::gui
