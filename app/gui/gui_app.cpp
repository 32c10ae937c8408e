#include "app/gui/gui_app.h"

#include <GLFW/glfw3.h>
#include <imgui.h>

#include <chrono>
#include <cstdio>

#include "app/gui/gfx/heatmap_renderer.h"
#include "app/gui/gfx/screenshot.h"
#include "app/gui/key_events.h"
#include "app/gui/model_runtime.h"
#include "app/gui/panels/panels.h"
#include "app/gui/test_hooks.h"
#include "app/gui/workspace.h"
#include "engine/core/error.h"
#include "engine/io/xdg_paths.h"
#include "engine/sandbox/presets.h"

namespace attn::gui {

namespace {
constexpr float kControlsWidth = 330.f;
constexpr double kAutosaveDelay = 1.0;  // seconds after the last edit

void note_text_for_fonts(FontManager& fonts, const AppState& s) {
  fonts.want_text(s.sentence);
  for (const auto& t : s.cs.query_tokens) fonts.want_text(t);
  for (const auto& t : s.cs.key_tokens) fonts.want_text(t);
}
}  // namespace

GuiApp::GuiApp() = default;
GuiApp::~GuiApp() = default;

bool GuiApp::init(const cli::GuiOptions& options, GLFWwindow* window, float content_scale) {
  ctx_.window = window;
  key_events_install(window);  // after ImGui's callbacks: chains them
  ctx_.fonts = &fonts_;
  ctx_.worker = &worker_;
  model_ = std::make_unique<ModelRuntime>(options.log_timing);
  ctx_.model = model_.get();
  ImGuiIO& io = ImGui::GetIO();
  // imgui.ini lives in the XDG config folder, never in the working directory.
  const std::string cfg = xdg_config_dir();
  ini_path_ = cfg.empty() ? "" : cfg + "/imgui.ini";
  io.IniFilename = ini_path_.empty() ? nullptr : ini_path_.c_str();
  ImGui::StyleColorsDark();
  // The main window draws no background: the frame's clear colour is its background (main.cpp
  // clears with WindowBg). On a software rasterizer (Mesa llvmpipe under Xvfb) a full-window
  // blended rectangle is a large share of every frame; popups keep an opaque WindowBg.
  ImGui::GetStyle().Colors[ImGuiCol_WindowBg].w = 1.f;
  ImGui::GetStyle().ScaleAllSizes(content_scale);
  fonts_.init(15.f * content_scale);
  try {
    gfx::heatmap_renderer_init();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "attnscope: error: %s\n", e.what());
    return false;
  }
  hooks_set_output(options.dump_widgets);

  // What to open: --workspace, else --preset, else the autosave (unless --fresh), else the example.
  state_.cs = default_example();
  try {
    if (!options.workspace.empty()) {
      load_workspace(state_, options.workspace);
      state_.workspace_path = options.workspace;
      set_status(state_, "opened " + options.workspace);
    } else if (!options.preset.empty()) {
      state_.cs = make_preset(options.preset);
    } else if (!options.fresh && !autosave_path().empty()) {
      FILE* f = std::fopen(autosave_path().c_str(), "rb");
      if (f) {
        std::fclose(f);
        try {
          load_workspace(state_, autosave_path());
          set_status(state_, "restored the last session");
        } catch (const InputError& e) {
          // Keep the unreadable file for the user; start on the example.
          std::rename(autosave_path().c_str(), (autosave_path() + ".unreadable").c_str());
          set_status(state_, std::string("could not restore the last session (kept as workspace.json.unreadable): ") + e.what(), true);
        }
      }
    }
  } catch (const InputError& e) {
    std::fprintf(stderr, "attnscope: error: %s\n", e.what());
    return false;
  }
  if (state_.sentence.empty())
    for (size_t i = 0; i < state_.cs.query_tokens.size(); ++i) state_.sentence += (i ? " " : "") + state_.cs.query_tokens[i];
  autosave_enabled_ = options.screenshot.empty() || !options.dump_widgets.empty() || true;
  // --model DIR --text "...": open the Model tab on that sentence (a restored session reopens it too).
  if (!options.model_dir.empty() || !options.model_text.empty()) {
    if (!options.model_dir.empty()) state_.model.dir = options.model_dir;
    if (!options.model_text.empty()) state_.model.sentence = options.model_text;
    state_.model.tab_open = true;
  }
  model_->select_tab = state_.model.tab_open;
  note_text_for_fonts(fonts_, state_);
  note_model_fonts(fonts_, state_, ctx_);
  mark_edited(state_);
  autosaved_version_ = saved_key();
  return true;
}

bool GuiApp::is_animating() const {
  // While the Model tab waits for its worker the loop polls (a finished job must show at once,
  // not after the idle wait for the next input event).
  return state_.playing || worker_.busy() || (model_ && state_.model.tab_open && !model_->settled());
}

bool GuiApp::is_settled() const {
  const bool sandbox = state_.result_version == state_.edit_version || !state_.compute_error.empty();
  return sandbox && (!state_.model.tab_open || !model_ || model_->settled());
}

void GuiApp::before_frame() {
  note_text_for_fonts(fonts_, state_);
  note_model_fonts(fonts_, state_, ctx_);
  fonts_.rebuild_if_needed();
}

void GuiApp::recompute_if_needed() {
  // A background job finished: take it if it belongs to the current edit.
  if (auto done = worker_.take_done()) {
    if (done->version == state_.edit_version) {
      if (done->ok) {
        state_.result = std::move(done->result);
        state_.compute_error.clear();
      } else if (done->cancelled) {
        state_.compute_error = "computation cancelled; the maps show the previous result (edit anything to compute again)";
      } else {
        state_.compute_error = done->error;
      }
      state_.compute_ms = done->ms;
      state_.result_version = done->version;
    }
  }
  if (state_.result_version == state_.edit_version) return;
  const AttentionConfig& c = state_.cs.config;
  // Up to N x M = 256 x 256 the edit is computed in this frame (the "same frame" promise);
  // larger cases go to the worker with a progress bar and a cancel button.
  const bool in_frame = double(c.N) * double(c.M) <= 256.0 * 256.0;
  if (!in_frame) {
    if (requested_version_ != state_.edit_version) {
      worker_.request(state_.cs, state_.edit_version);
      requested_version_ = state_.edit_version;
    }
    return;
  }
  const auto t0 = std::chrono::steady_clock::now();
  try {
    AttentionResult r = run_attention(state_.cs, true);
    state_.result = std::move(r);
    state_.compute_error.clear();
  } catch (const InputError& e) {
    state_.compute_error = e.what();  // shown; the last good result stays on screen
  } catch (const std::bad_alloc&) {
    state_.compute_error = "out of memory: make N, M or H smaller";
  }
  state_.compute_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  state_.result_version = state_.edit_version;
}

void GuiApp::handle_shortcuts() {
  // Presses queued by key_events (a tap shorter than a frame counts; ImGui 1.86 would miss it).
  const ImGuiIO& io = ImGui::GetIO();
  const int ctrl = GLFW_MOD_CONTROL, shift = GLFW_MOD_SHIFT;
  for (int k = key_presses(GLFW_KEY_Z, ctrl, shift); k > 0; --k) {
    const bool ok = state_.undo.undo(state_.cs, state_.sentence);
    if (ok) mark_edited(state_);
    set_status(state_, ok ? "undo" : "nothing to undo");
  }
  for (int k = key_presses(GLFW_KEY_Z, ctrl | shift) + key_presses(GLFW_KEY_Y, ctrl); k > 0; --k) {
    const bool ok = state_.undo.redo(state_.cs, state_.sentence);
    if (ok) mark_edited(state_);
    set_status(state_, ok ? "redo" : "nothing to redo");
  }
  if (key_presses(GLFW_KEY_S, ctrl)) {
    if (state_.workspace_path.empty() || key_presses(GLFW_KEY_S, ctrl | shift)) {
      ctx_.open_save_as = true;
    } else {
      try {
        save_workspace(state_, state_.workspace_path);
        set_status(state_, "saved " + state_.workspace_path);
      } catch (const InputError& e) {
        set_status(state_, e.what(), true);
      }
    }
  }
  if (key_presses(GLFW_KEY_O, ctrl)) ctx_.open_open = true;
  if (key_presses(GLFW_KEY_Q, ctrl)) state_.quit = true;
  if (!io.WantTextInput && key_presses(GLFW_KEY_F1)) ctx_.open_shortcuts = true;
}

void GuiApp::frame() {
  handle_shortcuts();
  recompute_if_needed();

  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(vp->WorkPos);
  ImGui::SetNextWindowSize(vp->WorkSize);
  const ImGuiWindowFlags flags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_MenuBar |
                                 ImGuiWindowFlags_NoBringToFrontOnFocus | ImGuiWindowFlags_NoSavedSettings |
                                 ImGuiWindowFlags_NoBackground;
  ImGui::PushStyleVar(ImGuiStyleVar_WindowRounding, 0.f);
  ImGui::Begin("attnscope", nullptr, flags);
  ImGui::PopStyleVar();
  draw_menu_bar(state_, ctx_);
  const float status_h = ImGui::GetFrameHeightWithSpacing() + 2.f;
  const float body_h = ImGui::GetContentRegionAvail().y - status_h;
  // The sandbox's control column; the Model tab has its own (it was the open tab last frame).
  const bool model_open = state_.model.tab_open;
  if (!model_open) {
    ImGui::BeginChild("controls", ImVec2(kControlsWidth * ImGui::GetIO().FontGlobalScale, body_h), true);
    draw_controls_panel(state_, ctx_);
    ImGui::EndChild();
    ImGui::SameLine();
  }
  ImGui::BeginChild("views", ImVec2(0, body_h), false);
  if (ImGui::BeginTabBar("view_tabs")) {
    const bool sandbox_tab = ImGui::BeginTabItem("Sandbox");
    hook_item("tab_sandbox");
    if (sandbox_tab) {
      draw_sandbox_panel(state_, ctx_);
      ImGui::EndTabItem();
    }
    const bool pe_tab = ImGui::BeginTabItem("Positional encodings");
    hook_item("tab_positional");
    if (pe_tab) {
      draw_pe_panel(state_, ctx_);
      ImGui::EndTabItem();
    }
    const bool cost_tab = ImGui::BeginTabItem("Cost");
    hook_item("tab_cost");
    if (cost_tab) {
      draw_cost_panel(state_, ctx_);
      ImGui::EndTabItem();
    }
    const bool model_tab = ImGui::BeginTabItem("Model", nullptr, model_->select_tab ? ImGuiTabItemFlags_SetSelected : 0);
    hook_item("tab_model");
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Load a model, type a sentence, see what every attention head does");
    if (model_tab) model_->select_tab = false;  // SetSelected takes effect within a frame or two
    if (!model_->select_tab && model_tab != state_.model.tab_open) {
      state_.model.tab_open = model_tab;
      ++state_.model.version;
    }
    if (model_tab) {
      draw_model_panel(state_, ctx_);
      ImGui::EndTabItem();
    }
    ImGui::EndTabBar();
  }
  ImGui::EndChild();
  draw_status_bar(state_, ctx_);
  draw_file_popups(state_, ctx_);
  draw_export_popup(state_, ctx_);
  ImGui::End();

  // Every edit recomputes before the next frame's drawing; the same frame shows it when the
  // panel that edited draws after the compute (most do: the compute runs first next frame).
  if (saved_key() != last_seen_version_) {
    last_seen_version_ = saved_key();
    last_edit_time_ = glfwGetTime();
  }
  autosave(false);
  hooks_end_frame();
  key_events_end_frame();
}

void GuiApp::autosave(bool force) {
  if (!autosave_enabled_ || autosaved_version_ == saved_key()) return;
  if (!force && glfwGetTime() - last_edit_time_ < kAutosaveDelay) return;
  const std::string path = autosave_path();
  if (path.empty()) return;
  try {
    save_workspace(state_, path);
    autosaved_version_ = saved_key();
  } catch (const InputError& e) {
    set_status(state_, std::string("autosave failed: ") + e.what(), true);
    autosaved_version_ = saved_key();  // do not retry every frame
  }
}

void GuiApp::shutdown() {
  cost_panel_shutdown();
  autosave(true);
  ctx_.heatmaps.clear();
  ctx_.model = nullptr;
  model_.reset();  // joins the model worker
  gfx::heatmap_renderer_shutdown();
}

bool GuiApp::bench_ready(const std::string& mode) const {
  if (mode.rfind("model-", 0) != 0) return true;
  if (mode == "model-edit") return model_->ins != nullptr;  // then every frame counts, computing or not
  return model_->ins && model_->settled();
}

void GuiApp::bench_step(const std::string& mode, int frame) {
  if (mode == "model-scroll") {
    model_->bench_frame = frame;  // the grid scrolls (model_panel.cpp)
  } else if (mode == "model-edit") {
    // Once the last edit's results are all in (and 4 frames later), add or remove a trailing
    // space: a real edit that recomputes the whole inspection (--log-timing prints each edit's
    // time to a drawn grid).
    static int last_edit = -100;
    if (model_->settled() && frame - last_edit >= 4) {
      last_edit = frame;
      std::string& t = state_.model.sentence;
      if (!t.empty() && t.back() == ' ')
        t.pop_back();
      else
        t += ' ';
      ++state_.model.version;
    }
  } else if (mode == "pan") {
    // Pan the big map by one cell a frame (zoomed 2x), so its texture re-renders every frame.
    HeatmapWidget& w = ctx_.heatmap("big_stage");
    const float span = 0.5f, t = float(frame % 64) / 64.f * (1.f - span);
    w.uv_min[0] = w.uv_min[1] = t;
    w.uv_max[0] = w.uv_max[1] = t + span;
  } else if (mode == "edit" && !state_.cs.tensors.Q.empty()) {
    // One edit a frame, as a drag in the Q editor makes: recompute, re-upload, redraw.
    MatRM& Q = state_.cs.tensors.Q[0];
    Q(frame % Q.rows(), 0) += (frame % 2 ? -1e-3f : 1e-3f);
    mark_edited(state_);
  }
}

bool GuiApp::save_screenshot(const std::string& path, int width, int height) {
  std::string error;
  if (!gfx::save_framebuffer_png(path, width, height, &error)) {
    std::fprintf(stderr, "attnscope: error: %s\n", error.c_str());
    return false;
  }
  return true;
}

}  // namespace attn::gui
