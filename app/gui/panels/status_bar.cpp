// The status line: compute time, FLOPs, shapes, and the last message (errors in red).
#include <GLFW/glfw3.h>
#include <imgui.h>

#include "app/gui/panels/panels.h"
#include "engine/analysis/cost.h"

namespace attn::gui {

void set_status(AppState& s, const std::string& message, bool is_error) {
  s.status.message = message;
  s.status.is_error = is_error;
  s.status.when = glfwGetTime();
}

void draw_status_bar(AppState& s, GuiContext& ctx) {
  ImGui::Separator();
  if (ctx.worker && ctx.worker->busy()) {
    ImGui::ProgressBar(ctx.worker->progress(), ImVec2(160.f, 0.f));
    ImGui::SameLine();
    if (ImGui::SmallButton("Cancel")) {
      ctx.worker->cancel();
      set_status(s, "cancelling the computation...");
    }
    ImGui::SameLine();
    ImGui::TextUnformatted("computing in the background |");
    ImGui::SameLine();
  }
  const AttentionConfig& c = s.cs.config;
  const CostReport cost = attention_cost(c);
  // The numbers are the sandbox's; on the Model tab (whose progress and timings are in its own
  // column) they are labelled so they are not read as the model's.
  ImGui::Text("%scompute %.2f ms | fwd %.3g FLOP, bwd %.3g FLOP | N=%d M=%d H=%d dk=%d dv=%d",
              s.model.tab_open ? "sandbox: " : "", s.compute_ms, cost.forward_flops, cost.backward_flops, c.N, c.M,
              c.H, c.dk, c.dv);
  ImGui::SameLine();
  if (!s.compute_error.empty()) {
    ImGui::TextColored(ImVec4(1.f, 0.45f, 0.4f, 1.f), "| cannot compute: %s", s.compute_error.c_str());
  } else if (!s.status.message.empty()) {
    if (s.status.is_error)
      ImGui::TextColored(ImVec4(1.f, 0.45f, 0.4f, 1.f), "| %s", s.status.message.c_str());
    else
      ImGui::TextColored(ImVec4(0.6f, 0.85f, 0.6f, 1.f), "| %s", s.status.message.c_str());
  }
}

}  // namespace attn::gui
