#include "app/gui/undo.h"

namespace attn::gui {

void UndoStack::push(const AttentionCase& cs, const std::string& sentence) {
  past_.push_back({cs, sentence});
  if (past_.size() > kLimit) past_.erase(past_.begin());
  future_.clear();
}

bool UndoStack::undo(AttentionCase& cs, std::string& sentence) {
  if (past_.empty()) return false;
  future_.push_back({cs, sentence});
  cs = std::move(past_.back().cs);
  sentence = std::move(past_.back().sentence);
  past_.pop_back();
  return true;
}

bool UndoStack::redo(AttentionCase& cs, std::string& sentence) {
  if (future_.empty()) return false;
  past_.push_back({cs, sentence});
  cs = std::move(future_.back().cs);
  sentence = std::move(future_.back().sentence);
  future_.pop_back();
  return true;
}

void UndoStack::clear() {
  past_.clear();
  future_.clear();
}

}  // namespace attn::gui
