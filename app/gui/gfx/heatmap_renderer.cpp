#include "app/gui/gfx/heatmap_renderer.h"

#include <cmath>
#include <cstring>

#include "app/gui/gfx/colormap_strip.h"
#include "app/gui/gfx/gl.h"
#include "app/gui/gfx/shader.h"

namespace attn::gfx {

namespace {
std::unique_ptr<ShaderProgram> g_program;
unsigned g_vao = 0;

bool same_style(const HeatmapStyle& a, const HeatmapStyle& b) {
  return a.vmin == b.vmin && a.vmax == b.vmax && a.log_scale == b.log_scale && a.pool_abs == b.pool_abs &&
         a.lut == b.lut && std::memcmp(a.masked_rgb, b.masked_rgb, sizeof a.masked_rgb) == 0 &&
         a.highlight_row == b.highlight_row && std::memcmp(a.highlight_rgba, b.highlight_rgba, sizeof a.highlight_rgba) == 0 &&
         std::memcmp(a.uv_min, b.uv_min, sizeof a.uv_min) == 0 && std::memcmp(a.uv_max, b.uv_max, sizeof a.uv_max) == 0;
}
}  // namespace

void heatmap_renderer_init() {
  g_program = std::make_unique<ShaderProgram>();
  g_program->build("fullscreen.vert", "heatmap.frag");
  glGenVertexArrays(1, &g_vao);  // core profile: a VAO must be bound to draw, even without buffers
}

void heatmap_renderer_shutdown() {
  colormap_strips_clear();
  g_program.reset();
  if (g_vao) glDeleteVertexArrays(1, &g_vao);
  g_vao = 0;
}

void HeatmapTexture::set_data(const float* values, int rows, int cols) {
  values_.upload_float(values, rows, cols);
  rows_ = rows;
  cols_ = cols;
  data_dirty_ = true;
}

void HeatmapTexture::render(int width, int height, const HeatmapStyle& style) {
  if (rows_ == 0 || cols_ == 0 || !style.lut) return;
  if (!data_dirty_ && width == last_w_ && height == last_h_ && same_style(style, last_)) return;
  if (style.lut != lut_source_) {
    lut_.upload_lut(style.lut);
    lut_source_ = style.lut;
  }
  target_.resize(width, height);
  // Save the state ImGui's renderer relies on; it resets most of it each frame anyway.
  GLint prev_fbo = 0, prev_program = 0, prev_vao = 0, prev_tex = 0, prev_active = 0;
  GLint prev_viewport[4];
  glGetIntegerv(GL_FRAMEBUFFER_BINDING, &prev_fbo);
  glGetIntegerv(GL_CURRENT_PROGRAM, &prev_program);
  glGetIntegerv(GL_VERTEX_ARRAY_BINDING, &prev_vao);
  glGetIntegerv(GL_ACTIVE_TEXTURE, &prev_active);
  glGetIntegerv(GL_VIEWPORT, prev_viewport);
  const GLboolean blend = glIsEnabled(GL_BLEND), scissor = glIsEnabled(GL_SCISSOR_TEST);
  glDisable(GL_BLEND);
  glDisable(GL_SCISSOR_TEST);

  target_.bind();
  g_program->use();
  glActiveTexture(GL_TEXTURE1);
  glGetIntegerv(GL_TEXTURE_BINDING_2D, &prev_tex);
  glBindTexture(GL_TEXTURE_2D, lut_.id());
  glActiveTexture(GL_TEXTURE0);
  glBindTexture(GL_TEXTURE_2D, values_.id());
  glUniform1i(g_program->uniform("u_values"), 0);
  glUniform1i(g_program->uniform("u_lut"), 1);
  glUniform2i(g_program->uniform("u_size"), cols_, rows_);
  glUniform2f(g_program->uniform("u_out_size"), float(width), float(height));
  glUniform2f(g_program->uniform("u_uv_min"), style.uv_min[0], style.uv_min[1]);
  glUniform2f(g_program->uniform("u_uv_max"), style.uv_max[0], style.uv_max[1]);
  glUniform1f(g_program->uniform("u_vmin"), style.log_scale ? std::log10(style.vmin) : style.vmin);
  glUniform1f(g_program->uniform("u_vmax"), style.log_scale ? std::log10(style.vmax) : style.vmax);
  glUniform1i(g_program->uniform("u_log"), style.log_scale ? 1 : 0);
  glUniform1i(g_program->uniform("u_pool_abs"), style.pool_abs ? 1 : 0);
  glUniform3fv(g_program->uniform("u_masked_color"), 1, style.masked_rgb);
  glUniform1i(g_program->uniform("u_highlight_row"), style.highlight_row);
  glUniform4fv(g_program->uniform("u_highlight_color"), 1, style.highlight_rgba);
  glBindVertexArray(g_vao);
  glDrawArrays(GL_TRIANGLES, 0, 3);

  glActiveTexture(GL_TEXTURE1);
  glBindTexture(GL_TEXTURE_2D, GLuint(prev_tex));
  glActiveTexture(GLenum(prev_active));
  glBindVertexArray(GLuint(prev_vao));
  glUseProgram(GLuint(prev_program));
  glBindFramebuffer(GL_FRAMEBUFFER, GLuint(prev_fbo));
  glViewport(prev_viewport[0], prev_viewport[1], prev_viewport[2], prev_viewport[3]);
  if (blend) glEnable(GL_BLEND);
  if (scissor) glEnable(GL_SCISSOR_TEST);

  data_dirty_ = false;
  last_ = style;
  last_w_ = width;
  last_h_ = height;
}

}  // namespace attn::gfx
