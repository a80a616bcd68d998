// Random valid models for hardware testing, including degenerate ones.
#pragma once
#include <cstdint>
#include <string>

#include "model.hpp"

namespace tg {

struct RandomModelOptions {
  int hidden = 16;
  int vocab = 8;
  int fanin = 4;        // nonzero recurrent weights per unit
  int head_fanin = -1;  // nonzero head weights per logit (-1: same as fanin)
  int layers = 1;
  int levels = 1;
  std::string cell = "elman";
  uint64_t seed = 1;
  // Adds all-zero rows, always-on and never-on units, duplicate units, tied logits and a
  // non-zero reset state.
  bool degenerate = false;
  // Appends this many token-only units to the (single, one-level) layer: token table entries
  // in [-2, 2], no recurrent inputs, an always-on gate, read by one or two logits and by no
  // unit (the shape `tritgate train --head-token` exports; what gen --fold-token-units folds).
  // With `degenerate` some get a reset value other than their out-of-vocabulary value or a
  // token-dependent gate, which keeps them from folding.
  int token_units = 0;
  // > 0: a head.context table of the last two tokens on this many distinct random logits,
  // entries in [-3, 3] (about a third of them 0; a tenth of the rows all -3).
  int context = 0;
  std::string command;  // recorded in provenance
};

Model random_model(const RandomModelOptions& o);

// Deterministic across platforms (splitmix64), unlike std:: distributions.
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t next() {
    uint64_t z = (s_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  int below(int n) { return n <= 0 ? 0 : int(next() % uint64_t(n)); }
  int range(int lo, int hi) { return lo + below(hi - lo + 1); }  // inclusive
  bool chance(double p) { return double(next() >> 11) * (1.0 / 9007199254740992.0) < p; }

 private:
  uint64_t s_;
};

}  // namespace tg
