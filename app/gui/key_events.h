// Key presses between two frames, for shortcuts (Ctrl+Z, Ctrl+Q, Space, P, the arrows, ...).
//
// Why: ImGui 1.86 (its legacy key API) keeps only each key's current up/down state, so a key
// pressed and released within one frame never shows as pressed: a quick Ctrl+Z tap while a frame
// takes 40 ms (an edit at N = 256 on a software rasterizer), or xdotool in a test, was lost.
// GLFW's key callback sees every press, with the modifiers held at that moment; this module
// records them (chaining ImGui's own callback, which keeps working as before).
#pragma once
#include <cstddef>

struct GLFWwindow;

namespace attn::gui {

// Call once, after ImGui_ImplGlfw_InitForOpenGL(window, true) installed its callbacks.
void key_events_install(GLFWwindow* window);
// Forgets the presses seen so far; call at the end of each frame (the next frame's events are
// collected while the loop polls).
void key_events_end_frame();
// How many times `key` (a GLFW_KEY_*) was pressed or auto-repeated since the last frame with
// every modifier of `mods` held and none of `without` (GLFW_MOD_* bits).
int key_presses(int key, int mods = 0, int without = 0);

}  // namespace attn::gui
