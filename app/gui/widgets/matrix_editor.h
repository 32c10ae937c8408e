// A grid editor for one matrix: drag a cell (Ctrl+click or double-click types an exact value),
// copy the matrix as CSV, paste rows from the clipboard. Long matrices scroll with a clipper,
// so only visible rows cost anything. Non-finite input is refused with a message.
#pragma once
#include <string>
#include <vector>

#include "app/gui/app_state.h"

namespace attn::gui {

// Edits `m` in place (it must belong to s.cs); returns true if a value changed this frame.
// `row_labels` may be null; `height` is the widget's height in pixels.
bool edit_matrix(const char* id, MatRM& m, const std::vector<std::string>* row_labels, AppState& s, float height);

// Parses CSV / whitespace-separated rows of numbers (clipboard text). Returns false with a message
// if a row has the wrong width or a value is not a finite number.
bool parse_rows(const std::string& text, long cols, std::vector<std::vector<float>>* rows, std::string* error);
std::string matrix_to_csv(const MatRM& m);

}  // namespace attn::gui
