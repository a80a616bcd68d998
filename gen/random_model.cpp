#include "random_model.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

#include "util.hpp"

namespace tg {

namespace {

std::vector<uint8_t> pick_vocab(int v) {
  std::string pref = " etaoinshrdlucmfwypvbgkjqxz\nETAOINSHRDLUCMFWYPVBGKJQXZ.,;:!?'-0123456789";
  std::vector<uint8_t> out;
  for (char c : pref)
    if (int(out.size()) < v) out.push_back(uint8_t(c));
  for (int b = 0; b < 256 && int(out.size()) < v; ++b)
    if (std::find(out.begin(), out.end(), uint8_t(b)) == out.end()) out.push_back(uint8_t(b));
  return out;
}

void fill_bank(Rng& r, UnitBank& b, int units, int levels, int in_cols, int rec_cols, int fanin, bool token_table,
               bool degenerate) {
  b.input = Matrix(units, in_cols);
  b.recurrent = Matrix(units, rec_cols);
  b.thresholds.assign(size_t(units), {});
  for (int u = 0; u < units; ++u) {
    bool zero_row = degenerate && r.chance(0.1);
    if (!zero_row) {
      std::vector<int> cols(static_cast<size_t>(rec_cols));
      std::iota(cols.begin(), cols.end(), 0);
      int k = std::min(fanin, rec_cols);
      for (int i = 0; i < k; ++i) {
        std::swap(cols[size_t(i)], cols[size_t(i + r.below(rec_cols - i))]);
        b.recurrent.at(u, cols[size_t(i)]) = r.chance(0.5) ? 1 : -1;
      }
      for (int j = 0; j < in_cols; ++j) {
        if (token_table) b.input.at(u, j) = r.chance(0.6) ? r.range(-1, 1) : 0;
        else b.input.at(u, j) = r.chance(0.25) ? (r.chance(0.5) ? 1 : -1) : 0;
      }
      if (token_table && r.chance(0.15)) b.input.at(u, r.below(in_cols)) = r.range(-3, 3);  // some wider entries
    }
    auto [lo, hi] = unit_range(b, u, token_table);
    std::vector<int> t;
    for (int k = 0; k < levels; ++k) {
      int mid = (lo + hi + 1) / 2;
      int x = std::clamp(mid + r.range(-1, 1), lo, hi + 1);
      if (degenerate && r.chance(0.1)) x = r.chance(0.5) ? lo : hi + 1;  // always / never on
      t.push_back(x);
    }
    std::sort(t.begin(), t.end());
    b.thresholds[size_t(u)] = t;
  }
  if (degenerate && units >= 2) {  // a duplicate unit
    int a = r.below(units), c = r.below(units);
    for (int j = 0; j < in_cols; ++j) b.input.at(c, j) = b.input.at(a, j);
    for (int j = 0; j < rec_cols; ++j) b.recurrent.at(c, j) = b.recurrent.at(a, j);
    b.thresholds[size_t(c)] = b.thresholds[size_t(a)];
  }
}

void append_token_units(Rng& r, Model& m, int count, bool degenerate) {
  Layer& l = m.layers[0];
  const int H = l.units, N = H + count, V = int(m.vocab.size());
  auto grow = [&](UnitBank& b) {
    Matrix in(N, b.input.cols), rec(N, N);
    for (int u = 0; u < H; ++u) {
      for (int j = 0; j < b.input.cols; ++j) in.at(u, j) = b.input.at(u, j);
      for (int j = 0; j < H; ++j) rec.at(u, j) = b.recurrent.at(u, j);
    }
    b.input = std::move(in);
    b.recurrent = std::move(rec);
    b.thresholds.resize(size_t(N));
  };
  grow(l.cand);
  if (l.gated) grow(l.gate);
  for (int u = H; u < N; ++u) {
    for (int j = 0; j < V; ++j) l.cand.input.at(u, j) = r.chance(0.5) ? r.range(-2, 2) : 0;
    auto [lo, hi] = unit_range(l.cand, u, true);
    // Thresholds at or below 0 make the out-of-vocabulary value 1 (not the reset value 0).
    l.cand.thresholds[size_t(u)] = {std::clamp(degenerate && r.chance(0.2) ? r.range(-1, 0) : r.range(1, 2), lo, hi + 1)};
    if (l.gated) {
      l.gate.thresholds[size_t(u)] = {0};  // zero sum: always on
      if (degenerate && r.chance(0.2)) {  // a gate that reads the token: the unit keeps its state
        for (int j = 0; j < V; ++j) l.gate.input.at(u, j) = r.chance(0.5) ? r.range(-1, 1) : 0;
        l.gate.thresholds[size_t(u)] = {1};
      }
    }
  }
  l.units = N;
  l.reset.resize(size_t(N), 0);
  if (degenerate)
    for (int u = H; u < N; ++u) l.reset[size_t(u)] = r.chance(0.2);
  Matrix hw(V, N);
  for (int v = 0; v < V; ++v)
    for (int j = 0; j < H; ++j) hw.at(v, j) = m.head.weights.at(v, j);
  for (int u = H; u < N; ++u)
    for (int k = 1 + r.below(2); k > 0; --k) hw.at(r.below(V), u) = r.chance(0.5) ? 1 : -1;
  m.head.weights = std::move(hw);
}

}  // namespace

Model random_model(const RandomModelOptions& o) {
  if (o.hidden < 1) throw Error(fmt::format("--hidden: expected at least 1, got {}", o.hidden));
  if (o.vocab < 1 || o.vocab > 256) throw Error(fmt::format("--vocab: expected 1..256, got {}", o.vocab));
  if (o.layers < 1 || o.layers > 8) throw Error(fmt::format("--layers: expected 1..8, got {}", o.layers));
  if (o.levels < 1 || o.levels > 3) throw Error(fmt::format("--levels: expected 1..3, got {}", o.levels));
  if (o.cell != "elman" && o.cell != "gated") throw Error("--cell: expected elman or gated, got " + o.cell);
  int bits = o.hidden * o.levels;
  if (o.fanin < 0 || o.fanin > bits)
    throw Error(fmt::format("--fanin: expected 0..{} (the state bits per layer), got {}", bits, o.fanin));
  int hf = o.head_fanin < 0 ? o.fanin : o.head_fanin;
  if (o.context < 0 || o.context > o.vocab)
    throw Error(fmt::format("--context: expected 0..{} logits (the vocabulary), got {}", o.vocab, o.context));
  if (o.token_units < 0 || o.token_units > 1024)
    throw Error(fmt::format("--token-units: expected 0..1024, got {}", o.token_units));
  if (o.token_units > 0 && (o.layers != 1 || o.levels != 1))
    throw Error("--token-units: needs --layers 1 and --levels 1");
  if (hf > bits) throw Error(fmt::format("--head-fanin: expected 0..{}, got {}", bits, hf));
  Rng r(o.seed);
  Model m;
  m.name = fmt::format("random-h{}-v{}-k{}-s{}", o.hidden, o.vocab, o.fanin, o.seed);
  m.vocab = pick_vocab(o.vocab);
  m.cell = o.cell;
  m.fanin = o.fanin;
  int prev = o.vocab;
  for (int li = 0; li < o.layers; ++li) {
    Layer l;
    l.units = o.hidden;
    l.levels = o.levels;
    fill_bank(r, l.cand, l.units, l.levels, prev, bits, o.fanin, li == 0, o.degenerate);
    l.gated = o.cell == "gated";
    if (l.gated) fill_bank(r, l.gate, l.units, 1, prev, bits, o.fanin, li == 0, o.degenerate);
    l.reset.assign(size_t(bits), 0);
    if (o.degenerate)
      for (auto& b : l.reset) b = r.chance(0.3);
    prev = bits;
    m.layers.push_back(std::move(l));
  }
  m.head.weights = Matrix(o.vocab, bits);
  m.head.bias.assign(size_t(o.vocab), 0);
  for (int v = 0; v < o.vocab; ++v) {
    std::vector<int> cols(static_cast<size_t>(bits));
    std::iota(cols.begin(), cols.end(), 0);
    for (int i = 0; i < hf; ++i) {
      std::swap(cols[size_t(i)], cols[size_t(i + r.below(bits - i))]);
      m.head.weights.at(v, cols[size_t(i)]) = r.chance(0.5) ? 1 : -1;
    }
    m.head.bias[size_t(v)] = r.range(-2, 2);
  }
  if (o.degenerate && o.vocab >= 2) {  // two logits tied forever
    int a = r.below(o.vocab), b = r.below(o.vocab);
    for (int j = 0; j < bits; ++j) m.head.weights.at(b, j) = m.head.weights.at(a, j);
    m.head.bias[size_t(b)] = m.head.bias[size_t(a)];
  }
  if (o.token_units > 0) append_token_units(r, m, o.token_units, o.degenerate);
  if (o.context > 0) {
    std::vector<int> cols(static_cast<size_t>(o.vocab));
    std::iota(cols.begin(), cols.end(), 0);
    for (int i = 0; i < o.context; ++i) std::swap(cols[size_t(i)], cols[size_t(i + r.below(o.vocab - i))]);
    m.head.context_logits.assign(cols.begin(), cols.begin() + o.context);
    m.head.context = Matrix((o.vocab + 1) * (o.vocab + 1), o.context);
    for (int& e : m.head.context.w) e = r.chance(0.35) ? 0 : r.range(-3, 3);
    // Some rows at every column's smallest entry (-3): all-zero memory words in the RTL, which an
    // initialised memory must still write (a 4-state simulator reads X from an unwritten word).
    for (int row = 0; row < m.head.context.rows; ++row)
      if (r.chance(0.1))
        for (int i = 0; i < o.context; ++i) m.head.context.at(row, i) = -3;
  }
  m.head.logit_scale = 0.5;
  m.provenance = {{"generator", fmt::format("tritgate {} random-model", kVersion)},
                  {"command", o.command},
                  {"seed", o.seed},
                  {"degenerate", o.degenerate},
                  {"token_units", o.token_units}};
  if (o.context > 0) m.provenance["context"] = o.context;
  validate_model(m, "(random model)");
  m.hash = sha256_hex(model_to_json(m));
  return m;
}

}  // namespace tg
