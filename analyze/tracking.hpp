// Runs the generator's optimisation passes (gen/passes.hpp) one at a time, exactly as
// passes::run does, and records what each did to each named bit: which comparators and
// registers became constants (fold-const), were merged into a twin (merge), or were removed
// because nothing reads them (dead). The passes themselves are not changed; the bookkeeping
// compares the netlist before and after every pass application.
#pragma once
#include <nlohmann/json.hpp>

#include <map>
#include <string>

#include "ir.hpp"

namespace tg::analyze {

struct Fate {
  std::string status = "kept";  // kept | constant | duplicate | dead
  int value = -1;               // constant: its value
  std::string pass;             // the pass that decided it
  int sweep = 0;                // in which sweep of the pipeline
  std::string twin;             // duplicate: the bit it was merged into
};

struct Tracked {
  ir::Netlist plain;      // lowered, nothing removed
  ir::Netlist optimised;  // after the default pipeline
  nlohmann::json report;  // passes::run's own report of the same pipeline
  std::map<std::string, Fate> fate;  // by bit name in the plain netlist
};

// Throws tg::Error if the bookkeeping run does not end in the same netlist as passes::run.
Tracked track_passes(const ir::Netlist& plain);

}  // namespace tg::analyze
