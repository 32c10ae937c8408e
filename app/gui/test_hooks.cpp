#include "app/gui/test_hooks.h"

#include <imgui.h>

#include <array>
#include <map>
#include <nlohmann/json.hpp>

#include "engine/io/atomic_file.h"

namespace attn::gui {

namespace {
std::string g_path;
std::map<std::string, std::array<int, 4>> g_rects, g_written;
}  // namespace

void hooks_set_output(const std::string& path) { g_path = path; }

void hook_rect(const std::string& name, float x0, float y0, float x1, float y1) {
  if (g_path.empty()) return;
  g_rects[name] = {int(x0), int(y0), int(x1), int(y1)};
}

void hook_item(const std::string& name) {
  if (g_path.empty()) return;
  // A window's first frame (popups, combos) lays items out before its position is final: record
  // only settled positions, so a test never clicks where an item was for one frame.
  if (ImGui::IsWindowAppearing()) return;
  const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
  hook_rect(name, a.x, a.y, b.x, b.y);
}

void hooks_end_frame() {
  if (g_path.empty() || g_rects == g_written) return;
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [name, r] : g_rects)
    j[name] = {{"x0", r[0]}, {"y0", r[1]}, {"x1", r[2]}, {"y1", r[3]}, {"cx", (r[0] + r[2]) / 2}, {"cy", (r[1] + r[3]) / 2}};
  try {
    write_file_atomic(g_path, j.dump(1) + "\n");
    g_written = g_rects;
  } catch (...) {
    // A test hook must never take the app down; the test will notice the missing file.
  }
}

}  // namespace attn::gui
