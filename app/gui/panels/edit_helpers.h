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

// An integer field for sizes (N, M, H, D, d_k, d_v) whose intermediate values must not apply:
// typing "300" into N would otherwise resize to 3 (cutting tokens and values) and then to 30 on
// the way. The typed number applies on Enter or when the field loses focus; the -/+ buttons
// apply at once. Returns true when *value changed.
inline bool deferred_int_input(const char* label, int* value, int step = 1, int step_fast = 16) {
  ImGuiStorage* st = ImGui::GetStateStorage();
  // Keys of our own, not the field's ID: in ImGui 1.86 GetID() also marks that ID alive, and the
  // field's group would then not claim the active ID (an assertion when the field is edited).
  const ImGuiID pending_key = ImGui::GetID((std::string("deferred.value:") + label).c_str());
  const ImGuiID typing_key = ImGui::GetID((std::string("deferred.typing:") + label).c_str());
  const bool was_typing = st->GetBool(typing_key, false);
  int v = was_typing ? st->GetInt(pending_key, *value) : *value;
  const bool changed = ImGui::InputInt(label, &v, step, step_fast);
  const bool typing = ImGui::IsItemActive() && ImGui::GetIO().WantTextInput;
  if (typing) {  // keep what is typed so far, apply nothing yet
    st->SetInt(pending_key, v);
    st->SetBool(typing_key, true);
    return false;
  }
  st->SetBool(typing_key, false);
  if ((was_typing || changed) && v != *value) {  // Enter, focus moved away, or a -/+ click
    *value = v;
    return true;
  }
  return false;
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
