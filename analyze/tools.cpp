#include "tools.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>

#include "util.hpp"

namespace fs = std::filesystem;

namespace tg::analyze {

std::string which(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string p = path ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= p.size()) {
    size_t end = p.find(':', start);
    if (end == std::string::npos) end = p.size();
    std::string dir = p.substr(start, end - start);
    if (dir.empty()) dir = ".";
    std::string full = dir + "/" + name;
    if (::access(full.c_str(), X_OK) == 0 && fs::is_regular_file(full)) return full;
    start = end + 1;
  }
  return "";
}

std::string find_tool(const std::vector<std::string>& names, const std::string& package, const std::string& purpose) {
  std::string tried;
  for (const auto& n : names) {
    std::string p = which(n);
    if (!p.empty()) return p;
    tried += (tried.empty() ? "" : ", ") + n;
  }
  throw Error(purpose + " needs one of: " + tried + " on PATH (install the Debian package " + package + ")");
}

RunResult run_program(const std::vector<std::string>& argv, double timeout_s) {
  RunResult r;
  auto t0 = std::chrono::steady_clock::now();
  int fds[2];
  if (::pipe(fds) != 0) throw Error("cannot create a pipe to run " + argv[0]);
  pid_t pid = ::fork();
  if (pid < 0) throw Error("cannot fork to run " + argv[0]);
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::dup2(fds[1], 2);
    ::close(fds[0]);
    ::close(fds[1]);
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    std::vector<char*> a;
    for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    ::execv(a[0], a.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  char buf[65536];
  bool open = true;
  while (open) {
    int wait_ms = -1;
    if (timeout_s > 0) {
      double left = timeout_s - std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (left <= 0) {
        r.timed_out = true;
        ::kill(pid, SIGKILL);
        break;
      }
      wait_ms = int(left * 1000) + 1;
    }
    pollfd p{fds[0], POLLIN, 0};
    int k = ::poll(&p, 1, wait_ms);
    if (k < 0 && errno == EINTR) continue;
    if (k == 0) continue;  // the deadline check above fires
    ssize_t got = ::read(fds[0], buf, sizeof buf);
    if (got <= 0) open = false;
    else r.output.append(buf, size_t(got));
  }
  ::close(fds[0]);
  int st = 0;
  ::waitpid(pid, &st, 0);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

TempDir::TempDir() {
  std::string tmpl = (fs::temp_directory_path() / "tritgate-analyze-XXXXXX").string();
  std::vector<char> b(tmpl.begin(), tmpl.end());
  b.push_back(0);
  if (!::mkdtemp(b.data())) throw Error("cannot create a temporary directory under " + fs::temp_directory_path().string());
  path_ = b.data();
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

}  // namespace tg::analyze
