// fold-const: constant propagation.
//  - a term on a constant bit moves into the sum's offset;
//  - a comparator whose sum range lies entirely above (or below) its threshold is a constant;
//  - a mux with a constant select, or with equal arms, is replaced by the arm it picks;
//  - a register whose next value is a constant equal to its reset value, or which only ever
//    reloads itself, holds its reset value forever: its output becomes that constant.
#include "../passes.hpp"

namespace tg::passes {

using ir::Bit;

bool fold_const(ir::Netlist& n) {
  bool changed = false;
  auto is_const = [&](int b) { return n.bits[size_t(b)].kind == Bit::Kind::Const; };
  for (auto& s : n.sums) {
    std::vector<ir::Term> kept;
    for (const auto& t : s.terms) {
      if (is_const(t.bit)) {
        s.offset += t.weight * n.bits[size_t(t.bit)].a;
        changed = true;
      } else {
        kept.push_back(t);
      }
    }
    s.terms = std::move(kept);
  }
  std::vector<int> subst(n.bits.size());
  for (size_t i = 0; i < subst.size(); ++i) subst[i] = int(i);
  bool any_subst = false;
  for (size_t i = 0; i < n.bits.size(); ++i) {
    Bit& b = n.bits[i];
    if (b.kind == Bit::Kind::Cmp) {
      auto [lo, hi] = n.range(b.a);
      if (lo >= b.b || hi < b.b) {
        int v = lo >= b.b ? 1 : 0;
        b = Bit{Bit::Kind::Const, v, 0, 0, b.name};
        changed = true;
      }
    } else if (b.kind == Bit::Kind::Mux) {
      int sel = subst[size_t(b.a)], one = subst[size_t(b.b)], zero = subst[size_t(b.c)];
      int pick = -1;
      if (is_const(sel)) pick = n.bits[size_t(sel)].a ? one : zero;
      else if (one == zero) pick = one;
      if (pick >= 0) {
        subst[i] = pick;
        any_subst = changed = true;
      }
    }
  }
  if (any_subst) substitute(n, subst);
  for (size_t r = 0; r < n.regs.size(); ++r) {
    const Bit& nb = n.bits[size_t(n.regs[r].next)];
    bool holds = (nb.kind == Bit::Kind::Const && nb.a == int(n.regs[r].reset)) ||
                 (nb.kind == Bit::Kind::State && nb.a == int(r));
    if (!holds) continue;
    for (auto& b : n.bits)
      if (b.kind == Bit::Kind::State && b.a == int(r)) {
        b = Bit{Bit::Kind::Const, int(n.regs[r].reset), 0, 0, b.name};
        changed = true;
      }
  }
  return changed;
}

}  // namespace tg::passes
