// attnscope entry point. With a subcommand it is the command line (app/cli/); without one it
// opens the window: the canonical GLFW + OpenGL 3.3 + Dear ImGui loop (init, poll, new frame,
// draw, render, swap; shutdown in reverse). What is drawn lives in app/gui/.
#include <GLFW/glfw3.h>  // GLFW_INCLUDE_NONE comes from app/CMakeLists.txt: ImGui's backend brings the GL loader
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>

#include <cstdio>
#include <string>

#include "app/cli/cli.h"
#include "app/gui/gfx/gl.h"
#include "app/gui/frame_timer.h"
#include "app/gui/gui_app.h"
#include "engine/core/malloc_policy.h"

namespace {
std::string g_glfw_error;
void on_glfw_error(int code, const char* description) { g_glfw_error = description ? description : "unknown"; }
}  // namespace

int main(int argc, char** argv) {
  attn::use_interactive_malloc_policy();  // freed result buffers stay in the heap (no page faults per edit)
  attn::cli::GuiOptions options;
  bool run_gui = false;
  const int code = attn::cli::run_cli(argc, argv, &options, &run_gui);
  if (!run_gui) return code;

  glfwSetErrorCallback(on_glfw_error);
  if (!glfwInit()) {
    return attn::cli::report_error(
        "cannot open a window (" + g_glfw_error +
        "): the GUI needs an X display. Without one, use the command line: attnscope demo, attnscope compute --help");
  }
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
  glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
  glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
  glfwWindowHint(GLFW_SCALE_TO_MONITOR, GLFW_TRUE);
  GLFWwindow* window = glfwCreateWindow(options.width, options.height, "attnscope", nullptr, nullptr);
  if (!window) {
    glfwTerminate();
    return attn::cli::report_error("cannot create an OpenGL 3.3 window (" + g_glfw_error +
                                   "). Use the command line instead: attnscope --help");
  }
  glfwMakeContextCurrent(window);
  // Vsync for people; none for screenshots and benchmarks (they measure the work, not the wait).
  glfwSwapInterval(options.screenshot.empty() && options.bench_frames == 0 ? 1 : 0);

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGui_ImplGlfw_InitForOpenGL(window, true);
  ImGui_ImplOpenGL3_Init("#version 330 core");

  float xscale = 1.f, yscale = 1.f;
  glfwGetWindowContentScale(window, &xscale, &yscale);
  attn::gui::GuiApp app;
  if (!app.init(options, window, xscale)) {
    ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplGlfw_Shutdown();
    ImGui::DestroyContext();
    glfwDestroyWindow(window);
    glfwTerminate();
    return attn::cli::kExitBadInput;
  }

  int frame = 0;
  int exit_code = 0;
  attn::gui::FrameTimer timer(options.bench_frames, options.bench_mode);
  while (!glfwWindowShouldClose(window) && !app.wants_quit()) {
    // Model benchmarks time frames only once the Model tab shows its first complete result.
    const bool bench_ready = timer.active() && app.bench_ready(options.bench_mode);
    if (bench_ready) timer.frame_start();
    // Sleep until an event arrives unless something animates (Play, a running job, a test run).
    if (app.is_animating() || !options.screenshot.empty() || timer.active())
      glfwPollEvents();
    else
      glfwWaitEventsTimeout(0.25);
    if (bench_ready) app.bench_step(options.bench_mode, frame);
    app.before_frame();  // font atlas rebuilds must happen outside a frame
    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplGlfw_NewFrame();
    ImGui::NewFrame();
    app.frame();
    ImGui::Render();
    if (bench_ready) {
      timer.mark(attn::gui::FrameTimer::kUi);
      timer.note_vertices(ImGui::GetDrawData()->TotalVtxCount);
    }
    int fb_w = 0, fb_h = 0;
    glfwGetFramebufferSize(window, &fb_w, &fb_h);
    glViewport(0, 0, fb_w, fb_h);
    const ImVec4 bg = ImGui::GetStyle().Colors[ImGuiCol_WindowBg];  // the main window has no background of its own
    glClearColor(bg.x, bg.y, bg.z, 1.f);
    glClear(GL_COLOR_BUFFER_BIT);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
    if (bench_ready) timer.mark(attn::gui::FrameTimer::kDraw);
    ++frame;
    if (!options.screenshot.empty() && frame >= (options.frames > 0 ? options.frames : 5) && app.is_settled()) {
      exit_code = app.save_screenshot(options.screenshot, fb_w, fb_h) ? 0 : attn::cli::kExitBadInput;
      break;
    }
    glfwSwapBuffers(window);
    if (bench_ready) {
      glFinish();  // the frame is on screen: count the GPU's (llvmpipe's) work too
      if (timer.frame_end()) break;
    }
  }

  app.shutdown();
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  glfwDestroyWindow(window);
  glfwTerminate();
  return exit_code;
}
