// `attnscope pe --kind K --length N [--dim d] ...`: dump a positional encoding as data.
//   sinusoidal, sinusoidal_t2t, geometric, learned: the table P (positions x dims)
//   rope: the angle table m * theta_k (positions x rotary pairs)
//   alibi, t5: the per-head logit bias (N x N for each head; T5 also its buckets and table)
//   shaw: the clipped relative distance of every (query, key) pair (N x N; JSON adds a^K)
// Positions run offset .. offset + N - 1 for queries and keys alike (self-attention). JSON or CSV,
// to stdout or atomically to a file; bad input: one line on stderr, exit 2, no file.
#include <cmath>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "app/cli/cli.h"
#include "engine/core/error.h"
#include "engine/io/atomic_file.h"
#include "engine/io/json_matrix.h"
#include "engine/ops/positional_absolute.h"
#include "engine/ops/relative_bias.h"
#include "engine/ops/rope.h"
#include "engine/ops/shaw.h"
#include "engine/sandbox/init.h"
#include "engine/sandbox/positional.h"

namespace attn::cli {

namespace {

struct PeOptions {
  std::string kind, layout = "interleaved", format = "json", output = "-";
  int length = 0, dim = 0, heads = 1, offset = 0, max_len = 0, num_buckets = 32, max_distance = 128, clip = 4;
  double base = 10000.0, rotary_fraction = 1.0, std = 1.0;
  bool bidirectional = false;
  long long seed = 0;
};

constexpr int kMaxLength = 1 << 20, kMaxBiasLength = 4096;

std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

// CSV: a header, then one line per row with a leading label column (or two).
template <class Mat>
void csv_rows(std::string& out, const Mat& m, const std::string& lead) {
  for (long i = 0; i < m.rows(); ++i) {
    out += lead + std::to_string(i);
    for (long j = 0; j < m.cols(); ++j) out += "," + fmt(double(m(i, j)));
    out += "\n";
  }
}

std::string csv_header(const std::string& first, const std::string& prefix, long n) {
  std::string h = first;
  for (long j = 0; j < n; ++j) h += "," + prefix + std::to_string(j);
  return h + "\n";
}

json int_rows(const std::vector<int>& v, int rows, int cols) {
  json out = json::array();
  for (int i = 0; i < rows; ++i) out.push_back(std::vector<int>(v.begin() + long(i) * cols, v.begin() + long(i + 1) * cols));
  return out;
}

void need_dim(const PeOptions& o, const char* what) {
  require(o.dim >= 1, "--dim", "is " + std::to_string(o.dim) + "; " + what + " needs the encoding width --dim >= 1");
}

std::string run_pe(const PeOptions& o) {
  const PosKind kind = pos_kind_from_name(o.kind, "--kind");
  require(kind != PosKind::None, "--kind", "none has no table; choose one of the encodings");
  require(o.length >= 1, "--length", "is " + std::to_string(o.length) + ", must be >= 1");
  require(o.offset >= 0, "--offset", "is " + std::to_string(o.offset) + ", must be >= 0");
  require(o.format == "json" || o.format == "csv", "--format", "unknown value '" + o.format + "' (allowed: json, csv)");
  const bool bias_kind = kind == PosKind::Alibi || kind == PosKind::T5 || kind == PosKind::Shaw;
  require(o.length <= (bias_kind ? kMaxBiasLength : kMaxLength), "--length",
          "is " + std::to_string(o.length) + ", at most " + std::to_string(bias_kind ? kMaxBiasLength : kMaxLength) +
              (bias_kind ? " for an N x N output" : ""));
  require(o.heads >= 1 && o.heads <= 256, "--heads", "is " + std::to_string(o.heads) + ", allowed 1..256");
  require(o.offset <= kMaxLength, "--offset", "is " + std::to_string(o.offset) + ", at most " + std::to_string(kMaxLength));
  require(!bias_kind || long(o.heads) * o.length * o.length <= (1L << 26), "--length",
          "is " + std::to_string(o.length) + " with " + std::to_string(o.heads) +
              " heads; the H x N x N output is limited to 2^26 cells");
  require(o.dim <= 65536, "--dim", "is " + std::to_string(o.dim) + ", at most 65536");
  require(o.clip <= 65536, "--clip", "is " + std::to_string(o.clip) + ", at most 65536");
  require(o.num_buckets <= 65536, "--num-buckets", "is " + std::to_string(o.num_buckets) + ", at most 65536");
  const int N = o.length;
  const bool csv = o.format == "csv";
  json j = {{"schema_version", 1}, {"kind", "positional_encoding"}, {"encoding", pos_kind_name(kind)},
            {"length", N}, {"offset", o.offset}};
  std::string text;
  switch (kind) {
    case PosKind::Sinusoidal:
    case PosKind::SinusoidalT2T:
    case PosKind::Geometric:
    case PosKind::Learned: {
      need_dim(o, pos_kind_name(kind));
      PositionalConfig p;
      p.kind = kind;
      p.base = o.base;
      MatRM table;
      if (kind == PosKind::Learned) {
        const int len = o.max_len > 0 ? o.max_len : o.offset + N;
        require(len <= kMaxLength, "--max-len", "is " + std::to_string(len) + ", at most " + std::to_string(kMaxLength));
        require(o.offset + N <= len, "--length",
                "positions " + std::to_string(o.offset) + ".." + std::to_string(o.offset + N - 1) +
                    " run past the learned table's " + std::to_string(len) +
                    " rows (--max-len); a learned table has no entry past its end");
        Rng rng(uint64_t(o.seed));
        table.resize(len, o.dim);
        fill_normal(table, rng, float(o.std));
        j["seed"] = o.seed;
      } else {
        require(o.dim % 2 == 0, "--dim",
                "is " + std::to_string(o.dim) + "; " + pos_kind_name(kind) +
                    " pairs a sine with a cosine, so the width must be even");
        if (kind != PosKind::Geometric)
          require(std::isfinite(o.base) && o.base > 0, "--base", "is " + fmt(o.base) + ", must be a finite number > 0");
      }
      MatRM P;
      absolute_pe_table(P, p, o.dim, o.offset, N, table);
      j["dim"] = o.dim;
      if (kind == PosKind::Sinusoidal || kind == PosKind::SinusoidalT2T) j["base"] = o.base;
      if (kind == PosKind::Geometric) j["formula"] = "P(p, 2k) = sin(p / 2^k), P(p, 2k+1) = cos(p / 2^k)";
      j["table"] = matrix_to_json(P);
      if (csv) {
        text = csv_header("position", "d", o.dim);
        for (long i = 0; i < P.rows(); ++i) {
          text += std::to_string(o.offset + i);
          for (long c = 0; c < P.cols(); ++c) text += "," + fmt(P(i, c));
          text += "\n";
        }
      }
      break;
    }
    case PosKind::Rope: {
      need_dim(o, "rope");
      require(std::isfinite(o.base) && o.base > 0, "--base", "is " + fmt(o.base) + ", must be a finite number > 0");
      require(o.rotary_fraction > 0 && o.rotary_fraction <= 1, "--rotary-fraction",
              "is " + fmt(o.rotary_fraction) + ", allowed (0, 1]");
      const int r = int(std::floor(o.rotary_fraction * o.dim));
      require(r >= 2 && r % 2 == 0, o.rotary_fraction == 1.0 ? "--dim" : "--rotary-fraction",
              (o.rotary_fraction == 1.0 ? "is " + std::to_string(o.dim) : "gives " + std::to_string(r) + " rotary dims") +
                  "; rope rotates pairs of features, so it needs an even number of rotary dims >= 2");
      const RopeLayout layout = rope_layout_from_name(o.layout, "--layout");
      MatRMd angles;
      rope_angles(angles, o.offset, N, r, o.base);
      json theta = json::array();
      for (int k = 0; k < r / 2; ++k) theta.push_back(std::pow(o.base, -2.0 * k / r));
      j["dim"] = o.dim;
      j["rotary_dim"] = r;
      j["base"] = o.base;
      j["layout"] = rope_layout_name(layout);
      j["theta"] = theta;
      json rows = json::array();
      for (long i = 0; i < angles.rows(); ++i) {
        json row = json::array();
        for (long k = 0; k < angles.cols(); ++k) row.push_back(angles(i, k));
        rows.push_back(row);
      }
      j["angles"] = rows;
      if (csv) {
        text = csv_header("position", "angle", r / 2);
        for (long i = 0; i < angles.rows(); ++i) {
          text += std::to_string(o.offset + i);
          for (long k = 0; k < angles.cols(); ++k) text += "," + fmt(angles(i, k));
          text += "\n";
        }
      }
      break;
    }
    case PosKind::Alibi:
    case PosKind::T5: {
      std::vector<MatRM> bias(o.heads);
      if (kind == PosKind::Alibi) {
        const std::vector<double> slopes = alibi_slopes(o.heads);
        for (int h = 0; h < o.heads; ++h) alibi_bias_forward(bias[h], N, N, slopes[h], o.bidirectional);
        j["slopes"] = slopes;
      } else {
        PositionalConfig pc;
        pc.num_buckets = o.num_buckets;
        pc.max_distance = o.max_distance;
        pc.bidirectional = o.bidirectional;
        const T5Params tp = t5_params(pc);
        const int nb = tp.bidirectional ? tp.num_buckets / 2 : tp.num_buckets;
        require(tp.num_buckets >= 2 && (!tp.bidirectional || tp.num_buckets % 2 == 0), "--num-buckets",
                "is " + std::to_string(tp.num_buckets) + "; needs >= 2, and an even number with --bidirectional");
        require(tp.max_distance > nb / 2, "--max-distance",
                "is " + std::to_string(tp.max_distance) + "; must exceed the " + std::to_string(nb / 2) + " exact buckets");
        Rng rng(uint64_t(o.seed));
        MatRM table(o.heads, tp.num_buckets);
        fill_normal(table, rng, float(o.std));
        for (int h = 0; h < o.heads; ++h) t5_bias_forward(bias[h], table, h, N, N, tp);
        std::vector<int> b;
        t5_buckets(b, N, N, tp);
        j["num_buckets"] = tp.num_buckets;
        j["max_distance"] = tp.max_distance;
        j["seed"] = o.seed;
        j["buckets"] = int_rows(b, N, N);
        j["table"] = matrix_to_json(table);
      }
      j["heads"] = o.heads;
      j["bidirectional"] = o.bidirectional;
      json per_head = json::array();
      for (const auto& B : bias) per_head.push_back(matrix_to_json(B));
      j["bias"] = per_head;
      if (csv) {
        text = csv_header("head,query", "key", N);
        for (int h = 0; h < o.heads; ++h) csv_rows(text, bias[h], std::to_string(h) + ",");
      }
      break;
    }
    case PosKind::Shaw: {
      need_dim(o, "shaw");
      require(o.clip >= 0, "--clip", "is " + std::to_string(o.clip) + ", must be >= 0");
      std::vector<int> idx;
      shaw_index(idx, N, N, o.clip);
      for (int& v : idx) v -= o.clip;
      Rng rng(uint64_t(o.seed));
      MatRM aK(2 * o.clip + 1, o.dim);
      fill_normal(aK, rng, float(o.std));
      j["dim"] = o.dim;
      j["clip"] = o.clip;
      j["seed"] = o.seed;
      j["distance"] = int_rows(idx, N, N);
      j["aK"] = matrix_to_json(aK);
      if (csv) {
        text = csv_header("query", "key", N);
        for (int i = 0; i < N; ++i) {
          text += std::to_string(i);
          for (int c = 0; c < N; ++c) text += "," + std::to_string(idx[size_t(i) * N + c]);
          text += "\n";
        }
      }
      break;
    }
    case PosKind::None: break;
  }
  return csv ? text : j.dump() + "\n";
}

}  // namespace

void add_pe_command(CLI::App& app, Action& action) {
  auto o = std::make_shared<PeOptions>();
  CLI::App* sub = app.add_subcommand("pe", "Dump a positional encoding: its table, angles or per-head bias (JSON or CSV)");
  sub->add_option("-k,--kind", o->kind,
                  "sinusoidal, sinusoidal_t2t, geometric, learned, rope, alibi, t5 or shaw")->required();
  sub->add_option("-n,--length", o->length, "number of positions N")->required();
  sub->add_option("-d,--dim", o->dim, "encoding width d (head width for rope, a^K width for shaw)");
  sub->add_option("--base", o->base, "frequency base of sinusoidal and rope (default 10000)");
  sub->add_option("--heads", o->heads, "heads H for alibi and t5 (default 1)");
  sub->add_flag("--bidirectional", o->bidirectional, "alibi, t5: the bidirectional form (default: causal)");
  sub->add_option("--layout", o->layout, "rope: interleaved (default) or rotate_half");
  sub->add_option("--rotary-fraction", o->rotary_fraction, "rope: fraction of the dims that rotate (default 1)");
  sub->add_option("--offset", o->offset, "position of the first row (default 0)");
  sub->add_option("--max-len", o->max_len, "learned: rows of the random table (default offset + N)");
  sub->add_option("--num-buckets", o->num_buckets, "t5: buckets (default 32)");
  sub->add_option("--max-distance", o->max_distance, "t5: distance of the last bucket (default 128)");
  sub->add_option("--clip", o->clip, "shaw: clipping distance k (default 4)");
  sub->add_option("--seed", o->seed, "learned, t5, shaw: seed of the random table (default 0)");
  sub->add_option("--std", o->std, "learned, t5, shaw: standard deviation of the random table (default 1)");
  sub->add_option("-f,--format", o->format, "json (default) or csv");
  sub->add_option("-o,--output", o->output, "output file ('-' = stdout, the default)");
  sub->callback([o, &action] {
    action = [o] {
      write_file_atomic(o->output, run_pe(*o));
      return kExitOk;
    };
  });
}

}  // namespace attn::cli
