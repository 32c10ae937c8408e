// The head view (the picture BertViz users know): the tokens twice, queries on the left and keys
// on the right, and for every enabled head a line from query i to key j whose opacity is A_ij,
// one colour per head. Hovering a token on the left keeps only its lines (what it attends to);
// hovering one on the right keeps only the lines into it (who attends to it).
#pragma once
#include <imgui.h>

#include <string>
#include <vector>

#include "engine/core/tensor.h"

namespace attn::gui {

// One colour per head (a categorical palette, repeating after 10).
ImU32 head_color(int head, float alpha = 1.f);

struct HeadViewSpec {
  const std::vector<std::string>* tokens = nullptr;
  std::vector<const MatRM*> heads;   // (T, T) per head of one layer
  std::vector<bool> enabled;         // same length as heads
  float min_alpha = 0.02f;           // lines fainter than this are skipped (a 1024-token map has 500k cells)
};

struct HeadViewEvents {
  int hovered_query = -1, hovered_key = -1;
};

// Draws into a `size` box at the cursor (scrolls with the window when taller than it).
HeadViewEvents draw_head_view(const char* id, const HeadViewSpec& spec, ImVec2 size);

}  // namespace attn::gui
