// Controls for the score function and the positional encoding (a section of the control column):
// the score kind and its hidden width; the encoding kind and its parameters (base, add/concat,
// width, offset, RoPE layout and rotary dims, bidirectional, T5 buckets, Shaw clip). Every change
// is one undo step; the parameters a kind needs are drawn at random when missing
// (fit_positional_and_score), and a value the engine rejects is not applied: its message goes to
// the status line and the case stays as it was.
#include <imgui.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "app/gui/panels/edit_helpers.h"
#include "app/gui/panels/panels.h"
#include "app/gui/test_hooks.h"
#include "engine/ops/relative_bias.h"
#include "engine/sandbox/case_edit.h"
#include "engine/sandbox/positional.h"

namespace attn::gui {

namespace {

// Seed for parameters a kind needs and the case lacks (same choice -> same numbers).
constexpr uint64_t kParamSeed = 4242;

struct KindInfo {
  const char* label;
  const char* help;
};

const ScoreKind kScoreKinds[] = {ScoreKind::ScaledDot, ScoreKind::Dot, ScoreKind::General, ScoreKind::Additive,
                                 ScoreKind::Cosine};
const KindInfo kScoreInfo[] = {
    {"scaled dot product  s q.k",
     "q . k times the scale s (1/sqrt(d_k) by default, set above): the transformer's score (Vaswani et al.)."},
    {"dot product  q.k  (s = 1)",
     "Plain q . k; the scale is forced to 1 whatever the scale setting says. Large d_k gives large logits and "
     "peaked weights -- the reason for the 1/sqrt(d_k)."},
    {"general  q^T W k  (Luong)",
     "A d_k x d_k matrix W per head between query and key: s q^T W k. W starts random; its gradient dW is "
     "computed in the backward pass."},
    {"additive  v^T tanh(Wq q + Wk k)  (Bahdanau)",
     "A small network scores each (query, key) pair: v^T tanh(Wq q + Wk k) with a hidden width d_a. Not a dot "
     "product, so no four-term decomposition and no Shaw relative keys."},
    {"cosine  s q.k / (|q| |k|)",
     "Only the angle between q and k counts, times s; lengths do not. Logits stay within [-s, s], so a larger "
     "custom scale (e.g. 10) is needed for sharp weights."}};

const PosKind kPosKinds[] = {PosKind::None, PosKind::Sinusoidal, PosKind::SinusoidalT2T, PosKind::Geometric,
                             PosKind::Learned, PosKind::Rope, PosKind::Alibi, PosKind::T5, PosKind::Shaw};
const KindInfo kPosInfo[] = {
    {"none", "No positions at all: attention is permutation-equivariant -- shuffle the tokens and the outputs "
             "shuffle the same way."},
    {"sinusoidal (Vaswani et al.)",
     "Absolute: P(p, 2k) = sin(p / base^(2k/d)), P(p, 2k+1) = cos(same), sine and cosine pairs interleaved; "
     "added to the token embeddings X (or concatenated). Needs projection mode."},
    {"sinusoidal, tensor2tensor layout",
     "The same frequencies with all sines first, then all cosines (the tensor2tensor code). Needs projection mode."},
    {"geometric (one source article's variant)",
     "The variant one source article writes: P(p, 2k) = sin(p / 2^k), P(p, 2k+1) = cos(p / 2^k). The frequency "
     "halves from pair to pair (instead of base^(-2k/d)). Needs projection mode."},
    {"learned absolute table",
     "One trainable vector per position (a table of max length x d), random here. A position past the table's "
     "end is an error: a learned table cannot extrapolate. Needs projection mode."},
    {"RoPE (rotary)",
     "Su et al.: rotate each pair of q and k features by m * theta_k, theta_k = base^(-2k/d), at position m. "
     "Then q_m . k_n depends on m - n only. V is never rotated. Works in both modes."},
    {"ALiBi (linear bias)",
     "Press et al.: no embedding; adds -m_h * (i - j) to head h's logits (the causal form), one fixed slope per "
     "head: 1/2, 1/4, ..., 1/256 for 8 heads. Works in both modes."},
    {"T5 bucketed relative bias",
     "Raffel et al.: one learned scalar per head per bucket of the distance j - i; near distances have their "
     "own bucket, far ones share log-spaced buckets up to the max distance."},
    {"Shaw et al. relative",
     "Shaw et al. 2018: learned vectors a^K and a^V per clipped distance clip(j - i, -k, k), added to the key "
     "in the score (q_i . (k_j + a^K)) and to the value in the output. Needs a dot-product score."}};

int index_of_pos(PosKind k) {
  for (int i = 0; i < 9; ++i)
    if (kPosKinds[i] == k) return i;
  return 0;
}
int index_of_score(ScoreKind k) {
  for (int i = 0; i < 5; ++i)
    if (kScoreKinds[i] == k) return i;
  return 0;
}

bool case_is_valid(const AttentionCase& c) {
  try {
    validate_case(c);
    return true;
  } catch (const InputError&) {
    return false;
  }
}

// The engine's message for the last change it refused, shown under the controls until the next
// change that is applied (the status line shows it too, until replaced).
std::string g_refused;

// One undoable change of the positional / score settings: apply it, make the tensors fit, and,
// when the case was valid before, refuse a result the engine rejects (apply_edit shows the
// message in the status line and restores the case). Returns whether it was applied.
template <class F>
bool edit_pe(AppState& s, F&& change, bool fit = true) {
  const bool was_valid = case_is_valid(s.cs);
  const uint64_t before = s.edit_version;
  apply_edit(s, [&] {
    change();
    if (fit) fit_positional_and_score(s.cs, kParamSeed);
    if (was_valid) validate_case(s.cs);
  });
  const bool applied = s.edit_version != before;
  g_refused = applied ? "" : s.status.message;
  return applied;
}

// A typed number (a continuous widget: one undo snapshot when editing starts). Values the engine
// rejects are shown in the status line and not applied; ImGui keeps the text while typing.
void input_base(AppState& s, const char* label) {
  PositionalConfig& p = s.cs.config.positional;
  double base = p.base;
  ImGui::SetNextItemWidth(130);
  const bool changed = ImGui::InputDouble(label, &base, 0.0, 0.0, "%.8g");
  snapshot_on_activate(s);
  if (changed && base != p.base) {
    const double before = p.base;
    p.base = base;
    try {
      validate_case(s.cs);
      mark_edited(s);
      g_refused.clear();
    } catch (const InputError& e) {
      p.base = before;
      set_status(s, e.what(), true);
      g_refused = e.what();
    }
  }
}

void base_presets(AppState& s, std::initializer_list<double> values) {
  for (double v : values) {
    ImGui::SameLine();
    char label[32];
    std::snprintf(label, sizeof label, v >= 1000 ? "%.0fk" : "%.0f", v >= 1000 ? v / 1000 : v);
    if (ImGui::SmallButton(label)) edit_pe(s, [&] { s.cs.config.positional.base = v; }, false);
  }
}

// An integer setting (InputInt with +/- buttons): each change is one undoable edit. A typed
// number applies on Enter or when focus leaves (widths and bucket counts resize tensors: the
// digits on the way must not).
bool input_int(const char* label, int* v, int width = 110) {
  ImGui::SetNextItemWidth(float(width));
  return deferred_int_input(label, v, 1, 8);
}

void section_score(AppState& s) {
  AttentionConfig& c = s.cs.config;
  const int cur = index_of_score(c.score.kind);
  ImGui::TextUnformatted("Score function");
  ImGui::SetNextItemWidth(-1);
  const bool open = ImGui::BeginCombo("##score_kind", kScoreInfo[cur].label);
  hook_item("score_kind_combo");
  if (open) {
    for (int i = 0; i < 5; ++i) {
      const bool chosen = ImGui::Selectable(kScoreInfo[i].label, i == cur);
      hook_item(std::string("score_kind_") + score_kind_name(kScoreKinds[i]));
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", kScoreInfo[i].help);
      if (chosen && i != cur && edit_pe(s, [&] { c.score.kind = kScoreKinds[i]; }))
        set_status(s, std::string("score: ") + score_kind_name(kScoreKinds[i]));
    }
    ImGui::EndCombo();
  }
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", kScoreInfo[cur].help);
  if (c.score.kind == ScoreKind::Additive) {
    int da = c.score.dim;
    if (input_int("hidden width d_a", &da) && da >= 0) edit_pe(s, [&] { c.score.dim = da; });
    help_marker("Width of the tanh layer of the additive score: Wq and Wk are d_k x d_a, v has d_a numbers. "
                "0 means d_a = d_k. Changing it keeps the weights that still fit.");
  } else if (c.score.kind == ScoreKind::Dot && c.scale_mode != ScaleMode::One) {
    ImGui::TextDisabled("the plain dot score uses s = 1 (the scale above is ignored)");
  }
}

void section_absolute(AppState& s) {
  AttentionConfig& c = s.cs.config;
  PositionalConfig& p = c.positional;
  int combine = p.combine == PosCombine::Add ? 0 : 1;
  bool ch = ImGui::RadioButton("add X + P", &combine, 0);
  ImGui::SameLine();
  ch |= ImGui::RadioButton("concat [X P]", &combine, 1);
  help_marker("Add: P has the width D of X and is summed into it (the transformer's way). Concatenate: P gets "
              "its own d_p features next to X, so Wq, Wk, Wv gain d_p rows; content and position stay in "
              "separate coordinates.");
  if (ch)
    edit_pe(s, [&] {
      p.combine = combine == 0 ? PosCombine::Add : PosCombine::Concat;
      p.dim = 0;
    });
  if (p.combine == PosCombine::Concat) {
    int dim = p.dim;
    if (input_int("width d_p", &dim) && dim >= 0) edit_pe(s, [&] { p.dim = dim; });
    help_marker("Number of position features concatenated to X (0 = D). The periodic encodings need an even width.");
  }
  if (p.kind == PosKind::Sinusoidal || p.kind == PosKind::SinusoidalT2T) {
    input_base(s, "base##sin");
    help_marker("The wavelengths grow geometrically from 2 pi to 2 pi * base across the dimensions; 10000 in "
                "the paper. A small base makes every dimension repeat quickly.");
  }
  if (p.kind == PosKind::Learned) {
    int len = int(s.cs.tensors.pe_table.rows());
    if (input_int("table length", &len) && len >= 1)
      edit_pe(
          s,
          [&] {
            // New rows random (from the seed), old rows kept; too short a table is the engine's error.
            AttentionCase grown = s.cs;
            grown.config.positional.max_len = len;
            grown.tensors.pe_table.resize(0, 0);
            init_random_positional_and_score(grown, kParamSeed, 1.f);
            MatRM t = grown.tensors.pe_table;
            const MatRM& old = s.cs.tensors.pe_table;
            const long r = std::min(t.rows(), old.rows()), k = std::min(t.cols(), old.cols());
            if (r > 0 && k > 0) t.topLeftCorner(r, k) = old.topLeftCorner(r, k);
            s.cs.tensors.pe_table = t;
            p.max_len = len;
            validate_case(s.cs);
          },
          false);
    help_marker("Rows of the learned table = the longest sequence it knows. Make it shorter than the "
                "positions in use to see the error a learned encoding gives past its end.");
  }
}

void section_rope(AppState& s) {
  AttentionConfig& c = s.cs.config;
  PositionalConfig& p = c.positional;
  int layout = p.layout == RopeLayout::Interleaved ? 0 : 1;
  bool ch = ImGui::RadioButton("interleaved", &layout, 0);
  ImGui::SameLine();
  ch |= ImGui::RadioButton("rotate_half", &layout, 1);
  help_marker("Which features form a rotated pair: interleaved (2k, 2k+1) as in RoFormer and GPT-J, or "
              "rotate_half (k, k + r/2) as in GPT-NeoX and LLaMA. Same math, different wiring -- weights "
              "trained with one layout do not work with the other.");
  if (ch) edit_pe(s, [&] { p.layout = layout == 0 ? RopeLayout::Interleaved : RopeLayout::RotateHalf; });
  input_base(s, "base##rope");
  base_presets(s, {10000.0, 500000.0});
  help_marker("theta_k = base^(-2k/r): a larger base (LLaMA 3 uses 500000) makes the slow pairs slower, for "
              "longer contexts.");
  const int r = rope_params(c).rotary_dim;
  if (c.dk >= 2) {
    int rot = r;
    ImGui::SetNextItemWidth(130);
    const bool moved = ImGui::SliderInt("rotary dims", &rot, 2, c.dk - c.dk % 2);
    rot -= rot % 2;
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("fraction = %d / %d = %.3f", r, c.dk, double(r) / c.dk);
    if (moved && rot != r && rot >= 2)
      edit_pe(
          s,
          [&] {
            // The fraction whose floor(fraction * dk) is exactly `rot` (guard the float product).
            double f = double(rot) / c.dk;
            while (std::floor(f * c.dk) < rot) f = std::nextafter(f, 2.0);
            p.rotary_fraction = std::min(f, 1.0);
          },
          false);
    help_marker("Partial rotary: only the first r of the d_k features rotate (GPT-NeoX rotates 25%); the "
                "rest carry position-free content. r must be even.");
  }
  if (c.dk % 2 != 0 && p.rotary_fraction == 1.0)
    ImGui::TextColored(ImVec4(1.f, 0.6f, 0.4f, 1.f), "d_k = %d is odd: choose fewer rotary dims", c.dk);
}

void section_relative(AppState& s) {
  AttentionConfig& c = s.cs.config;
  PositionalConfig& p = c.positional;
  if (p.kind == PosKind::Alibi || p.kind == PosKind::T5) {
    bool bi = p.bidirectional;
    if (ImGui::Checkbox("bidirectional", &bi)) edit_pe(s, [&] { p.bidirectional = bi; });
    help_marker(p.kind == PosKind::Alibi
                    ? "Causal form (the paper): -m (i - j) for keys at or before the query, 0 after (pair it with "
                      "a causal mask). Bidirectional: -m |i - j| both ways (an encoder extension)."
                    : "Causal: every future key shares bucket 0 and half the buckets are not needed. "
                      "Bidirectional: half the buckets for keys before the query, half for keys after.");
  }
  if (p.kind == PosKind::Alibi) {
    const std::vector<double> slopes = alibi_slopes(c.H);
    std::string line = "slopes:";
    for (size_t h = 0; h < slopes.size() && h < 16; ++h) {
      char buf[48];
      std::snprintf(buf, sizeof buf, " H%zu 2^%.3g", h, std::log2(slopes[h]));
      line += buf;
    }
    ImGui::TextWrapped("%s", line.c_str());
    help_marker("m_h = 2^(-8h/H) for h = 1..H when H is a power of two; otherwise the slopes of the nearest "
                "lower power of two P, then every other slope of the 2P sequence. Fixed, not learned.");
  }
  if (p.kind == PosKind::T5) {
    int nb = p.num_buckets, md = p.max_distance;
    if (input_int("buckets", &nb) && nb >= 1) edit_pe(s, [&] { p.num_buckets = nb; });
    help_marker("Number of buckets per head (32 in T5): half of each direction's buckets are exact distances, "
                "the rest log-spaced. The bidirectional form needs an even number.");
    if (input_int("max distance", &md) && md >= 1) edit_pe(s, [&] { p.max_distance = md; });
    help_marker("Distances from here on share the last bucket (128 in T5).");
  }
  if (p.kind == PosKind::Shaw) {
    int k = p.clip;
    if (input_int("clip k", &k) && k >= 0) edit_pe(s, [&] { p.clip = k; });
    help_marker("Distances are clipped to -k..k: a^K and a^V have 2k + 1 rows, and every key further than k "
                "away looks the same. Rows keep their distance when k changes.");
  }
}

}  // namespace

void draw_score_and_positional_controls(AppState& s, GuiContext& /*ctx*/) {
  AttentionConfig& c = s.cs.config;
  PositionalConfig& p = c.positional;
  section_score(s);
  ImGui::Spacing();

  ImGui::TextUnformatted("Positional encoding");
  const bool direct = c.mode == AttnMode::Direct;
  const int cur = index_of_pos(p.kind);
  ImGui::SetNextItemWidth(-1);
  const bool open = ImGui::BeginCombo("##pos_kind", kPosInfo[cur].label, ImGuiComboFlags_HeightLarge);
  hook_item("pos_kind_combo");
  if (open) {
    for (int i = 0; i < 9; ++i) {
      const bool absolute = pos_is_absolute(kPosKinds[i]);
      if (absolute && direct) ImGui::BeginDisabled();
      const bool chosen = ImGui::Selectable(kPosInfo[i].label, i == cur);
      if (absolute && direct) ImGui::EndDisabled();
      hook_item(std::string("pos_kind_") + pos_kind_name(kPosKinds[i]));
      if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
        ImGui::SetTooltip("%s%s", kPosInfo[i].help,
                          absolute && direct ? "\n\nDisabled: direct mode has no token embeddings X to add P to. "
                                               "Use 'Switch to projections' below."
                                             : "");
      if (chosen && i != cur && edit_pe(s, [&] {
            p.kind = kPosKinds[i];
            if (absolute && p.combine == PosCombine::Add) p.dim = 0;
          }))
        set_status(s, std::string("positional encoding: ") + pos_kind_name(kPosKinds[i]));
    }
    ImGui::EndCombo();
  }
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", kPosInfo[cur].help);
  if (!g_refused.empty()) {
    ImGui::PushTextWrapPos(0.f);
    ImGui::TextColored(ImVec4(1.f, 0.45f, 0.4f, 1.f), "not applied: %s", g_refused.c_str());
    ImGui::PopTextWrapPos();
    hook_item("pos_refused");
  }
  if (direct) {
    ImGui::TextDisabled("absolute encodings need projections (X + P)");
    const bool sw = ImGui::SmallButton("Switch to projections");
    hook_item("pos_switch_projection");
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("Projection mode: random token embeddings X and weights Wq, Wk, Wv, Wo, so an absolute "
                        "encoding P can be added to X. Ctrl+Z goes back to your Q, K, V.");
    if (sw)
      apply_edit(s, [&] {
        switch_mode(s.cs, AttnMode::Projection, nullptr, kParamSeed + 1);
        fit_positional_and_score(s.cs, kParamSeed);
      });
  }
  if (p.kind == PosKind::None) return;

  if (pos_is_absolute(p.kind)) section_absolute(s);
  if (p.kind == PosKind::Rope) section_rope(s);
  section_relative(s);
  int offset = p.offset;
  if (input_int("first position", &offset) && offset >= 0) edit_pe(s, [&] { p.offset = offset; });
  help_marker("Key j sits at position offset + j and query i at offset + i + M - N (cross-attention aligns the "
              "ends). Relative encodings (RoPE, ALiBi, T5, Shaw) give the same weights for every offset; "
              "absolute ones do not.");
}

}  // namespace attn::gui
