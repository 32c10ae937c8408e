// GL state changes inside an ImGui draw list, for opaque images.
// ImGui's OpenGL3 backend draws everything with alpha blending on. The heatmap images are opaque
// (the colormap shader writes alpha 1), so blending them changes nothing on screen but costs a
// read of the destination per pixel; on a software rasterizer (Mesa llvmpipe under Xvfb, where
// the tests and benchmarks run) that is a visible share of each frame. Usage:
//   draw_list->AddCallback(gfx::blend_off_callback, nullptr);
//   ImGui::Image(...);                                              // drawn without blending
//   draw_list->AddCallback(ImDrawCallback_ResetRenderState, nullptr);  // the backend's state back
#pragma once
struct ImDrawList;
struct ImDrawCmd;

namespace attn::gfx {

void blend_off_callback(const ImDrawList* list, const ImDrawCmd* cmd);

}  // namespace attn::gfx
