#include "app/gui/model_worker.h"

#include <chrono>

#include "engine/core/error.h"

namespace attn::gui {

ModelWorker::ModelWorker() { thread_ = std::thread([this] { loop(); }); }

ModelWorker::~ModelWorker() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
    pending_.reset();
  }
  cancel_ = true;
  wake_.notify_all();
  thread_.join();
}

void ModelWorker::request(ModelJob job) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_ = std::move(job);
  }
  if (busy_) cancel_ = true;  // the running job is stale now
  wake_.notify_all();
}

void ModelWorker::cancel() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_.reset();
  }
  if (busy_) cancel_ = true;
}

std::vector<ModelUpdate> ModelWorker::take_updates() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<ModelUpdate> out;
  out.swap(updates_);
  return out;
}

float ModelWorker::progress() const {
  const int total = std::max(1, steps_total_.load());
  return std::min(1.f, float(steps_done_.load()) / float(total));
}

std::string ModelWorker::stage() const {
  switch (phase_.load()) {
    case 1: return "loading the model";
    case 2: {
      std::lock_guard<std::mutex> lock(mutex_);
      return inspect_stage_name(stage_req_, steps_done_.load());
    }
    case 3: return "diff";
    default: return "";
  }
}

void ModelWorker::publish(ModelUpdate u) {
  std::lock_guard<std::mutex> lock(mutex_);
  updates_.push_back(std::move(u));
}

std::shared_ptr<ModelBundle> ModelWorker::bundle_for(const std::string& dir) {
  auto it = cache_.find(dir);
  if (it != cache_.end()) return it->second;
  std::shared_ptr<ModelBundle> b(load_model_bundle(dir).release());
  // Keep a few folders: switching back and forth (or a diff of two models) does not reload.
  if (cache_.size() >= 4) cache_.erase(cache_.begin());
  cache_[dir] = b;
  return b;
}

void ModelWorker::loop() {
  for (;;) {
    ModelJob job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stop_ || pending_.has_value(); });
      if (stop_) return;
      job = std::move(*pending_);
      pending_.reset();
      cancel_ = false;
      busy_ = true;
    }
    run(job);
    phase_ = 0;
    busy_ = false;
  }
}

void ModelWorker::run(ModelJob& job) {
  const auto t0 = std::chrono::steady_clock::now();
  auto ms = [&] { return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count(); };
  ModelUpdate fin;
  fin.serial = job.serial;
  steps_done_ = 0;
  steps_total_ = 1;
  RunControl ctl;
  ctl.cancel = &cancel_;
  ctl.steps_done = &steps_done_;
  try {
    phase_ = 1;
    fin.bundle = bundle_for(job.dir);
    if (cancel_) throw RunCancelled();
    ModelBundle& b = *fin.bundle;
    if (!job.target_text.empty()) job.req.target_token = token_id_for_text(b, job.target_text);
    const bool diff = job.diff_kind == "sentence" || job.diff_kind == "model";
    steps_total_ = inspect_step_count(b, job.req) + (diff ? 1 : 0);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stage_req_ = job.req;
    }
    phase_ = 2;
    // The grid needs only the forward pass: hand it over before the gradients are computed.
    job.req.on_forward_done = [&](const Inspection& in) {
      ModelUpdate u;
      u.kind = ModelUpdate::Kind::Forward;
      u.serial = job.serial;
      u.bundle = fin.bundle;
      u.ins = std::make_shared<const Inspection>(in);
      u.ms = ms();
      publish(std::move(u));
    };
    fin.ins = std::make_shared<const Inspection>(inspect_sentence(b, job.req, &ctl));
    if (diff) {
      // The second inspection; its failure (a bad folder, an empty sentence) is reported next to
      // the diff controls and does not hide the main result.
      phase_ = 3;
      try {
        InspectRequest r2;
        r2.text = job.diff_kind == "sentence" ? job.diff_text : job.req.text;
        r2.gradients = false;
        r2.top_k = job.req.top_k;
        if (job.diff_kind == "model") {
          if (job.diff_dir.empty()) throw InputError("diff", "type the second model's folder");
          fin.diff_bundle = bundle_for(job.diff_dir);
        } else {
          fin.diff_bundle = fin.bundle;
          if (r2.text.empty()) throw InputError("diff", "type the second sentence");
        }
        fin.diff = std::make_shared<const Inspection>(inspect_sentence(*fin.diff_bundle, r2, &ctl));
      } catch (const InputError& e) {
        fin.diff_error = e.what();
      }
      steps_done_ = steps_done_ + 1;
    }
    fin.kind = ModelUpdate::Kind::Final;
  } catch (const RunCancelled&) {
    fin.kind = ModelUpdate::Kind::Cancelled;
  } catch (const InputError& e) {
    fin.kind = ModelUpdate::Kind::Error;
    fin.error = e.what();
    fin.field = e.field();
  } catch (const std::bad_alloc&) {
    fin.kind = ModelUpdate::Kind::Error;
    fin.error = "out of memory: use a shorter sentence or a smaller model";
  } catch (const std::exception& e) {
    fin.kind = ModelUpdate::Kind::Error;
    fin.error = e.what();
  }
  fin.ms = ms();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // A cancelled job whose successor is queued reports nothing.
    if (!(fin.kind == ModelUpdate::Kind::Cancelled && pending_.has_value())) updates_.push_back(std::move(fin));
  }
}

}  // namespace attn::gui
