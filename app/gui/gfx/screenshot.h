// Reads the window's framebuffer and writes it as a PNG (the app's --screenshot and tests).
#pragma once
#include <string>

namespace attn::gfx {

// Returns false (and the reason in *error) when the file cannot be written.
bool save_framebuffer_png(const std::string& path, int width, int height, std::string* error);

}  // namespace attn::gfx
