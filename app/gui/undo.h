// Undo / redo of edits: whole snapshots of the case and the token text (cases are small; a
// snapshot is cheaper to get right than inverse operations). A drag pushes one snapshot when
// it starts, not one per frame.
#pragma once
#include <string>
#include <vector>

#include "engine/sandbox/case.h"

namespace attn::gui {

struct Snapshot {
  AttentionCase cs;
  std::string sentence;
};

class UndoStack {
 public:
  // Records the state before an edit; clears the redo side.
  void push(const AttentionCase& cs, const std::string& sentence);
  // Swap the current state with the previous / next snapshot. False when there is none.
  bool undo(AttentionCase& cs, std::string& sentence);
  bool redo(AttentionCase& cs, std::string& sentence);
  bool can_undo() const { return !past_.empty(); }
  bool can_redo() const { return !future_.empty(); }
  void clear();

  static constexpr size_t kLimit = 200;

 private:
  std::vector<Snapshot> past_, future_;
};

}  // namespace attn::gui
