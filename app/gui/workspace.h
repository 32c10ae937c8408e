// Workspaces: a case plus view settings, in the case JSON format (DESIGN.md), so
// `attnscope compute --input workspace.json` works on a saved workspace. The GUI autosaves one to
// $XDG_DATA_HOME/attnscope/workspace.json and restores it on the next launch.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "app/gui/app_state.h"

namespace attn::gui {

nlohmann::json workspace_to_json(const AppState& s);
// Replaces the case, the sentence and the view of `s` from a workspace or plain case file.
// Throws InputError (s unchanged) when the file is not a valid case.
void workspace_from_json(AppState& s, const nlohmann::json& j);

void save_workspace(const AppState& s, const std::string& path);   // atomic; throws InputError
void load_workspace(AppState& s, const std::string& path);         // throws InputError

std::string autosave_path();  // "" when no XDG folder can be made

// The command line that recomputes the current view from a saved workspace.
std::string cli_command_for(const std::string& workspace_path);

}  // namespace attn::gui
