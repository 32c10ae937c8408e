// Where attnscope keeps state and settings (XDG base directories):
//   data:   $XDG_DATA_HOME/attnscope   (default ~/.local/share/attnscope): autosaved workspace
//   config: $XDG_CONFIG_HOME/attnscope (default ~/.config/attnscope): imgui.ini, preferences
// Never the working directory.
#pragma once
#include <string>

namespace attn {

std::string xdg_data_dir();    // created if missing; "" if neither XDG_DATA_HOME nor HOME is set
std::string xdg_config_dir();

}  // namespace attn
