#include "engine/io/xdg_paths.h"

#include <cstdlib>
#include <filesystem>

namespace attn {

namespace {
std::string resolve(const char* xdg_var, const char* home_suffix) {
  std::string base;
  if (const char* v = std::getenv(xdg_var); v && *v == '/') {
    base = v;
  } else if (const char* home = std::getenv("HOME"); home && *home) {
    base = std::string(home) + home_suffix;
  } else {
    return "";
  }
  const std::string dir = base + "/attnscope";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  return ec ? "" : dir;
}
}  // namespace

std::string xdg_data_dir() { return resolve("XDG_DATA_HOME", "/.local/share"); }
std::string xdg_config_dir() { return resolve("XDG_CONFIG_HOME", "/.config"); }

}  // namespace attn
