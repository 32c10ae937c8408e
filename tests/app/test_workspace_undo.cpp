// The GUI's workspace files and undo stack, without a display: a workspace round-trips every
// tensor and view setting, is a valid CLI case, refuses bad files without touching the state,
// and undo/redo walk the snapshots in order.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "app/gui/workspace.h"
#include "engine/core/error.h"
#include "engine/io/case_json.h"
#include "engine/sandbox/case_edit.h"
#include "engine/sandbox/init.h"
#include "engine/sandbox/presets.h"

namespace attn::gui {
namespace {

std::string temp_file(const std::string& name) {
  return (std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()) + ".json")).string();
}

TEST(Workspace, RoundTripKeepsCaseAndView) {
  AppState s;
  s.cs = default_example();
  s.cs.config.tau = 0.7f;
  s.cs.tensors.Q[1](2, 3) = 1.25f;
  s.sentence = "the cat sat on the mat";
  s.view.colormap = "magma";
  s.view.head = 1;
  s.view.stage = Stage::Logits;
  s.view.weights_range.mode = RangeSettings::Mode::Percentile;
  s.view.weights_range.percentile = 97.f;
  s.view.learning_rate = 0.25f;
  const std::string path = temp_file("ws");
  save_workspace(s, path);
  AppState t;
  load_workspace(t, path);
  EXPECT_EQ(t.cs.config.tau, 0.7f);
  EXPECT_EQ(t.cs.tensors.Q[1](2, 3), 1.25f);
  EXPECT_TRUE(t.cs.tensors.K[0] == s.cs.tensors.K[0]);
  EXPECT_EQ(t.cs.loss.kind, LossKind::CrossEntropy);
  EXPECT_TRUE(t.cs.loss.target_rows == s.cs.loss.target_rows);
  EXPECT_EQ(t.sentence, s.sentence);
  EXPECT_EQ(t.view.colormap, "magma");
  EXPECT_EQ(t.view.head, 1);
  EXPECT_EQ(t.view.stage, Stage::Logits);
  EXPECT_EQ(t.view.weights_range.mode, RangeSettings::Mode::Percentile);
  EXPECT_EQ(t.view.weights_range.percentile, 97.f);
  EXPECT_EQ(t.view.learning_rate, 0.25f);
  // The same file is a CLI case.
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_NO_THROW(case_from_text(text.str()));
  std::filesystem::remove(path);
}

TEST(Workspace, BadFileLeavesStateUntouched) {
  AppState s;
  s.cs = article_example();
  s.sentence = "keep me";
  const uint64_t version = s.edit_version;
  const std::string path = temp_file("bad");
  std::ofstream(path) << R"({"config": {"tau": -1}, "inputs": {"Q": [[[1]]], "K": [[[1]]], "V": [[[1]]]}})";
  EXPECT_THROW(load_workspace(s, path), InputError);
  std::ofstream(path) << "{ not json";
  EXPECT_THROW(load_workspace(s, path), InputError);
  EXPECT_THROW(load_workspace(s, path + ".missing"), InputError);
  EXPECT_EQ(s.sentence, "keep me");
  EXPECT_EQ(s.cs.config.N, 1);
  EXPECT_EQ(s.edit_version, version);
  std::filesystem::remove(path);
}

TEST(Undo, UndoRedoWalkSnapshotsInOrder) {
  AppState s;
  s.cs = default_example();
  s.sentence = "a";
  begin_edit(s);
  s.sentence = "a b";
  set_sentence(s.cs, s.sentence, 1);
  begin_edit(s);
  s.sentence = "a b c";
  set_sentence(s.cs, s.sentence, 1);
  EXPECT_EQ(s.cs.config.N, 3);
  ASSERT_TRUE(s.undo.undo(s.cs, s.sentence));
  EXPECT_EQ(s.sentence, "a b");
  EXPECT_EQ(s.cs.config.N, 2);
  ASSERT_TRUE(s.undo.undo(s.cs, s.sentence));
  EXPECT_EQ(s.sentence, "a");
  EXPECT_EQ(s.cs.config.N, 6);
  EXPECT_FALSE(s.undo.undo(s.cs, s.sentence));
  ASSERT_TRUE(s.undo.redo(s.cs, s.sentence));
  ASSERT_TRUE(s.undo.redo(s.cs, s.sentence));
  EXPECT_EQ(s.sentence, "a b c");
  EXPECT_FALSE(s.undo.redo(s.cs, s.sentence));
  // A new edit after an undo drops the redo side.
  ASSERT_TRUE(s.undo.undo(s.cs, s.sentence));
  begin_edit(s);
  s.sentence = "x";
  EXPECT_FALSE(s.undo.can_redo());
}

TEST(Undo, KeepsAtMostTheLimit) {
  UndoStack u;
  AttentionCase c = article_example();
  std::string text;
  for (size_t i = 0; i < UndoStack::kLimit + 50; ++i) u.push(c, std::to_string(i));
  size_t n = 0;
  while (u.undo(c, text)) ++n;
  EXPECT_EQ(n, UndoStack::kLimit);
  EXPECT_EQ(text, std::to_string(50));  // the oldest snapshots were dropped
}

}  // namespace
}  // namespace attn::gui
