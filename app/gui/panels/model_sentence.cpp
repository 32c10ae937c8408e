// The Model tab's side column: which model (shipped ones, or any folder), the sentence with
// example sentences, the tokens as chips (the typed text and the id; unknown words marked), the
// per-token saliency bar, the next-token probabilities, the gradient target, and the progress of
// the background computation with its cancel button.
#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "app/gui/panels/model_panels.h"
#include "app/gui/test_hooks.h"

namespace attn::gui {

namespace {

std::string folder_name(const std::string& dir) {
  std::filesystem::path p(dir);
  if (!p.has_filename()) p = p.parent_path();
  return p.filename().string();
}

void draw_picker(AppState& s, ModelRuntime& rt) {
  const std::string current = rt.effective_dir(s.model);
  ImGui::TextUnformatted("Model");
  ImGui::SetNextItemWidth(-1);
  const std::string preview = current.empty() ? "(none found)" : folder_name(current);
  if (ImGui::BeginCombo("##model_combo", preview.c_str())) {
    for (size_t i = 0; i < rt.shipped.size(); ++i) {
      const std::string& d = rt.shipped[i];
      if (ImGui::Selectable(folder_name(d).c_str(), d == current)) {
        s.model.dir = d;
        rt.model_error.clear();
        rt.folder_edit = d;
        touch(s);
      }
      hook_item("model_shipped_" + std::to_string(i));
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", d.c_str());
    }
    if (rt.shipped.empty()) ImGui::TextDisabled("no shipped model found");
    ImGui::EndCombo();
  }
  hook_item("model_combo");
  tip("The models shipped with attnscope (assets/models). To open another one, type its folder below.");
  if (!rt.folder_edit_init) {
    rt.folder_edit = current;
    rt.folder_edit_init = true;
  }
  const float open_w = ImGui::CalcTextSize("Open").x + ImGui::GetStyle().FramePadding.x * 2.f;
  ImGui::SetNextItemWidth(-open_w - ImGui::GetStyle().ItemSpacing.x);
  const bool enter = ImGui::InputTextWithHint("##model_folder", "model folder", &rt.folder_edit,
                                              ImGuiInputTextFlags_EnterReturnsTrue);
  hook_item("model_folder");
  tip("A model folder: config.json + model.safetensors (Hugging Face GPT-2 names) + the tokenizer files "
      "(vocab.json + merges.txt, or vocab.txt). Enter or Open loads it.");
  ImGui::SameLine();
  const bool open = ImGui::Button("Open");
  hook_item("model_open");
  tip("Load the folder typed on the left (in the background)");
  if (enter || open) {
    std::string d = rt.folder_edit;
    while (d.size() > 1 && d.back() == '/') d.pop_back();
    rt.model_error.clear();
    if (d.empty()) {
      rt.model_error = "model folder: type a folder holding config.json and model.safetensors";
    } else {
      s.model.dir = d;
      touch(s);
    }
  }
  if (!rt.model_error.empty()) {
    error_text(rt.model_error);
    hook_item("model_error");
  }
  if (rt.bundle) {
    const Gpt2Config& c = rt.bundle->model.config;
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyle().Colors[ImGuiCol_TextDisabled]);
    ImGui::TextWrapped("%s: %d layers x %d heads, width %d, context %d tokens, %s tokenizer", rt.bundle->name.c_str(),
                       c.n_layer, c.n_head, c.n_embd, c.n_positions,
                       rt.bundle->tokenizer ? rt.bundle->tokenizer->kind().c_str() : "?");
    ImGui::PopStyleColor();
  }
}

void draw_sentence(AppState& s, ModelRuntime& rt) {
  ImGui::Spacing();
  ImGui::TextUnformatted("Sentence");
  if (rt.bundle && !rt.bundle->examples.empty()) {
    ImGui::SameLine();
    ImGui::SetNextItemWidth(-1);
    if (ImGui::BeginCombo("##model_examples", "examples...", ImGuiComboFlags_HeightLarge)) {
      for (size_t i = 0; i < rt.bundle->examples.size(); ++i) {
        if (ImGui::Selectable(rt.bundle->examples[i].c_str())) {
          s.model.sentence = rt.bundle->examples[i];
          touch(s);
        }
        hook_item("model_example_" + std::to_string(i));
      }
      ImGui::EndCombo();
    }
    hook_item("model_examples");
    tip("Example sentences for this model (assets/examples/<model>.txt)");
  }
  if (ImGui::InputTextMultiline("##model_sentence", &s.model.sentence, ImVec2(-1, ImGui::GetTextLineHeight() * 4.f + 8.f)))
    touch(s);
  hook_item("model_sentence");
  tip("Type or paste any text (UTF-8). Every edit recomputes in the background; the maps update when it is done.");
  if (rt.error_field == "text" || (!rt.error.empty() && rt.error_field.empty())) error_text(rt.error);
}

bool is_unknown(const ModelRuntime& rt, const TokenChip& t) { return t.text == "<unk>" || t.text == "[UNK]"; }

void draw_chips(AppState& s, ModelRuntime& rt) {
  if (!rt.ins) return;
  const Inspection& in = *rt.ins;
  const bool stale = in.text != s.model.sentence;
  ImGui::Spacing();
  ImGui::Text("Tokens: %d%s", in.T, stale ? " (of the previous text)" : "");
  tip("Each chip: the text it covers (top) and the token id (bottom). Red chips are words the vocabulary does not "
      "have (<unk>). Hover a chip for details.");
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float font = ImGui::GetFontSize(), pad = 4.f;
  const float avail = ImGui::GetContentRegionAvail().x;
  const ImVec2 start = ImGui::GetCursorScreenPos();
  float x = 0.f, y = 0.f;
  const float chip_h = font * 2.f + pad * 2.f;
  for (size_t i = 0; i < in.tokens.size(); ++i) {
    const TokenChip& t = in.tokens[i];
    std::string shown = t.end > t.begin && t.end <= in.text.size() ? in.text.substr(t.begin, t.end - t.begin) : t.text;
    for (char& ch : shown)
      if (ch == '\n' || ch == '\t') ch = ' ';
    if (shown.empty()) shown = t.text;
    const std::string id = std::to_string(t.id);
    const float w = std::max(ImGui::CalcTextSize(shown.c_str()).x, ImGui::CalcTextSize(id.c_str()).x) + pad * 2.f;
    if (x > 0.f && x + w > avail) {
      x = 0.f;
      y += chip_h + 4.f;
    }
    const ImVec2 p0(start.x + x, start.y + y), p1(p0.x + w, p0.y + chip_h);
    const bool unk = is_unknown(rt, t);
    const bool target = int(i) == in.target_position;
    dl->AddRectFilled(p0, p1, unk ? IM_COL32(120, 40, 40, 255) : IM_COL32(50, 60, 80, stale ? 120 : 255), 4.f);
    if (target) dl->AddRect(p0, p1, IM_COL32(255, 200, 80, 255), 4.f, 0, 2.f);
    dl->AddText(ImVec2(p0.x + pad, p0.y + pad), stale ? IM_COL32(160, 160, 160, 255) : IM_COL32(240, 240, 240, 255), shown.c_str());
    dl->AddText(ImVec2(p0.x + pad, p0.y + pad + font), IM_COL32(150, 170, 200, 255), id.c_str());
    ImGui::SetCursorScreenPos(p0);
    ImGui::InvisibleButton(("chip" + std::to_string(i)).c_str(), ImVec2(w, chip_h));
    hook_item("model_chip_" + std::to_string(i));
    if (ImGui::IsItemHovered()) {
      ImGui::BeginTooltip();
      ImGui::Text("token %zu: '%s', id %d", i, t.text.c_str(), t.id);
      ImGui::Text("bytes [%zu, %zu) of the text", t.begin, t.end);
      if (unk) ImGui::TextColored(ImVec4(1.f, 0.5f, 0.45f, 1.f), "not in the vocabulary: the model sees <unk>");
      if (target) ImGui::TextUnformatted("the gradient target's position");
      ImGui::TextDisabled("click: make this the target position");
      ImGui::EndTooltip();
    }
    if (ImGui::IsItemClicked()) {
      s.model.target_position = int(i);
      touch(s);
    }
    x += w + 4.f;
  }
  ImGui::SetCursorScreenPos(start);
  ImGui::Dummy(ImVec2(avail, y + chip_h));
}

void draw_saliency(ModelRuntime& rt) {
  if (!rt.ins || rt.ins->saliency.empty()) return;
  const Inspection& in = *rt.ins;
  ImGui::TextUnformatted("Saliency");
  tip("Per token: || dF/dx_t .* x_t || over the model width, x = token + position embedding (gradient x input). "
      "Tall = the target's log-probability is sensitive to this token.");
  const float avail = ImGui::GetContentRegionAvail().x, h = 46.f;
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton("saliency", ImVec2(avail, h));
  hook_item("model_saliency");
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(p0, ImVec2(p0.x + avail, p0.y + h), IM_COL32(35, 35, 40, 255));
  const double mx = *std::max_element(in.saliency.begin(), in.saliency.end());
  const int T = int(in.saliency.size());
  const float bw = avail / float(T);
  for (int t = 0; t < T; ++t) {
    const float f = mx > 0 ? float(in.saliency[size_t(t)] / mx) : 0.f;
    dl->AddRectFilled(ImVec2(p0.x + t * bw + (bw > 3.f ? 1.f : 0.f), p0.y + h - f * (h - 2.f)), ImVec2(p0.x + (t + 1) * bw, p0.y + h),
                      IM_COL32(240, 150, 60, 255));
  }
  if (ImGui::IsItemHovered()) {
    const int t = std::clamp(int((ImGui::GetIO().MousePos.x - p0.x) / bw), 0, T - 1);
    ImGui::SetTooltip("token %d '%s': saliency %.4g", t, in.tokens[size_t(t)].text.c_str(), in.saliency[size_t(t)]);
  }
}

void draw_next_tokens(AppState& s, ModelRuntime& rt) {
  if (!rt.ins || rt.ins->next.empty()) return;
  const Inspection& in = *rt.ins;
  ImGui::Spacing();
  ImGui::TextUnformatted("Next token");
  tip("The model's most likely next tokens after the last one. Click one to make it the gradient target.");
  const float avail = ImGui::GetContentRegionAvail().x, name_w = std::min(110.f, avail * 0.35f);
  for (size_t k = 0; k < in.next.size(); ++k) {
    const NextToken& n = in.next[k];
    ImGui::PushID(int(k));
    const ImVec2 p0 = ImGui::GetCursorScreenPos();
    const float h = ImGui::GetFontSize() + 4.f;
    if (ImGui::InvisibleButton("next", ImVec2(avail, h))) {
      s.model.target_token = n.text;
      s.model.target_position = -1;
      touch(s);
    }
    hook_item("model_next_" + std::to_string(k));
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("'%s' (id %d): p = %.4f. Click: make it the target.", n.text.c_str(), n.id, n.prob);
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->PushClipRect(p0, ImVec2(p0.x + name_w - 4.f, p0.y + h), true);
    dl->AddText(ImVec2(p0.x, p0.y + 2.f), IM_COL32(230, 230, 230, 255), n.text.c_str());
    dl->PopClipRect();
    const float bar_w = (avail - name_w - 52.f) * float(n.prob);
    dl->AddRectFilled(ImVec2(p0.x + name_w, p0.y + 2.f), ImVec2(p0.x + name_w + bar_w, p0.y + h - 2.f), IM_COL32(90, 140, 220, 255));
    char pct[32];
    std::snprintf(pct, sizeof pct, "%.1f%%", 100.0 * n.prob);
    dl->AddText(ImVec2(p0.x + name_w + bar_w + 4.f, p0.y + 2.f), IM_COL32(200, 200, 200, 255), pct);
    ImGui::PopID();
  }
}

void draw_target(AppState& s, ModelRuntime& rt) {
  ImGui::Spacing();
  ImGui::TextUnformatted("Gradient target F = log p(token | prefix)");
  tip("The gradients, attention x gradient, integrated gradients, saliency and gradient rollout are all of F.");
  const int T = rt.ins ? rt.ins->T : 1;
  int pos = s.model.target_position;
  ImGui::SetNextItemWidth(150.f);
  if (ImGui::SliderInt("position", &pos, -1, std::max(0, T - 1), pos < 0 ? "last token" : "%d")) {
    s.model.target_position = pos;
    touch(s);
  }
  hook_item("model_target_position");
  tip("F predicts the token after this position (-1 = after the last token). Clicking a chip sets it too.");
  ImGui::SetNextItemWidth(150.f);
  if (ImGui::InputTextWithHint("token", "top next token", &s.model.target_token)) touch(s);
  hook_item("model_target_token");
  tip("The token whose log-probability is F; empty = the model's most likely next token there. It must be one token.");
  if (!s.model.target_token.empty()) {
    ImGui::SameLine();
    if (ImGui::SmallButton("x")) {
      s.model.target_token.clear();
      touch(s);
    }
    tip("Back to the model's top next token");
  }
  if (rt.error_field == "target") error_text(rt.error);
  if (rt.ins && rt.ins->has_gradients())
    ImGui::TextDisabled("F = log p('%s' after token %d) = %.4f", rt.ins->target_text.c_str(), rt.ins->target_position,
                        rt.ins->target_logprob);
}

void draw_progress(AppState& s, ModelRuntime& rt) {
  ImGui::Separator();
  if (rt.worker.busy()) {
    const std::string stage = rt.worker.stage();
    ImGui::ProgressBar(rt.worker.progress(), ImVec2(-80.f, 0.f), stage.c_str());
    hook_item("model_progress");
    ImGui::SameLine();
    if (ImGui::Button("Cancel")) rt.worker.cancel();
    hook_item("model_cancel");
    tip("Stop the computation; the maps keep the last finished result");
  } else if (rt.error_field == "cancel") {
    ImGui::TextDisabled("%s", rt.error.c_str());
  } else if (rt.ins) {
    ImGui::TextDisabled("T = %d: grid %.0f ms after the edit, all results %.0f ms", rt.ins->T, rt.grid_ms, rt.final_ms);
    tip("Time from the last edit to the drawn grid, and to the gradients (and integrated gradients, diff)");
  }
  (void)s;
}

}  // namespace

void error_text(const std::string& message) {
  ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.f, 0.45f, 0.4f, 1.f));
  ImGui::TextWrapped("%s", message.c_str());
  ImGui::PopStyleColor();
}

void draw_model_sidebar(AppState& s, GuiContext& ctx, ModelRuntime& rt) {
  (void)ctx;
  draw_picker(s, rt);
  draw_sentence(s, rt);
  draw_chips(s, rt);
  draw_saliency(rt);
  draw_next_tokens(s, rt);
  draw_target(s, rt);
  draw_progress(s, rt);
}

}  // namespace attn::gui
