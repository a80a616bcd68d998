// Optimisation passes over the netlist IR. Each pass is one file under gen/passes/, does one
// job, and is listed by `tritgate gen --list-passes`. Passes never change what the machine
// computes on its observable outputs (next token, logits, and the value of every register
// that is kept); the equivalence check (`make equiv`) proves that for each generated design.
#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "ir.hpp"

namespace tg::passes {

struct Pass {
  const char* name;
  const char* help;
  // Returns true when it changed the netlist.
  bool (*run)(ir::Netlist&);
};

const std::vector<Pass>& all();
// The default pipeline: repeats the simplifying passes to a fixed point, then removes dead
// logic. "none" runs nothing.
std::vector<std::string> default_pipeline();
// Runs the named passes (a "*" suffix on a group means repeat to a fixed point is implicit in
// default_pipeline; names here run once each, in order). Records per-pass counts in `report`.
void run(ir::Netlist& n, const std::vector<std::string>& names, nlohmann::json& report);

// Shared rewriting helpers used by the passes.
// Replaces every use of bit i by bit subst[i] (subst[i] == i for untouched bits); the
// replacement must come earlier in topological order.
void substitute(ir::Netlist& n, const std::vector<int>& subst);
// Drops the bits, sums, registers and tables that nothing live reads and renumbers the rest.
// Returns true when anything was removed.
bool remove_dead(ir::Netlist& n);

bool drop_zero(ir::Netlist& n);
bool fold_const(ir::Netlist& n);
bool merge_twins(ir::Netlist& n);
bool dead(ir::Netlist& n);

}  // namespace tg::passes
