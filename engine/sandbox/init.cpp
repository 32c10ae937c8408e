#include "engine/sandbox/init.h"

#include <cmath>

namespace attn {

uint64_t Rng::next_u64() {
  // splitmix64
  uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

double Rng::uniform() { return double(next_u64() >> 11) * (1.0 / 9007199254740992.0); }

float Rng::normal() {
  if (has_spare_) {
    has_spare_ = false;
    return float(spare_);
  }
  double u1 = uniform(), u2 = uniform();
  if (u1 < 1e-300) u1 = 1e-300;
  const double r = std::sqrt(-2.0 * std::log(u1)), th = 6.283185307179586 * u2;
  spare_ = r * std::sin(th);
  has_spare_ = true;
  return float(r * std::cos(th));
}

void fill_normal(MatRM& m, Rng& rng, float std) {
  for (long k = 0; k < m.size(); ++k) m.data()[k] = std * rng.normal();
}

void init_random_tensors(AttentionCase& cs, uint64_t seed, float std, bool with_biases) {
  AttentionConfig& c = cs.config;
  AttentionTensors& t = cs.tensors;
  Rng rng(seed);
  auto make = [&](long r, long k, float s) {
    MatRM m(r, k);
    fill_normal(m, rng, s);
    return m;
  };
  auto heads = [&](long r, long k, float s) {
    std::vector<MatRM> v;
    for (int h = 0; h < c.H; ++h) v.push_back(make(r, k, s));
    return v;
  };
  auto vecs = [&](long k, float s) {
    std::vector<RowVec> v;
    for (int h = 0; h < c.H; ++h) v.push_back(make(1, k, s));
    return v;
  };
  if (c.mode == AttnMode::Direct) {
    t.Q = heads(c.N, c.dk, std);
    t.K = heads(c.M, c.dk, std);
    t.V = heads(c.M, c.dv, std);
  } else {
    if (c.self_attention) c.M = c.N;
    const float w = std / std::sqrt(float(c.D));
    t.X = make(c.N, c.D, std);
    t.Y = c.self_attention ? MatRM() : make(c.M, c.D, std);
    t.Wq = heads(c.D, c.dk, w);
    t.Wk = heads(c.D, c.dk, w);
    t.Wv = heads(c.D, c.dv, w);
    t.Wo = make(long(c.H) * c.dv, c.D, std / std::sqrt(float(c.H * c.dv)));
    if (with_biases) {
      t.bq = vecs(c.dk, 0.1f * std);
      t.bk = vecs(c.dk, 0.1f * std);
      t.bv = vecs(c.dv, 0.1f * std);
      t.bo = make(1, c.D, 0.1f * std);
    } else {
      t.bq.clear();
      t.bk.clear();
      t.bv.clear();
      t.bo.resize(0);
    }
  }
}

}  // namespace attn
