// The menu bar (File, Edit, View, Help) and the file popups it opens (Open / Save as: a path
// field with a sensible default in the working folder; ImGui 1.86 has no native file dialog).
#include <GLFW/glfw3.h>
#include <imgui.h>
#include <imgui_stdlib.h>

#include "app/gui/panels/panels.h"
#include "app/gui/workspace.h"
#include "engine/core/error.h"

namespace attn::gui {

namespace {
std::string g_path_buffer = "workspace.json";

void save_to(AppState& s, const std::string& path) {
  try {
    save_workspace(s, path);
    s.workspace_path = path;
    set_status(s, "saved " + path);
  } catch (const InputError& e) {
    set_status(s, e.what(), true);
  }
}
}  // namespace

void draw_menu_bar(AppState& s, GuiContext& ctx) {
  if (!ImGui::BeginMenuBar()) return;
  if (ImGui::BeginMenu("File")) {
    if (ImGui::MenuItem("Open workspace...", "Ctrl+O")) ctx.open_open = true;
    if (ImGui::MenuItem("Save workspace", "Ctrl+S")) {
      if (s.workspace_path.empty())
        ctx.open_save_as = true;
      else
        save_to(s, s.workspace_path);
    }
    if (ImGui::MenuItem("Save workspace as...", "Ctrl+Shift+S")) ctx.open_save_as = true;
    ImGui::Separator();
    if (ImGui::MenuItem("Quit", "Ctrl+Q")) s.quit = true;
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu("Edit")) {
    if (ImGui::MenuItem("Undo", "Ctrl+Z", false, s.undo.can_undo()) && s.undo.undo(s.cs, s.sentence)) mark_edited(s);
    if (ImGui::MenuItem("Redo", "Ctrl+Shift+Z", false, s.undo.can_redo()) && s.undo.redo(s.cs, s.sentence))
      mark_edited(s);
    ImGui::Separator();
    if (ImGui::MenuItem("Copy as CLI command")) {
      const std::string path = s.workspace_path.empty() ? "workspace.json" : s.workspace_path;
      ImGui::SetClipboardText(cli_command_for(path).c_str());
      set_status(s, s.workspace_path.empty() ? "copied (save the workspace as workspace.json first)" : "copied the CLI command");
    }
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu("View")) {
    ImGui::MenuItem("Numbers in cells", nullptr, &s.view.show_values);
    if (ImGui::MenuItem("Clear row selection", nullptr, false, s.view.selected_row >= 0)) s.view.selected_row = -1;
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu("Help")) {
    if (ImGui::MenuItem("Keyboard shortcuts", "F1")) ctx.open_shortcuts = true;
    ImGui::EndMenu();
  }
  ImGui::EndMenuBar();
}

void draw_file_popups(AppState& s, GuiContext& ctx) {
  if (ctx.open_save_as) {
    ImGui::OpenPopup("Save workspace as");
    if (!s.workspace_path.empty()) g_path_buffer = s.workspace_path;
    ctx.open_save_as = false;
  }
  if (ctx.open_open) {
    ImGui::OpenPopup("Open workspace");
    ctx.open_open = false;
  }
  if (ctx.open_shortcuts) {
    ImGui::OpenPopup("Keyboard shortcuts");
    ctx.open_shortcuts = false;
  }
  if (ImGui::BeginPopupModal("Save workspace as", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) {
    ImGui::TextUnformatted("File (relative to the working folder, or an absolute path):");
    ImGui::SetNextItemWidth(420.f);
    if (ImGui::IsWindowAppearing()) ImGui::SetKeyboardFocusHere();
    const bool enter = ImGui::InputText("##path", &g_path_buffer, ImGuiInputTextFlags_EnterReturnsTrue);
    if (ImGui::Button("Save") || enter) {
      save_to(s, g_path_buffer);
      ImGui::CloseCurrentPopup();
    }
    ImGui::SameLine();
    if (ImGui::Button("Cancel") || ImGui::IsKeyPressed(GLFW_KEY_ESCAPE)) ImGui::CloseCurrentPopup();
    ImGui::EndPopup();
  }
  if (ImGui::BeginPopupModal("Open workspace", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) {
    ImGui::TextUnformatted("Workspace or case JSON file:");
    ImGui::SetNextItemWidth(420.f);
    if (ImGui::IsWindowAppearing()) ImGui::SetKeyboardFocusHere();
    const bool enter = ImGui::InputText("##path", &g_path_buffer, ImGuiInputTextFlags_EnterReturnsTrue);
    if (ImGui::Button("Open") || enter) {
      // Loading validates before it changes anything, so on error the state is untouched.
      const AttentionCase before = s.cs;
      const std::string before_sentence = s.sentence;
      try {
        load_workspace(s, g_path_buffer);
        s.undo.push(before, before_sentence);
        s.workspace_path = g_path_buffer;
        set_status(s, "opened " + g_path_buffer);
      } catch (const InputError& e) {
        set_status(s, e.what(), true);
      }
      ImGui::CloseCurrentPopup();
    }
    ImGui::SameLine();
    if (ImGui::Button("Cancel") || ImGui::IsKeyPressed(GLFW_KEY_ESCAPE)) ImGui::CloseCurrentPopup();
    ImGui::EndPopup();
  }
  if (ImGui::BeginPopupModal("Keyboard shortcuts", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) {
    ImGui::TextUnformatted(
        "Ctrl+Z / Ctrl+Shift+Z   undo / redo\n"
        "Ctrl+S / Ctrl+Shift+S   save workspace / save as\n"
        "Ctrl+O                  open workspace\n"
        "Ctrl+Q                  quit (the workspace is autosaved)\n"
        "Space                   one gradient step (Sandbox)\n"
        "P                       play / pause gradient descent\n"
        "Mouse wheel             zoom a heatmap; right-drag pans; double-click resets\n"
        "Click a weights row     select that query everywhere\n"
        "F1                      this help");
    if (ImGui::Button("Close") || ImGui::IsKeyPressed(GLFW_KEY_ESCAPE)) ImGui::CloseCurrentPopup();
    ImGui::EndPopup();
  }
}

}  // namespace attn::gui
