# Writes a C++ source that maps each file name in shaders/ to its text.
# Usage: cmake -DOUT=<file.cpp> -DSHADER_DIR=<dir> -P embed_shaders.cmake
file(GLOB files "${SHADER_DIR}/*.vert" "${SHADER_DIR}/*.frag")
set(body "")
foreach(f ${files})
  get_filename_component(name ${f} NAME)
  file(READ ${f} text)
  string(APPEND body "    {\"${name}\", R\"GLSL(${text})GLSL\"},\n")
endforeach()
file(WRITE "${OUT}.new" "// Generated from shaders/ by app/gui/gfx/embed_shaders.cmake. Do not edit.\n#include <map>\n#include <string>\nnamespace attn::gfx {\nconst std::map<std::string, std::string>& embedded_shaders() {\n  static const std::map<std::string, std::string> all = {\n${body}  };\n  return all;\n}\n}  // namespace attn::gfx\n")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different "${OUT}.new" "${OUT}")
file(REMOVE "${OUT}.new")
