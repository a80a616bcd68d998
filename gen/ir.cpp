#include "ir.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "util.hpp"

namespace tg::ir {

std::pair<int, int> Netlist::range(int s) const {
  const Sum& sm = sums[size_t(s)];
  int lo = sm.offset, hi = sm.offset;
  for (const Term& t : sm.terms) {
    const Bit& b = bits[size_t(t.bit)];
    if (b.kind == Bit::Kind::Const) {
      lo += t.weight * b.a;
      hi += t.weight * b.a;
    } else {
      (t.weight > 0 ? hi : lo) += t.weight;
    }
  }
  if (sm.table >= 0) {
    const auto& tb = tables[size_t(sm.table)];
    int mn = 0, mx = 0;  // out-of-vocabulary tokens contribute 0
    for (int v : tb) {
      mn = std::min(mn, v);
      mx = std::max(mx, v);
    }
    lo += mn;
    hi += mx;
  }
  return {lo, hi};
}

int Netlist::count_bits(Bit::Kind k) const {
  return int(std::count_if(bits.begin(), bits.end(), [&](const Bit& b) { return b.kind == k; }));
}

int Netlist::total_terms() const {
  int n = 0;
  for (const auto& s : sums) n += int(s.terms.size());
  return n;
}

void Netlist::verify(const std::string& what) const {
  auto fail = [&](const std::string& m) { throw Error("internal error: netlist invalid after " + what + ": " + m); };
  std::vector<int> sum_first_use(sums.size(), int(bits.size()));
  for (size_t i = 0; i < bits.size(); ++i) {
    const Bit& b = bits[i];
    switch (b.kind) {
      case Bit::Kind::Const:
        if (b.a != 0 && b.a != 1) fail(fmt::format("bit {} constant {}", i, b.a));
        break;
      case Bit::Kind::State:
        if (b.a < 0 || b.a >= int(regs.size())) fail(fmt::format("bit {} reads register {}", i, b.a));
        break;
      case Bit::Kind::Cmp:
        if (b.a < 0 || b.a >= int(sums.size())) fail(fmt::format("bit {} compares sum {}", i, b.a));
        for (const Term& t : sums[size_t(b.a)].terms)
          if (t.bit >= int(i)) fail(fmt::format("bit {} uses sum {} reading later bit {}", i, b.a, t.bit));
        break;
      case Bit::Kind::Mux:
        for (int x : {b.a, b.b, b.c})
          if (x < 0 || x >= int(i)) fail(fmt::format("mux bit {} reads bit {}", i, x));
        break;
    }
  }
  if (has_context()) {
    if (context.rows != (vocab + 1) * (vocab + 1) || context.cols != int(context_logits.size()))
      fail(fmt::format("context table {}x{} for {} logits", context.rows, context.cols, context_logits.size()));
    for (int v : context_logits)
      if (v < 0 || v >= int(logits.size())) fail(fmt::format("context reads logit {}", v));
  }
  for (size_t s = 0; s < sums.size(); ++s) {
    const Sum& sm = sums[s];
    if (sm.table >= int(tables.size())) fail(fmt::format("sum {} uses table {}", s, sm.table));
    if (sm.table >= 0 && int(tables[size_t(sm.table)].size()) != vocab) fail(fmt::format("table {} size", sm.table));
    for (const Term& t : sm.terms) {
      if (t.bit < 0 || t.bit >= int(bits.size())) fail(fmt::format("sum {} reads bit {}", s, t.bit));
      if (t.weight < -1 || t.weight > 1) fail(fmt::format("sum {} weight {}", s, t.weight));
    }
  }
  for (size_t r = 0; r < regs.size(); ++r)
    if (regs[r].next < 0 || regs[r].next >= int(bits.size())) fail(fmt::format("register {} next {}", r, regs[r].next));
  if (int(logits.size()) != vocab) fail("logit count");
  for (int s : logits) {
    if (s < 0 || s >= int(sums.size())) fail("logit sum index");
    if (sums[size_t(s)].table >= 0) fail("logit uses a token table");
    for (const Term& t : sums[size_t(s)].terms) {
      auto k = bits[size_t(t.bit)].kind;
      if (k != Bit::Kind::State && k != Bit::Kind::Const) fail(fmt::format("logit sum {} reads a combinational bit", s));
    }
  }
}

Netlist from_model(const Model& m) {
  Netlist n;
  n.model_name = m.name;
  n.model_hash = m.hash;
  n.vocab = m.vocab_size();
  n.token_bits = m.token_bits();
  n.vocab_bytes = m.vocab;
  n.logit_scale = m.head.logit_scale;
  n.model_state_bits = m.state_bits();
  // Registers first, one per model state bit, each readable as a State bit.
  int base = 0;
  std::vector<int> layer_base;
  for (size_t li = 0; li < m.layers.size(); ++li) {
    const Layer& l = m.layers[li];
    layer_base.push_back(base);
    for (int q = 0; q < l.state_bits(); ++q) {
      std::string nm = m.layers.size() == 1 ? fmt::format("h{}", q) : fmt::format("h{}_{}", li, q);
      n.regs.push_back({nm, -1, l.reset[size_t(q)] != 0, base + q});
      n.bits.push_back({Bit::Kind::State, base + q, 0, 0, nm});
    }
    base += l.state_bits();
  }
  std::vector<int> below_new;  // bit ids of the layer below's new state
  for (size_t li = 0; li < m.layers.size(); ++li) {
    const Layer& l = m.layers[li];
    std::string pre = m.layers.size() == 1 ? "" : fmt::format("l{}_", li);
    auto make_sum = [&](const UnitBank& b, int u, const std::string& nm) {
      Sum s;
      s.name = nm;
      for (int j = 0; j < b.recurrent.cols; ++j) s.terms.push_back({layer_base[li] + j, b.recurrent.at(u, j)});
      if (li == 0) {
        std::vector<int> tb(size_t(n.vocab));
        bool any = false;
        for (int v = 0; v < n.vocab; ++v) any |= (tb[size_t(v)] = b.input.at(u, v)) != 0;
        if (any) {
          s.table = int(n.tables.size());
          n.tables.push_back(std::move(tb));
        }
      } else {
        for (int j = 0; j < b.input.cols; ++j) s.terms.push_back({below_new[size_t(j)], b.input.at(u, j)});
      }
      n.sums.push_back(std::move(s));
      return int(n.sums.size()) - 1;
    };
    std::vector<int> new_bits(size_t(l.state_bits()));
    for (int u = 0; u < l.units; ++u) {
      int cs = make_sum(l.cand, u, fmt::format("{}n{}", pre, u));
      int gate_bit = -1;
      if (l.gated) {
        int gs = make_sum(l.gate, u, fmt::format("{}g{}", pre, u));
        n.bits.push_back({Bit::Kind::Cmp, gs, l.gate.thresholds[size_t(u)][0], 0, fmt::format("{}g{}_on", pre, u)});
        gate_bit = int(n.bits.size()) - 1;
      }
      for (int k = 0; k < l.levels; ++k) {
        std::string nm = l.levels == 1 ? fmt::format("{}n{}_on", pre, u) : fmt::format("{}n{}_ge{}", pre, u, k);
        n.bits.push_back({Bit::Kind::Cmp, cs, l.cand.thresholds[size_t(u)][size_t(k)], 0, nm});
        int cb = int(n.bits.size()) - 1;
        int q = u * l.levels + k;
        if (gate_bit >= 0) {
          n.bits.push_back({Bit::Kind::Mux, gate_bit, cb, layer_base[li] + q, nm + "_upd"});
          cb = int(n.bits.size()) - 1;
        }
        new_bits[size_t(q)] = cb;
        n.regs[size_t(layer_base[li] + q)].next = cb;
      }
    }
    below_new = std::move(new_bits);
  }
  // Head over the last layer's registers.
  int last = layer_base.back();
  for (int v = 0; v < n.vocab; ++v) {
    Sum s;
    s.name = fmt::format("logit{}", v);
    for (int j = 0; j < m.head.weights.cols; ++j) s.terms.push_back({last + j, m.head.weights.at(v, j)});
    s.offset = m.head.bias[size_t(v)];
    n.sums.push_back(std::move(s));
    n.logits.push_back(int(n.sums.size()) - 1);
  }
  n.context_logits = m.head.context_logits;
  n.context = m.head.context;
  n.verify("lowering");
  return n;
}

int Netlist::context_column(int v) const {
  for (size_t i = 0; i < context_logits.size(); ++i)
    if (context_logits[i] == v) return int(i);
  return -1;
}

std::pair<int, int> Netlist::context_column_range(int i) const {
  int lo = context.at(0, i), hi = lo;
  for (int r = 0; r < context.rows; ++r) {
    lo = std::min(lo, context.at(r, i));
    hi = std::max(hi, context.at(r, i));
  }
  return {lo, hi};
}

std::pair<int, int> Netlist::logit_range(int v) const {
  auto r = range(logits[size_t(v)]);
  if (int i = context_column(v); i >= 0) {
    auto [lo, hi] = context_column_range(i);
    r.first += lo;
    r.second += hi;
  }
  return r;
}

Sim::Sim(const Netlist& n) : n_(n) { reset(); }

void Sim::reset() {
  regs_.assign(n_.regs.size(), 0);
  for (size_t r = 0; r < regs_.size(); ++r) regs_[r] = n_.regs[r].reset;
  c_last_ = c_prev_ = 0;
}

void Sim::set_context(int c_prev, int c_last) {
  if (c_prev < 0 || c_prev > n_.vocab || c_last < 0 || c_last > n_.vocab)
    throw Error(fmt::format("internal error: head.context codes ({}, {}) outside 0..{}", c_prev, c_last, n_.vocab));
  c_prev_ = c_prev;
  c_last_ = c_last;
}

int Sim::eval_sum(int s, int token, const std::vector<uint8_t>& bits) const {
  const Sum& sm = n_.sums[size_t(s)];
  int v = sm.offset;
  for (const Term& t : sm.terms) v += t.weight * bits[size_t(t.bit)];
  if (sm.table >= 0 && token >= 0 && token < n_.vocab) v += n_.tables[size_t(sm.table)][size_t(token)];
  return v;
}

void Sim::step(int token) {
  std::vector<uint8_t> bits(n_.bits.size());
  for (size_t i = 0; i < bits.size(); ++i) {
    const Bit& b = n_.bits[i];
    switch (b.kind) {
      case Bit::Kind::Const: bits[i] = uint8_t(b.a); break;
      case Bit::Kind::State: bits[i] = regs_[size_t(b.a)]; break;
      case Bit::Kind::Cmp: bits[i] = eval_sum(b.a, token, bits) >= b.b; break;
      case Bit::Kind::Mux: bits[i] = bits[size_t(b.a)] ? bits[size_t(b.b)] : bits[size_t(b.c)]; break;
    }
  }
  for (size_t r = 0; r < regs_.size(); ++r) regs_[r] = bits[size_t(n_.regs[r].next)];
  c_prev_ = c_last_;
  c_last_ = token >= 0 && token < n_.vocab ? token + 1 : 0;
}

std::vector<int> Sim::logits() const {
  std::vector<uint8_t> bits(n_.bits.size());
  for (size_t i = 0; i < bits.size(); ++i) {
    const Bit& b = n_.bits[i];
    if (b.kind == Bit::Kind::Const) bits[i] = uint8_t(b.a);
    if (b.kind == Bit::Kind::State) bits[i] = regs_[size_t(b.a)];
  }
  std::vector<int> z;
  for (int s : n_.logits) z.push_back(eval_sum(s, -1, bits));
  if (n_.has_context()) {
    const int row = c_prev_ * (n_.vocab + 1) + c_last_;
    for (size_t i = 0; i < n_.context_logits.size(); ++i) z[size_t(n_.context_logits[i])] += n_.context.at(row, int(i));
  }
  return z;
}

int Sim::argmax() const { return argmax_lowest(logits()); }

}  // namespace tg::ir
