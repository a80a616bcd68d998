// Equivalence proof: the optimised netlist, emitted as compressor trees and a tournament
// argmax, against the plain pass-free netlist emitted as behavioural arithmetic, as a
// sequential miter from reset, proved with ABC (property-directed reachability).
#pragma once
#include <string>
#include <vector>

namespace tg {
int cmd_equiv(const std::vector<std::string>& args, const std::string& full);
}
