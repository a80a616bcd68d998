// drop-zero: a ternary weight of 0 contributes nothing; remove its term.
#include <algorithm>

#include "../passes.hpp"

namespace tg::passes {

bool drop_zero(ir::Netlist& n) {
  bool changed = false;
  for (auto& s : n.sums) {
    auto end = std::remove_if(s.terms.begin(), s.terms.end(), [](const ir::Term& t) { return t.weight == 0; });
    changed |= end != s.terms.end();
    s.terms.erase(end, s.terms.end());
  }
  return changed;
}

}  // namespace tg::passes
