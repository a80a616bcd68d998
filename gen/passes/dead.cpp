// dead: removes every bit, sum, token table and register that the head does not reach
// through the state-dependency graph (a neuron nothing reads is dead, and so is a register
// whose only readers are dead).
#include "../passes.hpp"

namespace tg::passes {

bool dead(ir::Netlist& n) { return remove_dead(n); }

}  // namespace tg::passes
