// Random-model cases shared by the tests that compare an implementation with the model
// file's golden interpreter: tiny and degenerate shapes, gated cells, stacked layers,
// multi-level units, wide vocabularies.
#pragma once
#include "random_model.hpp"

namespace tg_test {

struct Case {
  int hidden, vocab, fanin, head_fanin, layers, levels;
  const char* cell;
  bool degenerate;
};

inline const Case kCases[] = {
    {1, 1, 0, 0, 1, 1, "elman", false},   {1, 2, 1, 1, 1, 1, "elman", true},    {5, 7, 0, 2, 1, 1, "elman", true},
    {8, 5, 3, 3, 1, 1, "elman", true},    {16, 12, 4, 4, 1, 1, "elman", false}, {12, 9, 4, 6, 1, 2, "elman", true},
    {10, 6, 3, 3, 1, 1, "gated", true},   {8, 4, 3, 2, 2, 1, "elman", true},    {6, 3, 2, 2, 3, 1, "gated", false},
    {32, 30, 8, 8, 1, 1, "elman", false}, {7, 16, 7, 7, 1, 3, "elman", true},   {20, 65, 6, 10, 1, 1, "elman", true},
    {24, 7, 24, 24, 1, 1, "elman", true}, {40, 256, 3, 3, 1, 1, "elman", false}, {33, 31, 9, 9, 1, 2, "gated", false},
    {16, 100, 5, 12, 2, 2, "gated", true},
};

inline tg::Model make(const Case& c, uint64_t seed) {
  tg::RandomModelOptions o;
  o.hidden = c.hidden;
  o.vocab = c.vocab;
  o.fanin = c.fanin;
  o.head_fanin = c.head_fanin;
  o.layers = c.layers;
  o.levels = c.levels;
  o.cell = c.cell;
  o.degenerate = c.degenerate;
  o.seed = seed;
  return tg::random_model(o);
}

}  // namespace tg_test
