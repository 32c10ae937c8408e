#include "app/gui/key_events.h"

#include <GLFW/glfw3.h>

#include <vector>

namespace attn::gui {

namespace {

struct Press {
  int key, mods;
};
std::vector<Press> g_presses;
GLFWkeyfun g_chained = nullptr;  // ImGui's callback

void on_key(GLFWwindow* window, int key, int scancode, int action, int mods) {
  if (action == GLFW_PRESS || action == GLFW_REPEAT) g_presses.push_back({key, mods});
  if (g_chained) g_chained(window, key, scancode, action, mods);
}

}  // namespace

void key_events_install(GLFWwindow* window) {
  g_presses.clear();
  g_chained = glfwSetKeyCallback(window, on_key);
}

void key_events_end_frame() { g_presses.clear(); }

int key_presses(int key, int mods, int without) {
  int n = 0;
  for (const Press& p : g_presses)
    if (p.key == key && (p.mods & mods) == mods && (p.mods & without) == 0) ++n;
  return n;
}

}  // namespace attn::gui
