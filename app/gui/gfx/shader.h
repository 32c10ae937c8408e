// GLSL 330 programs built from the sources in shaders/ (embedded into the binary at build time,
// so the app runs from any folder).
#pragma once
#include <string>

namespace attn::gfx {

// The text of shaders/<name> (e.g. "heatmap.frag"); throws std::runtime_error if unknown.
const std::string& shader_source(const std::string& name);

class ShaderProgram {
 public:
  ShaderProgram() = default;
  ~ShaderProgram();
  ShaderProgram(const ShaderProgram&) = delete;
  ShaderProgram& operator=(const ShaderProgram&) = delete;

  // Compiles and links; throws std::runtime_error with the driver's log on failure.
  void build(const std::string& vertex_name, const std::string& fragment_name);
  void use() const;
  int uniform(const char* name) const;
  unsigned id() const { return program_; }

 private:
  unsigned program_ = 0;
};

}  // namespace attn::gfx
