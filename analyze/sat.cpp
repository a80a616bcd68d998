#include "sat.hpp"

#include <filesystem>
#include <sstream>

#include "tools.hpp"
#include "util.hpp"

namespace tg::analyze {

Solver::Solver(const std::string& prefer) {
  if (prefer == "z3") path_ = find_tool({"z3"}, "z3", "the SAT queries");
  else if (prefer == "cadical") path_ = find_tool({"cadical"}, "cadical", "the SAT queries");
  else if (prefer.empty()) path_ = find_tool({"cadical", "z3"}, "cadical (or z3)", "the SAT queries");
  else throw Error("--solver: expected cadical or z3, got '" + prefer + "'");
  name_ = std::filesystem::path(path_).filename().string();
}

SatResult Solver::solve(const Cnf& cnf, double timeout_s) {
  TempDir tmp;
  std::string file = tmp.path() + "/q.cnf";
  write_file_atomic(file, cnf.dimacs());
  std::vector<std::string> argv;
  if (name_ == "z3") {
    argv = {path_, "-dimacs", file};
  } else {
    argv = {path_, "-q", file};
    if (timeout_s > 0) argv.insert(argv.begin() + 1, {"-t", std::to_string(int(timeout_s) + 1)});
  }
  RunResult r = run_program(argv, timeout_s);
  ++calls_;
  total_ += r.seconds;
  SatResult s;
  s.seconds = r.seconds;
  s.timed_out = r.timed_out;
  std::istringstream in(r.output);
  std::string line;
  bool saw_status = false;
  s.model.assign(size_t(cnf.num_vars) + 1, 0);
  while (std::getline(in, line)) {
    if (line.rfind("s ", 0) == 0) {
      saw_status = true;
      if (line.find("UNSATISFIABLE") != std::string::npos) s.status = SatResult::Status::Unsat;
      else if (line.find("SATISFIABLE") != std::string::npos) s.status = SatResult::Status::Sat;
      else s.status = SatResult::Status::Unknown;
    } else if (line.rfind("v ", 0) == 0) {
      std::istringstream vs(line.substr(2));
      long x;
      while (vs >> x)
        if (x > 0 && size_t(x) < s.model.size()) s.model[size_t(x)] = 1;
    }
  }
  if (!saw_status && !r.timed_out)
    throw Error("internal error: " + name_ + " gave no answer (exit " + std::to_string(r.status) + "): " +
                r.output.substr(0, 400));
  if (s.status == SatResult::Status::Unknown) s.timed_out = true;
  return s;
}

}  // namespace tg::analyze
