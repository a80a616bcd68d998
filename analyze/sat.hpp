// SAT solving through an external solver: CaDiCaL (preferred) or z3, fed DIMACS on a file.
#pragma once
#include <string>
#include <vector>

#include "aig.hpp"

namespace tg::analyze {

struct SatResult {
  enum class Status { Sat, Unsat, Unknown };
  Status status = Status::Unknown;
  std::vector<uint8_t> model;  // by CNF variable (index 0 unused); only meaningful when Sat
  double seconds = 0;
  bool timed_out = false;
  // Value of an AIG literal under the model (variables outside the CNF read as 0).
  bool value(Lit l) const {
    size_t v = size_t(Cnf::var(l));
    bool x = v < model.size() ? model[v] != 0 : false;
    return x ^ bool(l & 1u);
  }
};

class Solver {
 public:
  // Finds cadical or z3 on PATH (`prefer` may name one); throws tg::Error naming the package.
  explicit Solver(const std::string& prefer = "");
  // timeout_s <= 0: no limit.
  SatResult solve(const Cnf& cnf, double timeout_s);
  const std::string& name() const { return name_; }
  int calls() const { return calls_; }
  double total_seconds() const { return total_; }

 private:
  std::string path_, name_;
  int calls_ = 0;
  double total_ = 0;
};

}  // namespace tg::analyze
