// Named views of an attention result: "weights", "scores", "grad-q", ... -> one matrix per head
// with its axis labels and the kind of range it takes. The CLI's export and the GUI's export
// button both go through here, so a view means the same thing everywhere.
// Legend: N queries, M keys, H heads, D model width, dk, dv.
#pragma once
#include <string>
#include <vector>

#include "engine/figure/color_scale.h"
#include "engine/sandbox/multihead.h"

namespace attn {

// Feature: a head's dk or dv dims; HeadFeature: all heads' dv dims side by side (H*dv); Model: D.
enum class AxisKind { Query, Key, Feature, Model, HeadFeature };

struct ViewInfo {
  const char* name;      // CLI --view
  const char* what;      // one line for --help and the README
  RangeKind range;       // default colormap and range
  AxisKind rows, cols;   // what the rows and columns index
  bool needs_loss;       // a gradient: the case must have a loss
  bool hatch_masked;     // masked (query, key) cells are drawn hatched
  bool per_head = true;  // false: one matrix for the whole layer (the head argument is ignored)
};

// The label of column i of the heads' outputs side by side (H*dv columns): "h.k" = dim k of head h.
std::string head_feature_label(long i, long dv);

// Every view, in help order.
const std::vector<ViewInfo>& view_infos();
// Throws InputError("view", ...) listing the names.
const ViewInfo& view_info(const std::string& name);
std::string view_names();  // "weights, scores, ..."

struct ViewData {
  std::string view;
  int layer = 0, head = 0;
  MatRM values;  // NaN where a cell has no value (masked logits)
  MaskM mask;    // (N, M) for hatched views, else empty: 0 = masked
  std::vector<std::string> row_labels, col_labels;
  std::string row_axis, col_axis;  // "query", "key", "dim", "model dim"
  RangeKind range = RangeKind::Signed;
  bool per_head = true;  // false: the whole layer's matrix (titles say "L0", not "L0 H0")
};

// One head's view (or the layer's, for a view that is not per head). Throws InputError for a head
// out of range, a view the case does not have (bias without a bias, a gradient without a loss,
// grad-wq, z or grad-wo in direct mode).
ViewData extract_view(const AttentionCase& c, const AttentionResult& r, const std::string& view, int head);

}  // namespace attn
