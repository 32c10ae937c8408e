// Small helpers so every panel edits the case the same way: an undo snapshot before the change
// (once per drag, not once per frame), then mark_edited so the next frame recomputes.
#pragma once
#include <imgui.h>

#include <string>

#include "app/gui/app_state.h"
#include "app/gui/panels/panels.h"
#include "engine/core/error.h"

namespace attn::gui {

// For one-shot widgets (combo, checkbox, button): snapshot, apply, mark. InputErrors from the
// engine's edit functions are shown in the status line and leave the case as it was.
template <class F>
void apply_edit(AppState& s, F&& change) {
  const AttentionCase before = s.cs;
  const std::string before_sentence = s.sentence;
  try {
    change();
    s.undo.push(before, before_sentence);
    mark_edited(s);
  } catch (const InputError& e) {
    s.cs = before;
    s.sentence = before_sentence;
    set_status(s, e.what(), true);
  }
}

// For continuous widgets (drag, slider): call right after the widget; pushes one snapshot when
// the drag starts. Then apply the value and call mark_edited when the widget reports a change.
inline void snapshot_on_activate(AppState& s) {
  if (ImGui::IsItemActivated()) begin_edit(s);
}

// A "(?)" marker with a tooltip, for controls whose meaning is not obvious.
inline void help_marker(const char* text) {
  ImGui::SameLine();
  ImGui::TextDisabled("(?)");
  if (ImGui::IsItemHovered()) {
    ImGui::BeginTooltip();
    ImGui::PushTextWrapPos(ImGui::GetFontSize() * 30.f);
    ImGui::TextUnformatted(text);
    ImGui::PopTextWrapPos();
    ImGui::EndTooltip();
  }
}

}  // namespace attn::gui
