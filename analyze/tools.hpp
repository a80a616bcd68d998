// External programs the analysis calls (ABC, a SAT solver, graphviz): located on PATH at run
// time, run as subprocesses with a wall-clock limit.
#pragma once
#include <string>
#include <vector>

namespace tg::analyze {

// Full path of the first of `names` found on PATH; throws tg::Error naming the Debian
// package `package` when none is.
std::string find_tool(const std::vector<std::string>& names, const std::string& package, const std::string& purpose);
// Empty when absent.
std::string which(const std::string& name);

struct RunResult {
  int status = -1;  // exit status, -1 when killed
  bool timed_out = false;
  std::string output;  // stdout and stderr together
  double seconds = 0;
};
// Runs argv[0] with arguments; kills it after timeout_s (<= 0: no limit).
RunResult run_program(const std::vector<std::string>& argv, double timeout_s);

// A private scratch directory, removed on destruction unless keep() was called.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace tg::analyze
