// Rewriting helpers shared by the passes: substitution of bits and dead-logic removal with
// renumbering.
#include <map>

#include "../passes.hpp"

namespace tg::passes {

using ir::Bit;

void substitute(ir::Netlist& n, const std::vector<int>& subst) {
  std::vector<int> s = subst;
  for (size_t i = 0; i < s.size(); ++i)
    if (s[i] != int(i)) s[i] = s[size_t(s[i])];  // targets are earlier, so already resolved
  for (auto& sm : n.sums)
    for (auto& t : sm.terms) t.bit = s[size_t(t.bit)];
  for (auto& b : n.bits)
    if (b.kind == Bit::Kind::Mux) {
      b.a = s[size_t(b.a)];
      b.b = s[size_t(b.b)];
      b.c = s[size_t(b.c)];
    }
  for (auto& r : n.regs) r.next = s[size_t(r.next)];
}

bool remove_dead(ir::Netlist& n) {
  std::vector<char> live_bit(n.bits.size()), live_sum(n.sums.size()), live_reg(n.regs.size());
  std::vector<int> work;
  auto use_bit = [&](int b) {
    if (!live_bit[size_t(b)]) {
      live_bit[size_t(b)] = 1;
      work.push_back(b);
    }
  };
  auto use_sum = [&](int s) {
    if (live_sum[size_t(s)]) return;
    live_sum[size_t(s)] = 1;
    for (const auto& t : n.sums[size_t(s)].terms) use_bit(t.bit);
  };
  for (int s : n.logits) use_sum(s);
  while (!work.empty()) {
    int i = work.back();
    work.pop_back();
    const Bit& b = n.bits[size_t(i)];
    switch (b.kind) {
      case Bit::Kind::Const: break;
      case Bit::Kind::State:
        if (!live_reg[size_t(b.a)]) {
          live_reg[size_t(b.a)] = 1;
          use_bit(n.regs[size_t(b.a)].next);
        }
        break;
      case Bit::Kind::Cmp: use_sum(b.a); break;
      case Bit::Kind::Mux:
        use_bit(b.a);
        use_bit(b.b);
        use_bit(b.c);
        break;
    }
  }
  std::vector<int> bmap(n.bits.size(), -1), smap(n.sums.size(), -1), rmap(n.regs.size(), -1);
  std::vector<int> tmap(n.tables.size(), -1);
  ir::Netlist out = n;
  out.bits.clear();
  out.sums.clear();
  out.regs.clear();
  out.tables.clear();
  for (size_t r = 0; r < n.regs.size(); ++r)
    if (live_reg[r]) {
      rmap[r] = int(out.regs.size());
      out.regs.push_back(n.regs[r]);
    }
  for (size_t s = 0; s < n.sums.size(); ++s)
    if (live_sum[s]) {
      smap[s] = int(out.sums.size());
      out.sums.push_back(n.sums[s]);
      int t = n.sums[s].table;
      if (t >= 0 && tmap[size_t(t)] < 0) {
        tmap[size_t(t)] = int(out.tables.size());
        out.tables.push_back(n.tables[size_t(t)]);
      }
    }
  for (size_t i = 0; i < n.bits.size(); ++i)
    if (live_bit[i]) {
      bmap[i] = int(out.bits.size());
      out.bits.push_back(n.bits[i]);
    }
  bool changed = out.bits.size() != n.bits.size() || out.sums.size() != n.sums.size() ||
                 out.regs.size() != n.regs.size() || out.tables.size() != n.tables.size();
  if (!changed) return false;
  for (auto& b : out.bits) {
    switch (b.kind) {
      case Bit::Kind::Const: break;
      case Bit::Kind::State: b.a = rmap[size_t(b.a)]; break;
      case Bit::Kind::Cmp: b.a = smap[size_t(b.a)]; break;
      case Bit::Kind::Mux:
        b.a = bmap[size_t(b.a)];
        b.b = bmap[size_t(b.b)];
        b.c = bmap[size_t(b.c)];
        break;
    }
  }
  for (auto& s : out.sums) {
    for (auto& t : s.terms) t.bit = bmap[size_t(t.bit)];
    if (s.table >= 0) s.table = tmap[size_t(s.table)];
  }
  for (auto& r : out.regs) r.next = bmap[size_t(r.next)];
  for (auto& l : out.logits) l = smap[size_t(l)];
  n = std::move(out);
  return true;
}

}  // namespace tg::passes
