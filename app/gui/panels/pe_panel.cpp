// The "Positional encodings" tab, for the current case (or a preview table): the encoding table P
// (positions x dims) and its similarity P P^T, curves of chosen dimensions over position, RoPE's
// rotation of one q/k pair (q_m . k_n depends on m - n only), the ALiBi / T5 / Shaw biases per head,
// and the four-term content/position decomposition of the logits.
// Display tables are rebuilt only when their inputs change (a key string per cache), never per frame.
// Legend: N queries, M keys, H heads, D model width, dk, d_p encoding width, r rotary dims.
#include <imgui.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "app/gui/panels/edit_helpers.h"
#include "app/gui/panels/panels.h"
#include "app/gui/test_hooks.h"
#include "app/gui/widgets/heatmap_view.h"
#include "engine/figure/attention_views.h"
#include "engine/figure/colormap.h"
#include "engine/ops/relative_bias.h"
#include "engine/ops/rope.h"
#include "engine/sandbox/positional.h"

namespace attn::gui {

namespace {

constexpr int kMaxSimilarityRows = 1024;  // P P^T of more positions is not drawn (memory, time)
const char* kPreviewNames[] = {"sinusoidal", "sinusoidal_t2t", "geometric", "rope"};
const PosKind kPreviewKinds[] = {PosKind::Sinusoidal, PosKind::SinusoidalT2T, PosKind::Geometric, PosKind::Rope};

// A matrix for display, rebuilt when `key` changes; `version` feeds draw_heatmap.
struct Cached {
  std::string key;
  uint64_t version = 0;
  MatRM m;
  std::vector<std::string> rows, cols;
  std::string note;  // why there is nothing (or what is shown instead)
};

struct PePanelState {
  bool preview = false;
  bool preview_touched = false;  // until the user toggles it, the preview is on when the case has no encoding
  int preview_kind = 0, preview_len = 128, preview_dim = 64;
  bool cosine = false;
  int dims[4] = {0, 1, 6, 7};
  int n_dims = 4;
  int rope_query = 2, rope_key = 0, rope_pair = 0, rope_m = 0, rope_n = 0;
  bool rope_positions_set = false;
  uint64_t serial = 0;
  Cached table, sim, t5_buckets, term_sum;
  std::vector<std::string> row_numbers, col_numbers;  // labels when the case has no tokens
  float bias_range = 1.f, term_range = 1.f;           // shared colour ranges (per result)
  uint64_t bias_range_version = 0;
  bool bias_exportable = false;                       // the exporter's "bias" view accepts this case
  std::string rope_curves_key;                        // inputs of the RoPE curves
  std::vector<float> rope_shifted, rope_over_n;
  PosKind table_kind = PosKind::None;  // the kind the table shows (for the curve captions)
  double table_base = 10000.0;
  int table_width = 0;
};
PePanelState g_pe;

const Colormap& diverging_map(const AppState& s) {
  try {
    return colormap_from_name(s.view.diverging);
  } catch (...) {
    return colormap(ColormapId::RdBu);
  }
}

bool refresh(Cached& c, const std::string& key) {
  if (c.key == key) return false;
  c.key = key;
  c.version = ++g_pe.serial;
  c.note.clear();
  return true;
}

std::vector<std::string> numbered(long n, const char* prefix, long first = 0) {
  std::vector<std::string> v;
  for (long i = 0; i < n; ++i) v.push_back(prefix + std::to_string(first + i));
  return v;
}

// RoPE's rotation as a table: column 2k = sin(m theta_k), 2k+1 = cos(m theta_k) for pair k, so its
// similarity is sum_k cos((m - n) theta_k) -- a function of m - n, like the sinusoidal table's.
void rope_table(MatRM& P, int pos0, int count, int r, double base) {
  MatRMd angles;
  rope_angles(angles, pos0, count, r, base);
  P.resize(count, r);
  for (int m = 0; m < count; ++m)
    for (int k = 0; k < r / 2; ++k) {
      P(m, 2 * k) = float(std::sin(angles(m, k)));
      P(m, 2 * k + 1) = float(std::cos(angles(m, k)));
    }
}

// The table shown: the case's encoding (P from the result, or computed for RoPE), or a preview.
void build_table(const AppState& s) {
  const AttentionConfig& c = s.cs.config;
  const PositionalConfig& p = c.positional;
  Cached& t = g_pe.table;
  const bool has_base = p.kind == PosKind::Sinusoidal || p.kind == PosKind::SinusoidalT2T || p.kind == PosKind::Rope;
  const double base = has_base ? p.base : 10000.0;
  char key[160];
  if (g_pe.preview)
    std::snprintf(key, sizeof key, "preview %d %d %d %.17g", g_pe.preview_kind, g_pe.preview_len, g_pe.preview_dim, base);
  else
    std::snprintf(key, sizeof key, "case %llu %llu", (unsigned long long)s.result_version,
                  (unsigned long long)s.edit_version);
  if (t.key == key) return;
  // Kept to tell whether the edit changed the table at all (a step on Q, K or the weights does not).
  const MatRM old = std::move(t.m);
  const std::vector<std::string> old_rows = t.rows;
  const std::string old_note = t.note;
  const uint64_t old_version = t.version;
  refresh(t, key);
  t.m.resize(0, 0);
  g_pe.table_base = base;
  try {
    if (g_pe.preview) {
      const PosKind k = kPreviewKinds[g_pe.preview_kind];
      const int d = g_pe.preview_dim - g_pe.preview_dim % 2, L = g_pe.preview_len;
      PositionalConfig pc;
      pc.kind = k;
      pc.base = base;
      if (k == PosKind::Rope)
        rope_table(t.m, 0, L, d, base);
      else
        absolute_pe_table(t.m, pc, d, 0, L, MatRM());
      g_pe.table_kind = k;
      t.rows = numbered(L, "");
      t.note = std::string("preview: ") + kPreviewNames[g_pe.preview_kind] + ", positions 0.." + std::to_string(L - 1) +
               ", width " + std::to_string(d) + (has_base ? " (the case's base)" : "") +
               (p.kind == PosKind::None ? ". This case has no positional encoding: choose one in the control column." : "");
    } else if (pos_is_absolute(p.kind)) {
      const int pos0 = query_pos0(c);
      if (s.result.P.size() > 0 && s.result_version == s.edit_version)
        t.m = s.result.P;  // exactly the rows the engine added to X
      else
        absolute_pe_table(t.m, p, pe_width(c), pos0, c.N, s.cs.tensors.pe_table);
      g_pe.table_kind = p.kind;
      t.rows.clear();
      for (long i = 0; i < t.m.rows(); ++i)
        t.rows.push_back(std::to_string(pos0 + i) + (i < long(s.cs.query_tokens.size()) ? " " + s.cs.query_tokens[size_t(i)] : ""));
      t.note = std::string("P for the ") + std::to_string(t.m.rows()) + " query positions " + std::to_string(pos0) +
               ".." + std::to_string(pos0 + t.m.rows() - 1) + (p.combine == PosCombine::Add ? ", added to X" : ", concatenated to X");
    } else if (p.kind == PosKind::Rope) {
      const int r = rope_params(c).rotary_dim, pos0 = key_pos0(c);
      if (r < 2 || r % 2) throw InputError("rope", "needs an even number of rotary dims");
      rope_table(t.m, pos0, c.M, r, p.base);
      g_pe.table_kind = PosKind::Rope;
      t.rows = numbered(c.M, "", pos0);
      t.note = "RoPE adds no table: it rotates pair k of q and k by m theta_k. Shown: sin and cos of those angles "
               "for the key positions (columns 2k, 2k+1 = pair k).";
    } else {
      t.note = p.kind == PosKind::None
                   ? "No positional encoding in this case: nothing tells the model where a token is."
                   : std::string(pos_kind_name(p.kind)) +
                         " has no position table: it changes the logits directly (see the biases below).";
    }
  } catch (const InputError& e) {
    t.m.resize(0, 0);
    t.note = e.what();
  }
  t.cols = numbered(t.m.cols(), "d");
  g_pe.table_width = int(t.m.cols());
  // Same numbers: keep the version, so neither P P^T nor the textures are rebuilt.
  if (old_version && t.m.rows() == old.rows() && t.m.cols() == old.cols() && t.m == old && t.rows == old_rows &&
      t.note == old_note)
    t.version = old_version;
}

void build_similarity() {
  Cached& sm = g_pe.sim;
  const Cached& t = g_pe.table;
  char key[64];
  std::snprintf(key, sizeof key, "%llu %d", (unsigned long long)t.version, int(g_pe.cosine));
  if (!refresh(sm, key)) return;
  const long n = std::min<long>(t.m.rows(), kMaxSimilarityRows);
  if (n == 0) return;
  MatRM P = t.m.topRows(n);
  if (g_pe.cosine)
    for (long i = 0; i < n; ++i) P.row(i) /= std::max(P.row(i).norm(), 1e-6f);
  sm.m.resize(n, n);
  sm.m.noalias() = P * P.transpose();
  sm.rows = std::vector<std::string>(t.rows.begin(), t.rows.begin() + n);
  sm.cols = sm.rows;
  if (n < t.m.rows()) sm.note = "the first " + std::to_string(n) + " positions";
}

// Token labels, or "0", "1", ... when the case has none.
const std::vector<std::string>* labels_or_numbers(const std::vector<std::string>& tokens, long n,
                                                  std::vector<std::string>& fallback) {
  if (long(tokens.size()) == n) return &tokens;
  if (long(fallback.size()) != n) fallback = numbered(n, "");
  return &fallback;
}

HeatmapSpec diverging_spec(const AppState& s, const MatRM& m, const std::vector<std::string>* rows,
                           const std::vector<std::string>* cols, const char* title) {
  HeatmapSpec spec;
  spec.values = &m;
  spec.row_labels = rows;
  spec.col_labels = cols;
  spec.title = title;
  spec.diverging = true;
  spec.cmap = &diverging_map(s);
  spec.range = s.view.scores_range;
  spec.show_values = s.view.show_values;
  return spec;
}

// A caption for column j of a periodic table: which function and wavelength it is.
std::string dim_caption(int j) {
  const int d = g_pe.table_width;
  const double base = g_pe.table_base;
  char buf[128];
  const double two_pi = 6.283185307179586;
  switch (g_pe.table_kind) {
    case PosKind::Sinusoidal:
    case PosKind::Rope: {
      const int k = j / 2;
      std::snprintf(buf, sizeof buf, "d%d: %s, wavelength %.4g positions", j, j % 2 ? "cos" : "sin",
                    two_pi * std::pow(base, 2.0 * k / d));
      return buf;
    }
    case PosKind::SinusoidalT2T: {
      const int k = j < d / 2 ? j : j - d / 2;
      std::snprintf(buf, sizeof buf, "d%d: %s, wavelength %.4g positions", j, j < d / 2 ? "sin" : "cos",
                    two_pi * std::pow(base, 2.0 * k / d));
      return buf;
    }
    case PosKind::Geometric:
      std::snprintf(buf, sizeof buf, "d%d: %s(p / 2^%d), wavelength %.4g", j, j % 2 ? "cos" : "sin", j / 2,
                    two_pi * std::pow(2.0, j / 2));
      return buf;
    default:
      return "d" + std::to_string(j) + " (learned)";
  }
}

void section_table(AppState& s, GuiContext& ctx) {
  // A case without an encoding has no table to show: preview one rather than an empty tab.
  if (!g_pe.preview_touched) g_pe.preview = s.cs.config.positional.kind == PosKind::None;
  if (ImGui::Checkbox("preview a table", &g_pe.preview)) g_pe.preview_touched = true;
  hook_item("pe_preview");
  help_marker("Explore an encoding on its own, with as many positions and dimensions as you like, instead of "
              "the current case's few tokens.");
  if (g_pe.preview) {
    ImGui::SameLine();
    ImGui::SetNextItemWidth(140);
    ImGui::Combo("##preview_kind", &g_pe.preview_kind, kPreviewNames, 4);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(110);
    ImGui::InputInt("positions", &g_pe.preview_len, 16);
    g_pe.preview_len = std::clamp(g_pe.preview_len, 2, 2048);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(110);
    ImGui::InputInt("width d", &g_pe.preview_dim, 2);
    g_pe.preview_dim = std::clamp(g_pe.preview_dim, 2, 512);
  }
  build_table(s);
  build_similarity();
  const Cached& t = g_pe.table;
  ImGui::TextWrapped("%s", t.note.c_str());
  if (t.m.size() == 0) return;
  ImGui::SameLine();
  ImGui::Checkbox("cosine similarity", &g_pe.cosine);
  help_marker("P P^T: entry (i, j) is the dot product of the encodings of positions i and j. For the sinusoidal "
              "tables (and RoPE's angles) it depends only on i - j: bands parallel to the diagonal. Cosine "
              "divides by the lengths.");
  const float avail = ImGui::GetContentRegionAvail().x;
  const float w = std::max(220.f, avail * 0.5f - 8.f), h = 280.f;
  HeatmapSpec spec = diverging_spec(s, t.m, &t.rows, &t.cols, "P (rows: positions, columns: dims)");
  const Cached& sm = g_pe.sim;
  HeatmapSpec sspec = diverging_spec(s, sm.m, &sm.rows, &sm.cols, g_pe.cosine ? "cos(P_i, P_j)" : "P P^T");
  const std::string what = std::string(pos_kind_name(g_pe.table_kind)) + (g_pe.preview ? " (preview)" : "");
  ImGui::BeginGroup();
  export_map_button(ctx, "pe_table", "positional encoding P, " + what, spec, "position", "dim");
  draw_heatmap("pe_table", ctx.heatmap("pe_table"), spec, t.version, ImVec2(w, h));
  ImGui::EndGroup();
  ImGui::SameLine();
  ImGui::BeginGroup();
  export_map_button(ctx, "pe_similarity", (g_pe.cosine ? "cos(P_i, P_j), " : "P P^T, ") + what, sspec, "position",
                    "position");
  draw_heatmap("pe_similarity", ctx.heatmap("pe_similarity"), sspec, sm.version, ImVec2(w, h));
  ImGui::EndGroup();
  if (!sm.note.empty()) ImGui::TextDisabled("similarity: %s", sm.note.c_str());

  // Curves of chosen dimensions over position.
  ImGui::TextUnformatted("Dimensions over position");
  help_marker("Each dimension of a periodic encoding is a sine or cosine of the position with its own "
              "wavelength: the first dims oscillate fast, the last slowly. Together they give every position a "
              "distinct code.");
  const int cols = int(t.m.cols());
  for (int k = 0; k < g_pe.n_dims; ++k) {
    ImGui::SameLine();
    ImGui::PushID(k);
    ImGui::SetNextItemWidth(90);
    ImGui::InputInt("##dim", &g_pe.dims[k]);
    g_pe.dims[k] = std::clamp(g_pe.dims[k], 0, cols - 1);
    ImGui::PopID();
  }
  ImGui::SameLine();
  if (g_pe.n_dims < 4 && ImGui::SmallButton("more")) {
    g_pe.dims[g_pe.n_dims] = std::min(cols - 1, 2 * g_pe.n_dims);
    ++g_pe.n_dims;
  }
  ImGui::SameLine();
  if (g_pe.n_dims > 1 && ImGui::SmallButton("fewer")) --g_pe.n_dims;
  const bool periodic = g_pe.table_kind != PosKind::Learned;
  std::vector<float> curve(size_t(t.m.rows()));
  const float pw = std::max(200.f, avail / 2.f - 12.f);
  for (int k = 0; k < g_pe.n_dims; ++k) {
    for (long i = 0; i < t.m.rows(); ++i) curve[size_t(i)] = t.m(i, g_pe.dims[k]);
    if (k % 2) ImGui::SameLine();
    const std::string caption = dim_caption(g_pe.dims[k]);
    ImGui::PlotLines(("##curve" + std::to_string(k)).c_str(), curve.data(), int(curve.size()), 0, caption.c_str(),
                     periodic ? -1.1f : FLT_MAX, periodic ? 1.1f : FLT_MAX, ImVec2(pw, 70));
  }
}

// 2-D picture of one rotated pair: the original vectors faint, the rotated ones solid.
void draw_pair(const float q[2], const float qr[2], const float k[2], const float kr[2], float size) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec2 o = ImGui::GetCursorScreenPos();
  const ImVec2 c(o.x + size * 0.5f, o.y + size * 0.5f);
  const float R = size * 0.45f;
  const float scale = R / std::max({std::hypot(q[0], q[1]), std::hypot(k[0], k[1]), 1e-6f});
  dl->AddRectFilled(o, ImVec2(o.x + size, o.y + size), IM_COL32(30, 30, 34, 255));
  dl->AddCircle(c, R, IM_COL32(80, 80, 90, 255), 64);
  dl->AddLine(ImVec2(c.x - R, c.y), ImVec2(c.x + R, c.y), IM_COL32(70, 70, 80, 255));
  dl->AddLine(ImVec2(c.x, c.y - R), ImVec2(c.x, c.y + R), IM_COL32(70, 70, 80, 255));
  auto arrow = [&](const float v[2], ImU32 col, float thick) {
    const ImVec2 tip(c.x + v[0] * scale, c.y - v[1] * scale);  // screen y points down
    dl->AddLine(c, tip, col, thick);
    const float len = std::max(std::hypot(tip.x - c.x, tip.y - c.y), 1e-3f);
    const float ux = (tip.x - c.x) / len, uy = (tip.y - c.y) / len, hs = 7.f;
    dl->AddTriangleFilled(tip, ImVec2(tip.x - ux * hs - uy * hs * 0.5f, tip.y - uy * hs + ux * hs * 0.5f),
                          ImVec2(tip.x - ux * hs + uy * hs * 0.5f, tip.y - uy * hs - ux * hs * 0.5f), col);
  };
  arrow(q, IM_COL32(90, 140, 220, 110), 1.5f);
  arrow(k, IM_COL32(230, 150, 60, 110), 1.5f);
  arrow(qr, IM_COL32(110, 170, 255, 255), 2.5f);
  arrow(kr, IM_COL32(255, 170, 70, 255), 2.5f);
  dl->AddText(ImVec2(o.x + 4, o.y + 2), IM_COL32(110, 170, 255, 255), "q rotated to m");
  dl->AddText(ImVec2(o.x + 4, o.y + 2 + ImGui::GetFontSize()), IM_COL32(255, 170, 70, 255), "k rotated to n");
  ImGui::Dummy(ImVec2(size, size));
}

double dot_rotated(const MatRM& q, const MatRM& k, int m, int n, const RopeParams& rp) {
  MatRM qm, kn;
  rope_forward(qm, q, m, rp);
  rope_forward(kn, k, n, rp);
  return double(qm.row(0).dot(kn.row(0)));
}

void section_rope(AppState& s, int h) {
  const AttentionConfig& c = s.cs.config;
  if (c.positional.kind != PosKind::Rope || h >= int(s.result.heads.size()) || s.result.heads[h].Qr.size() == 0) {
    ImGui::TextDisabled("RoPE is not the encoding of this case (choose 'RoPE (rotary)' in the control column).");
    return;
  }
  const HeadResult& hr = s.result.heads[h];
  const RopeParams rp = rope_params(c);
  const int r = rp.rotary_dim, pairs = r / 2;
  if (!g_pe.rope_positions_set) {
    g_pe.rope_m = query_pos0(c) + g_pe.rope_query;
    g_pe.rope_n = key_pos0(c) + g_pe.rope_key;
    g_pe.rope_positions_set = true;
  }
  ImGui::SetNextItemWidth(110);
  ImGui::SliderInt("query i", &g_pe.rope_query, 0, int(hr.Q.rows()) - 1);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(110);
  ImGui::SliderInt("key j", &g_pe.rope_key, 0, int(hr.K.rows()) - 1);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(110);
  ImGui::SliderInt("pair k", &g_pe.rope_pair, 0, pairs - 1);
  const int span = std::max(64, 2 * std::max(c.N, c.M));
  ImGui::SetNextItemWidth(150);
  ImGui::SliderInt("position m (query)", &g_pe.rope_m, 0, span);
  hook_item("rope_m");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(150);
  ImGui::SliderInt("position n (key)", &g_pe.rope_n, 0, span);
  ImGui::SameLine();
  if (ImGui::SmallButton("token positions")) g_pe.rope_positions_set = false;
  g_pe.rope_query = std::clamp(g_pe.rope_query, 0, int(hr.Q.rows()) - 1);
  g_pe.rope_key = std::clamp(g_pe.rope_key, 0, int(hr.K.rows()) - 1);
  g_pe.rope_pair = std::clamp(g_pe.rope_pair, 0, std::max(pairs - 1, 0));

  const MatRM q = hr.Q.row(g_pe.rope_query), k = hr.K.row(g_pe.rope_key);
  const int a = rp.layout == RopeLayout::Interleaved ? 2 * g_pe.rope_pair : g_pe.rope_pair;
  const int b = rp.layout == RopeLayout::Interleaved ? a + 1 : g_pe.rope_pair + pairs;
  MatRM qm, kn;
  rope_forward(qm, q, g_pe.rope_m, rp);
  rope_forward(kn, k, g_pe.rope_n, rp);
  const float qv[2] = {q(0, a), q(0, b)}, kv[2] = {k(0, a), k(0, b)};
  const float qrv[2] = {qm(0, a), qm(0, b)}, krv[2] = {kn(0, a), kn(0, b)};
  draw_pair(qv, qrv, kv, krv, 230.f);
  ImGui::SameLine();
  ImGui::BeginGroup();
  const double theta = std::pow(rp.base, -2.0 * g_pe.rope_pair / r);
  ImGui::Text("pair %d = features (%d, %d), theta_%d = base^(-2*%d/%d) = %.5g", g_pe.rope_pair, a, b, g_pe.rope_pair,
              g_pe.rope_pair, r, theta);
  ImGui::Text("q turns by m theta = %.4g rad, k by n theta = %.4g rad; the angle between them changes by "
              "(m - n) theta = %.4g",
              g_pe.rope_m * theta, g_pe.rope_n * theta, (g_pe.rope_m - g_pe.rope_n) * theta);
  const double pair_dot = double(qrv[0]) * krv[0] + double(qrv[1]) * krv[1];
  const double full = dot_rotated(q, k, g_pe.rope_m, g_pe.rope_n, rp);
  ImGui::Text("this pair's part of q_m . k_n = %.6g", pair_dot);
  ImGui::Text("q_m . k_n (all %d dims) = %.6g    m - n = %d", c.dk, full, g_pe.rope_m - g_pe.rope_n);
  hook_item("rope_dot");
  // Shift both positions by t: the dot product stays (up to float rounding). Recomputed when an
  // input changes, not every frame.
  const std::string key = std::to_string(s.result_version) + " " + std::to_string(h) + " " +
                          std::to_string(g_pe.rope_query) + " " + std::to_string(g_pe.rope_key) + " " +
                          std::to_string(g_pe.rope_m) + " " + std::to_string(g_pe.rope_n) + " " + std::to_string(span);
  std::vector<float>& shifted = g_pe.rope_shifted;
  std::vector<float>& over_n = g_pe.rope_over_n;
  if (key != g_pe.rope_curves_key) {
    g_pe.rope_curves_key = key;
    shifted.clear();
    over_n.clear();
    for (int t = 0; t <= 32; ++t) shifted.push_back(float(dot_rotated(q, k, g_pe.rope_m + t, g_pe.rope_n + t, rp)));
    for (int n = 0; n <= span; ++n) over_n.push_back(float(dot_rotated(q, k, g_pe.rope_m, n, rp)));
  }
  float lo = *std::min_element(over_n.begin(), over_n.end()), hi = *std::max_element(over_n.begin(), over_n.end());
  const float spread = *std::max_element(shifted.begin(), shifted.end()) - *std::min_element(shifted.begin(), shifted.end());
  char cap[96];
  std::snprintf(cap, sizeof cap, "q_(m+t) . k_(n+t), t = 0..32: spread %.2g", double(spread));
  ImGui::PlotLines("##rope_shift", shifted.data(), int(shifted.size()), 0, cap, lo, hi, ImVec2(420, 60));
  ImGui::PlotLines("##rope_over_n", over_n.data(), int(over_n.size()), 0, "q_m . k_n for n = 0.. (m fixed)", lo, hi,
                   ImVec2(420, 60));
  ImGui::TextDisabled("same range on both plots: shifting m and n together changes nothing, moving n alone does");
  ImGui::EndGroup();
}

void section_biases(AppState& s, GuiContext& ctx) {
  const AttentionConfig& c = s.cs.config;
  const PosKind kind = c.positional.kind;
  const int H = int(s.result.heads.size());
  const bool bias = kind == PosKind::Alibi || kind == PosKind::T5, shaw = kind == PosKind::Shaw;
  if (!bias && !shaw) {
    ImGui::TextDisabled("No relative-position bias in this case (ALiBi, T5 and Shaw add one to the logits).");
    return;
  }
  // One colour range for every head, so the heads compare (ALiBi's slopes differ by powers of two);
  // found once per result, not per frame.
  if (g_pe.bias_range_version != s.result_version || g_pe.bias_range_version == 0) {
    float mx = 0.f;
    for (const HeadResult& hr : s.result.heads) {
      const MatRM& v = shaw ? hr.shaw_E : hr.B;
      if (v.size()) mx = std::max(mx, v.cwiseAbs().maxCoeff());
    }
    g_pe.bias_range = mx > 0.f ? mx : 1.f;
    g_pe.bias_range_version = s.result_version;
    // Offer "Save..." only when the exporter's "bias" view can make this figure.
    try {
      g_pe.bias_exportable = bias && H > 0 && extract_view(s.cs, s.result, "bias", 0).values.size() > 0;
    } catch (const std::exception&) {
      g_pe.bias_exportable = false;
    }
  }
  const float m = g_pe.bias_range;
  if (kind == PosKind::Alibi) {
    std::string line = "slopes m_h:";
    for (int h = 0; h < int(s.result.alibi_slopes.size()); ++h) {
      char buf[48];
      std::snprintf(buf, sizeof buf, "  H%d 1/%g", h, 1.0 / s.result.alibi_slopes[size_t(h)]);
      line += buf;
    }
    ImGui::TextWrapped("%s", line.c_str());
    ImGui::TextDisabled("B(i, j) = -m_h (i - j)%s; one colour range for all heads [%.4g, %.4g]",
                        c.positional.bidirectional ? " in absolute value" : " for j <= i, 0 after", -m, m);
  } else if (kind == PosKind::T5) {
    ImGui::TextDisabled("B(i, j) = table(h, bucket(j - i)); one colour range for all heads [%.4g, %.4g]", -m, m);
  } else {
    ImGui::TextDisabled("E(i, j) = q_i . a^K[clip(j - i, -%d, %d)], added to the raw score; range [%.4g, %.4g]",
                        c.positional.clip, c.positional.clip, -m, m);
  }
  const float avail = ImGui::GetContentRegionAvail().x;
  const float w = 250.f, hgt = 230.f;
  const int per_row = std::max(1, int(avail / (w + 10.f)));
  RangeSettings range{RangeSettings::Mode::Fixed, -m, m, 99.f, false};
  for (int h = 0; h < H; ++h) {
    if (h % per_row) ImGui::SameLine();
    ImGui::BeginGroup();
    ImGui::PushID(h);
    const HeadResult& hr = s.result.heads[size_t(h)];
    char title[64];
    if (kind == PosKind::Alibi && h < int(s.result.alibi_slopes.size()))
      std::snprintf(title, sizeof title, "H%d  slope 1/%g", h, 1.0 / s.result.alibi_slopes[size_t(h)]);
    else
      std::snprintf(title, sizeof title, "H%d", h);
    const MatRM& values = shaw ? hr.shaw_E : hr.B;
    HeatmapSpec spec = diverging_spec(s, values, labels_or_numbers(s.cs.query_tokens, values.rows(), g_pe.row_numbers),
                                      labels_or_numbers(s.cs.key_tokens, values.cols(), g_pe.col_numbers), nullptr);
    spec.range = range;
    const std::string name = "pe_bias_h" + std::to_string(h);
    if (bias && g_pe.bias_exportable) {
      export_button(ctx, "bias", h);
      ImGui::SameLine();
    } else if (shaw) {  // Shaw's key term is no exporter view: save what is shown
      export_map_button(ctx, name, "Shaw key term q_i . aK[clip(j - i)], H" + std::to_string(h), spec, "query", "key");
      ImGui::SameLine();
    }
    ImGui::TextUnformatted(title);
    draw_heatmap(name.c_str(), ctx.heatmap(name), spec, s.result_version, ImVec2(w, hgt));
    ImGui::PopID();
    ImGui::EndGroup();
  }
  if (kind == PosKind::T5 && s.cs.tensors.t5_table.size() > 0) {
    Cached& b = g_pe.t5_buckets;
    if (refresh(b, "t5 " + std::to_string(s.result_version))) {
      std::vector<int> idx;
      const int N = H ? int(s.result.heads[0].B.rows()) : 0, M = H ? int(s.result.heads[0].B.cols()) : 0;
      t5_buckets(idx, N, M, t5_params(c.positional));
      b.m.resize(N, M);
      for (long k = 0; k < b.m.size(); ++k) b.m.data()[k] = float(idx[size_t(k)]);
    }
    ImGui::TextUnformatted("bucket of each cell (shared by all heads)");
    HeatmapSpec spec;
    spec.values = &b.m;
    spec.row_labels = labels_or_numbers(s.cs.query_tokens, b.m.rows(), g_pe.row_numbers);
    spec.col_labels = labels_or_numbers(s.cs.key_tokens, b.m.cols(), g_pe.col_numbers);
    spec.cmap = &colormap(ColormapId::Viridis);
    spec.range = RangeSettings{RangeSettings::Mode::Auto, 0.f, 1.f, 99.f, false};
    spec.show_values = true;
    export_map_button(ctx, "pe_t5_buckets", "T5 bucket of each cell", spec, "query", "key");
    draw_heatmap("pe_t5_buckets", ctx.heatmap("pe_t5_buckets"), spec, b.version, ImVec2(w, hgt));
  }
}

void section_terms(AppState& s, GuiContext& ctx, int h) {
  if (h >= int(s.result.heads.size()) || !s.result.heads[size_t(h)].has_terms) {
    ImGui::TextDisabled("The four-term decomposition needs an absolute encoding (sinusoidal, geometric, learned) in "
                        "projection mode and a dot-product or general score.");
    return;
  }
  const HeadResult& hr = s.result.heads[size_t(h)];
  Cached& sum = g_pe.term_sum;
  if (refresh(sum, std::to_string(s.result_version) + " " + std::to_string(h))) {
    sum.m = hr.terms.cc + hr.terms.cp + hr.terms.pc + hr.terms.pp;
    float mx = sum.m.size() ? sum.m.cwiseAbs().maxCoeff() : 0.f;
    for (const MatRM* x : {&hr.terms.cc, &hr.terms.cp, &hr.terms.pc, &hr.terms.pp})
      mx = std::max(mx, x->size() ? x->cwiseAbs().maxCoeff() : 0.f);
    g_pe.term_range = mx > 0.f ? mx : 1.f;
  }
  const MatRM* mats[] = {&hr.terms.cc, &hr.terms.cp, &hr.terms.pc, &hr.terms.pp, &sum.m};
  const char* titles[] = {"content-content", "content-position", "position-content", "position-position",
                          "sum = s/tau q.k"};
  const float m = g_pe.term_range;
  ImGui::TextDisabled("s/tau (x_i + p_i) Wq Wk^T (x_j + p_j)^T, head %d; one colour range [%.4g, %.4g] so the "
                      "terms compare; the logits add the bias and the mask to the sum",
                      h, -m, m);
  const float w = std::max(150.f, ImGui::GetContentRegionAvail().x / 5.f - 8.f);
  RangeSettings range{RangeSettings::Mode::Fixed, -m, m, 99.f, false};
  for (int k = 0; k < 5; ++k) {
    if (k) ImGui::SameLine();
    ImGui::BeginGroup();
    HeatmapSpec spec = diverging_spec(s, *mats[k], labels_or_numbers(s.cs.query_tokens, mats[k]->rows(), g_pe.row_numbers),
                                      labels_or_numbers(s.cs.key_tokens, mats[k]->cols(), g_pe.col_numbers), titles[k]);
    spec.range = range;
    spec.show_values = false;
    const std::string name = "pe_term_" + std::to_string(k);
    export_map_button(ctx, name, std::string(titles[k]) + ", H" + std::to_string(h), spec, "query", "key");
    draw_heatmap(name.c_str(), ctx.heatmap(name), spec, k == 4 ? sum.version : (s.result_version << 8) + uint64_t(h),
                 ImVec2(w, w * 0.9f + 40.f));
    ImGui::EndGroup();
  }
}

}  // namespace

void draw_pe_panel(AppState& s, GuiContext& ctx) {
  if (s.result.heads.empty()) {
    ImGui::TextWrapped("Nothing computed yet: %s", s.compute_error.c_str());
    return;
  }
  ImGui::BeginChild("pe_scroll", ImVec2(0, 0), false);
  const int H = int(s.result.heads.size());
  int h = std::clamp(s.view.head, 0, H - 1);
  ImGui::Text("Encoding: %s", pos_kind_name(s.cs.config.positional.kind));
  ImGui::SameLine(0, 30);
  ImGui::TextUnformatted("Head");
  for (int k = 0; k < H; ++k) {
    ImGui::SameLine();
    if (ImGui::RadioButton(("H" + std::to_string(k) + "##pe").c_str(), h == k)) s.view.head = h = k;
  }
  if (!s.compute_error.empty())
    ImGui::TextColored(ImVec4(1.f, 0.45f, 0.4f, 1.f), "showing the last valid result: %s", s.compute_error.c_str());
  if (ImGui::CollapsingHeader("Encoding table P and its similarity P P^T", ImGuiTreeNodeFlags_DefaultOpen))
    section_table(s, ctx);
  if (ImGui::CollapsingHeader("Relative biases per head (ALiBi, T5, Shaw)", ImGuiTreeNodeFlags_DefaultOpen))
    section_biases(s, ctx);
  if (ImGui::CollapsingHeader("RoPE: rotation of one q/k pair", ImGuiTreeNodeFlags_DefaultOpen)) section_rope(s, h);
  if (ImGui::CollapsingHeader("Four terms: content and position in the logits", ImGuiTreeNodeFlags_DefaultOpen))
    section_terms(s, ctx, h);
  ImGui::EndChild();
}

}  // namespace attn::gui
