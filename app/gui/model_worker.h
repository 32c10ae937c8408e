// The Model tab's background computation: loads model folders and runs inspect_sentence off the
// UI thread, so typing never waits for a forward pass. One long-lived thread takes the newest
// job; a new job cancels the running one (the engine checks between stages and IG steps).
// Each job reports twice: once when the forward pass is in (the grid can be drawn), once at the
// end (gradients, integrated gradients, the diff inspection).
//
// Threads: the Gpt2 inside a bundle is only ever run on this thread. The UI may read the bundle's
// other members (name, dir, config, examples), which nothing changes after loading.
#pragma once
#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "engine/model/model_session.h"

namespace attn::gui {

struct ModelJob {
  uint64_t serial = 0;        // the runtime's request number
  std::string dir;            // model folder
  InspectRequest req;         // without on_forward_done (the worker sets it)
  std::string target_text;    // "" = req.target_token as given; else resolved with token_id_for_text
  // Diff: a second inspection with no gradients, of another sentence or of another model.
  std::string diff_kind = "none";  // none, sentence, model
  std::string diff_text, diff_dir;
};

struct ModelUpdate {
  enum class Kind { Forward, Final, Error, Cancelled };
  Kind kind = Kind::Error;
  uint64_t serial = 0;
  std::shared_ptr<ModelBundle> bundle, diff_bundle;
  std::shared_ptr<const Inspection> ins, diff;
  std::string error, field;   // field of the InputError: "model", "text", "target", "diff", ...
  std::string diff_error;     // the diff failed but the main inspection is fine
  double ms = 0.0;            // since the job started
};

class ModelWorker {
 public:
  ModelWorker();
  ~ModelWorker();
  ModelWorker(const ModelWorker&) = delete;
  ModelWorker& operator=(const ModelWorker&) = delete;

  void request(ModelJob job);  // replaces any pending job and cancels the running one
  void cancel();               // cancels the running job and drops the pending one
  std::vector<ModelUpdate> take_updates();

  bool busy() const { return busy_.load(); }
  float progress() const;
  std::string stage() const;  // what the running job does now ("loading the model", "forward", ...)

 private:
  void loop();
  void run(ModelJob& job);
  std::shared_ptr<ModelBundle> bundle_for(const std::string& dir);  // cached; throws InputError
  void publish(ModelUpdate u);

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::optional<ModelJob> pending_;
  std::vector<ModelUpdate> updates_;
  std::map<std::string, std::shared_ptr<ModelBundle>> cache_;  // worker thread only
  std::atomic<bool> cancel_{false};
  std::atomic<bool> busy_{false};
  std::atomic<int> steps_done_{0};
  std::atomic<int> steps_total_{1};
  std::atomic<int> phase_{0};  // 0 idle, 1 loading, 2 inspecting, 3 diff
  InspectRequest stage_req_;  // the running request's settings, for the stage name (under mutex_)
  // Last: the thread must start after everything it uses exists.
  std::thread thread_;
};

}  // namespace attn::gui
