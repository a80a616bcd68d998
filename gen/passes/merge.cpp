// merge: structural hashing. Cancels +x/-x pairs inside a sum, then merges identical token
// tables, sums, comparators, muxes and registers (same next bit and same reset value), keeping
// the earliest of each group.
#include <algorithm>
#include <map>
#include <tuple>

#include "../passes.hpp"

namespace tg::passes {

using ir::Bit;

bool merge_twins(ir::Netlist& n) {
  bool changed = false;
  // Canonical term order; cancel opposite pairs on the same bit.
  for (auto& s : n.sums) {
    std::map<int, int> w;
    for (const auto& t : s.terms) w[t.bit] += t.weight;
    std::vector<ir::Term> terms;
    for (auto [bit, k] : w)
      for (int i = 0; i < std::abs(k); ++i) terms.push_back({bit, k > 0 ? 1 : -1});
    auto sorted = s.terms;
    std::sort(sorted.begin(), sorted.end(), [](auto& a, auto& b) { return std::tie(a.bit, a.weight) < std::tie(b.bit, b.weight); });
    if (sorted != terms || s.terms != terms) changed |= sorted != terms || s.terms.size() != terms.size();
    s.terms = std::move(terms);
  }
  {
    std::map<std::vector<int>, int> seen;
    std::vector<int> tmap(n.tables.size());
    for (size_t t = 0; t < n.tables.size(); ++t) tmap[t] = seen.emplace(n.tables[t], int(t)).first->second;
    for (auto& s : n.sums)
      if (s.table >= 0 && tmap[size_t(s.table)] != s.table) {
        s.table = tmap[size_t(s.table)];
        changed = true;
      }
  }
  using SumKey = std::tuple<std::vector<std::pair<int, int>>, int, int>;
  std::map<SumKey, int> sum_seen;
  std::vector<int> smap(n.sums.size());
  for (size_t s = 0; s < n.sums.size(); ++s) {
    SumKey k;
    for (const auto& t : n.sums[s].terms) std::get<0>(k).push_back({t.bit, t.weight});
    std::get<1>(k) = n.sums[s].table;
    std::get<2>(k) = n.sums[s].offset;
    smap[s] = sum_seen.emplace(k, int(s)).first->second;
  }
  for (auto& b : n.bits)
    if (b.kind == Bit::Kind::Cmp && smap[size_t(b.a)] != b.a) {
      b.a = smap[size_t(b.a)];
      changed = true;
    }
  for (auto& l : n.logits)
    if (smap[size_t(l)] != l) {
      l = smap[size_t(l)];
      changed = true;
    }
  // Bits: comparators and muxes by operands; state bits by their register's (next, reset).
  std::map<std::tuple<int, int, int, int>, int> bit_seen;
  std::vector<int> subst(n.bits.size());
  bool any = false;
  for (size_t i = 0; i < n.bits.size(); ++i) {
    subst[i] = int(i);
    const Bit& b = n.bits[i];
    std::tuple<int, int, int, int> key;
    if (b.kind == Bit::Kind::Cmp) key = {1, b.a, b.b, 0};
    else if (b.kind == Bit::Kind::Mux) key = {2, subst[size_t(b.a)], subst[size_t(b.b)], subst[size_t(b.c)]};
    else if (b.kind == Bit::Kind::State) key = {3, n.regs[size_t(b.a)].next, n.regs[size_t(b.a)].reset, 0};
    else key = {0, b.a, 0, 0};
    auto [it, fresh] = bit_seen.emplace(key, int(i));
    if (!fresh) {
      subst[i] = it->second;
      any = changed = true;
    }
  }
  if (any) substitute(n, subst);
  return changed;
}

}  // namespace tg::passes
