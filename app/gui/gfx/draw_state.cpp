#include "app/gui/gfx/draw_state.h"

#include "app/gui/gfx/gl.h"

namespace attn::gfx {

void blend_off_callback(const ImDrawList*, const ImDrawCmd*) { glDisable(GL_BLEND); }

}  // namespace attn::gfx
