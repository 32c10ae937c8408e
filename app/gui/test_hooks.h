// Test hooks: named widget rectangles, written as JSON so GUI tests click real positions
// instead of guessing (attnscope --dump-widgets FILE). Costs nothing when no file is set.
#pragma once
#include <string>

namespace attn::gui {

void hooks_set_output(const std::string& path);
// Records the last ImGui item's rectangle (screen pixels) under `name`.
void hook_item(const std::string& name);
// Records an explicit rectangle (e.g. one cell of a heatmap).
void hook_rect(const std::string& name, float x0, float y0, float x1, float y1);
// Writes the file when the set of rectangles changed since the last write; call once a frame.
void hooks_end_frame();

}  // namespace attn::gui
