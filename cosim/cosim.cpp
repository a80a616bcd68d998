// tritgate cosim: the float model (libtorch), the bit-exact reference and the Verilated RTL side
// by side on the same text.
//
// The generic tritgate binary cannot contain a per-model Verilated design, so cosim generates
// the design for the model (the default pass pipeline, as `tritgate gen`), builds the Verilator
// bench sim/tb_core.cpp for it with sim/build_tb.sh into a cache directory keyed by the model's
// sha256, and runs it on the text with --dump: the bench checks the RTL against the generated
// C++ reference and the model file's interpreter every cycle, and writes the core's out_token
// and logits port after reset and after every consumed token (with --pipeline-head P the bench
// pairs each line with the out_token the core shows P edges later). cosim reads that file and
// compares it, position by position, with its own run of the reference netlist (ir::Sim over
// the same optimised netlist tg_ref.hpp is generated from); any difference fails the command.
//
// Position t of the text is predicted from the state before token t (the reset state for t = 0),
// the rule of gen/bpc.hpp, for all three models: the float model's position-0 prediction is its
// head applied to its zero state.
#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "bpc.hpp"
#include "command.hpp"
#include "emit.hpp"
#include "ir.hpp"
#include "lm.hpp"
#include "model.hpp"
#include "passes.hpp"
#include "train.hpp"
#include "util.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace tg {
namespace {

struct Opts {
  std::string model, ckpt, text, prompt, json, tb, cache;
  int generate = 0;
  int threads = 1;
  int pipeline_head = 0;  // gen --pipeline-head of the design built and run
  bool no_build = false;
};

// Runs argv with stdout and stderr to `log`; returns the exit status (-1: could not start).
int run_process(const std::vector<std::string>& argv, const std::string& log,
                const std::vector<std::pair<std::string, std::string>>& env = {}) {
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    FILE* f = std::fopen(log.c_str(), "w");
    if (f) {
      dup2(fileno(f), 1);
      dup2(fileno(f), 2);
    }
    for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> a;
    for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    execvp(a[0], a.data());
    std::fprintf(stderr, "cannot run %s\n", a[0]);
    _exit(127);
  }
  int st = 0;
  if (waitpid(pid, &st, 0) < 0) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

std::string tail_of(const std::string& path, size_t n = 1500) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  std::string s = ss.str();
  return s.size() > n ? "..." + s.substr(s.size() - n) : s;
}

fs::path exe_dir() {
  std::error_code ec;
  fs::path p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::current_path() : p.parent_path();
}

bool on_path(const std::string& prog) {
  const char* path = std::getenv("PATH");
  if (!path) return false;
  std::stringstream ss(path);
  std::string d;
  while (std::getline(ss, d, ':'))
    if (!d.empty() && access((fs::path(d) / prog).c_str(), X_OK) == 0) return true;
  return false;
}

// The Verilated bench for this model: --tb, or the cache (built on demand unless --no-build).
std::string verilated_bench(const Opts& o, const Model& m, const ir::Netlist& n) {
  if (!o.tb.empty()) {
    if (access(o.tb.c_str(), X_OK) != 0)
      throw Error("--tb " + o.tb + ": no Verilated bench there (build one with sim/build_tb.sh GEN_DIR OUT_DIR)");
    return o.tb;
  }
  const std::string key = m.hash.substr(0, 16) + (o.pipeline_head > 0 ? fmt::format("-p{}", o.pipeline_head) : "");
  const fs::path dir = fs::path(o.cache.empty() ? (exe_dir() / "cosim_cache").string() : o.cache) / key;
  const fs::path tb = dir / "tb" / "tb";
  if (access(tb.c_str(), X_OK) == 0) return tb.string();
  if (o.no_build)
    throw Error(fmt::format("no Verilated build for {} (sha256 {}) at {}: run without --no-build, or build it with "
                            "sim/build_tb.sh and pass --tb",
                            o.model, m.hash.substr(0, 16), tb.string()));
  const fs::path src = TG_SOURCE_DIR;
  const fs::path script = src / "sim" / "build_tb.sh";
  if (access(script.c_str(), X_OK) != 0) throw Error(script.string() + ": missing; cannot build the Verilated bench");
  if (!on_path("verilator")) throw Error("verilator is not on PATH: cannot build the Verilated bench for " + o.model);
  const fs::path lib = exe_dir() / "libtglib.a";
  if (!fs::exists(lib)) throw Error(lib.string() + ": missing; the Verilated bench links the tritgate library");
  fs::create_directories(dir / "gen");
  emit::VerilogOptions vo;
  vo.pipeline_head = o.pipeline_head;
  write_file_atomic((dir / "gen" / "tg_core.v").string(), emit::verilog(n, vo));
  write_file_atomic((dir / "gen" / "tg_ref.hpp").string(), emit::cpp_reference(n, "tg_ref"));
  write_file_atomic((dir / "gen" / "tg_glue.hpp").string(), emit::verilator_glue(n, "tg_core", o.pipeline_head));
  std::cerr << fmt::format("cosim: building the Verilated bench for {} in {} ...\n", o.model, dir.string());
  const std::string log = (dir / "build_tb.log").string();
  int rc = run_process({script.string(), (dir / "gen").string(), (dir / "tb").string()}, log,
                       {{"TG_BUILD", exe_dir().string()}});
  if (rc != 0 || access(tb.c_str(), X_OK) != 0)
    throw Error(fmt::format("building the Verilated bench failed (exit {}), see {}:\n{}", rc, log, tail_of(log)));
  return tb.string();
}

struct Dump {
  std::vector<int> out_token;
  std::vector<std::vector<int>> z;
};

Dump read_dump(const std::string& path, int V) {
  Dump d;
  std::ifstream f(path);
  if (!f) throw Error(path + ": the Verilated bench wrote no dump");
  std::string line;
  while (std::getline(f, line)) {
    std::istringstream ss(line);
    int t;
    if (!(ss >> t)) continue;
    std::vector<int> z(static_cast<size_t>(V));
    for (int v = 0; v < V; ++v)
      if (!(ss >> z[size_t(v)])) throw Error(path + ": short line in the bench's dump");
    d.out_token.push_back(t);
    d.z.push_back(std::move(z));
  }
  return d;
}

// Runs the bench; throws with its log on failure (a mismatch against the reference included).
Dump run_bench(const std::string& tb, const std::vector<std::string>& args, const std::string& work, int V) {
  const std::string dump = work + "/dump.txt", log = work + "/tb.log";
  std::vector<std::string> argv = {tb};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back("--dump");
  argv.push_back(dump);
  int rc = run_process(argv, log);
  if (rc != 0) throw Error(fmt::format("the Verilated bench failed (exit {}):\n{}", rc, tail_of(log)));
  return read_dump(dump, V);
}

int argmax_of(const torch::Tensor& l) { return int(l.argmax().item<int64_t>()); }

int cmd_cosim(const std::vector<std::string>& args, const std::string&) {
  Opts o;
  po::options_description d("cosim options");
  d.add_options()("model", po::value(&o.model)->required(), "model file (m.json)")(
      "float", po::value(&o.ckpt), "float checkpoint (default: m.pt beside the model file)")(
      "text", po::value(&o.text)->required(), "text file to run the three models on")(
      "prompt", po::value(&o.prompt)->default_value(""), "free-running generation: prompt, fed teacher-forced")(
      "generate", po::value(&o.generate)->default_value(0), "free-running generation: characters to generate")(
      "json", po::value(&o.json), "write a JSON report to this file")(
      "tb", po::value(&o.tb), "use this Verilated bench (sim/build_tb.sh output) instead of the cache")(
      "cache", po::value(&o.cache), "cache directory of Verilated benches (default: cosim_cache beside tritgate)")(
      "no-build", po::bool_switch(&o.no_build), "fail instead of building a missing Verilated bench")(
      "pipeline-head", po::value(&o.pipeline_head)->default_value(0),
      "build the design with gen --pipeline-head N: out_token lags by N cycles")(
      "threads", po::value(&o.threads)->default_value(1), "libtorch threads");
  po::variables_map vm;
  if (!parse_options("cosim", args, d, {}, vm, "--model m.json [--float m.pt] --text FILE [--prompt P --generate N] [--json OUT]"))
    return 0;
  if (o.generate < 0) throw Error("--generate: expected a non-negative count");
  if (o.pipeline_head < 0) throw Error(fmt::format("--pipeline-head: expected 0 or more, got {}", o.pipeline_head));
  if (o.ckpt.empty()) o.ckpt = train::float_checkpoint_path(o.model);
  if (!fs::exists(o.ckpt)) throw Error(o.ckpt + ": float checkpoint not found (give --float)");
  const auto t0 = std::chrono::steady_clock::now();

  Model m = load_model(o.model);
  const int V = m.vocab_size();
  std::string text = read_file(o.text);
  if (text.empty()) throw Error(o.text + ": empty text");
  std::vector<int> toks = tokenize(m, text, o.text);  // names the offset of a byte outside the vocabulary
  std::vector<int> prompt = tokenize(m, o.prompt, "--prompt");
  torch::set_num_threads(std::max(1, o.threads));
  train::LM f = train::load_float_model(o.ckpt, m);  // names what does not match
  if (f->cfg.vocab != V) throw Error(fmt::format("{}: vocabulary of {} entries, the model file has {}", o.ckpt, f->cfg.vocab, V));
  ir::Netlist n = ir::from_model(m);
  nlohmann::json prep;
  passes::run(n, passes::default_pipeline(), prep);
  const std::string tb = verilated_bench(o, m, n);
  const fs::path work = fs::temp_directory_path() / fmt::format("tritgate-cosim-{}", getpid());
  fs::create_directories(work);
  struct Cleanup {
    fs::path p;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(p, ec);
    }
  } cleanup{work};
  const size_t T = toks.size();

  // 1. The RTL on the text (teacher-forced), checked every cycle by the bench itself.
  Dump rtl = run_bench(tb, {"--model", o.model, "--text", o.text, "--quiet"}, work.string(), V);
  if (rtl.z.size() != T + 1)
    throw Error(fmt::format("the bench's dump has {} positions, expected {}", rtl.z.size(), T + 1));

  // 2. The bit-exact reference on the same text, compared position by position with the RTL.
  ir::Sim ref(n);
  double ref_bits = 0, rtl_bits = 0;
  size_t agree = 0, ref_hits = 0, first_bad = SIZE_MAX;
  std::vector<int> hw_pred(static_cast<size_t>(T));
  for (size_t t = 0; t <= T; ++t) {
    std::vector<int> z = ref.logits();
    int am = argmax_lowest(z);
    bool same = z == rtl.z[t] && am == rtl.out_token[t];
    agree += same;
    if (!same && first_bad == SIZE_MAX) first_bad = t;
    if (t == T) break;
    ref_bits += nll_bits(z, n.logit_scale, toks[t]);
    rtl_bits += nll_bits(rtl.z[t], n.logit_scale, toks[t]);
    ref_hits += am == toks[t];
    hw_pred[t] = rtl.out_token[t];
    ref.step(toks[t]);
  }

  // 3. The float model on the same text.
  torch::NoGradGuard ng;
  std::vector<int> fl_pred(static_cast<size_t>(T));
  double fl_bits = 0;
  size_t fl_hits = 0, top1_agree = 0;
  {
    std::vector<int64_t> ids(toks.begin(), toks.end());
    auto h = f->zero_state(1);
    torch::Tensor l0 = f->head_logits(h.back().unsqueeze(1)).squeeze(1).squeeze(0);  // [V]: position 0
    auto score = [&](const torch::Tensor& l, size_t t) {
      torch::Tensor lp = torch::log_softmax(l.to(torch::kDouble), 0);
      fl_bits -= lp[toks[t]].item<double>() / std::log(2.0);
      fl_pred[t] = argmax_of(l);
      fl_hits += fl_pred[t] == toks[t];
    };
    score(l0, 0);
    const size_t W = 512;
    torch::Tensor prev;  // head.context code of the token before the chunk (undefined: none)
    for (size_t a = 0; a + 1 < T; a += W) {
      size_t b = std::min(T - 1, a + W);
      torch::Tensor x = torch::tensor(std::vector<int64_t>(ids.begin() + long(a), ids.begin() + long(b))).view({1, -1});
      auto out = f->forward(x, h, false, prev);
      h = out.h;
      prev = out.last;
      torch::Tensor lg = out.logits.squeeze(0);  // [b - a, V]: row i predicts token a + i + 1
      for (size_t i = 0; i < b - a; ++i) score(lg[long(i)], a + i + 1);
    }
  }
  for (size_t t = 0; t < T; ++t) top1_agree += fl_pred[t] == hw_pred[t];

  const double bpc_float = fl_bits / double(T), bpc_ref = ref_bits / double(T), bpc_rtl = rtl_bits / double(T);
  const double rtl_ref_agreement = double(agree) / double(T + 1);
  nlohmann::json rep = {{"model", o.model},
                        {"model_sha256", m.hash},
                        {"float_checkpoint", o.ckpt},
                        {"text", o.text},
                        {"tokens", T},
                        {"verilated_bench", tb},
                        {"pipeline_head", o.pipeline_head},
                        {"bpc_float", bpc_float},
                        {"bpc_reference", bpc_ref},
                        {"bpc_rtl", bpc_rtl},
                        {"bpc_rtl_equals_reference", bpc_rtl == bpc_ref},
                        {"top1_float", double(fl_hits) / double(T)},
                        {"top1_hardware", double(ref_hits) / double(T)},
                        {"top1_agreement_float_hardware", double(top1_agree) / double(T)},
                        {"rtl_reference_agreement", rtl_ref_agreement},
                        {"positions_compared", T + 1}};
  std::cout << fmt::format("cosim: {} (sha256 {}), float {}, text {}: {} tokens{}\n", o.model, m.hash.substr(0, 16), o.ckpt,
                           o.text, T, o.pipeline_head > 0 ? fmt::format(", RTL with --pipeline-head {}", o.pipeline_head) : "");
  std::cout << fmt::format("  float model (libtorch)   bpc {:.6f}   top-1 {:6.2f}%\n", bpc_float, 100.0 * double(fl_hits) / double(T));
  std::cout << fmt::format("  bit-exact reference      bpc {:.6f}   top-1 {:6.2f}%\n", bpc_ref, 100.0 * double(ref_hits) / double(T));
  std::cout << fmt::format("  RTL (Verilator)          bpc {:.6f}   {}\n", bpc_rtl,
                           bpc_rtl == bpc_ref ? "identical to the reference" : "DIFFERS from the reference");
  std::cout << fmt::format("  top-1 agreement float vs hardware: {:.2f}% ({} of {} positions)\n",
                           100.0 * double(top1_agree) / double(T), top1_agree, T);
  std::cout << fmt::format("  RTL vs reference: {:.3f}% of {} positions identical (logits and out_token)\n",
                           100.0 * rtl_ref_agreement, T + 1);

  bool ok = agree == T + 1 && bpc_rtl == bpc_ref;
  if (first_bad != SIZE_MAX) {
    std::cout << fmt::format("  FIRST RTL/REFERENCE DIFFERENCE at position {}\n", first_bad);
    rep["first_rtl_reference_difference"] = first_bad;
  }

  // 4. Free-running generation from the prompt: float vs hardware (and the reference).
  if (o.generate > 0) {
    const size_t P = prompt.size(), N = size_t(o.generate);
    std::vector<std::string> targs = {"--model", o.model, "--free", std::to_string(N), "--quiet"};
    if (!o.prompt.empty()) {
      targs.push_back("--prompt");
      targs.push_back(o.prompt);
    }
    Dump g = run_bench(tb, targs, work.string(), V);
    if (g.out_token.size() < P + N) throw Error("the bench's generation dump is short");
    std::vector<int> hw, rf, fl;
    for (size_t i = 0; i < N; ++i) hw.push_back(g.out_token[P + i]);
    ir::Sim s(n);
    for (int t : prompt) s.step(t);
    for (size_t i = 0; i < N; ++i) {
      rf.push_back(s.argmax());
      s.step(rf.back());
    }
    auto h = f->zero_state(1);
    torch::Tensor l = f->head_logits(h.back().unsqueeze(1)).squeeze(1).squeeze(0);
    torch::Tensor prev;
    auto feed = [&](int t) {
      auto out = f->forward(torch::tensor(std::vector<int64_t>{t}).view({1, 1}), h, false, prev);
      h = out.h;
      prev = out.last;
      l = out.logits.squeeze(0).squeeze(0);
    };
    for (int t : prompt) feed(t);
    for (size_t i = 0; i < N; ++i) {
      fl.push_back(argmax_of(l));
      feed(fl.back());
    }
    auto str = [&](const std::vector<int>& v) {
      std::string s;
      for (int t : v) s.push_back(char(m.vocab[size_t(t)]));
      return s;
    };
    long diverge = -1;
    for (size_t i = 0; i < N; ++i)
      if (fl[i] != hw[i]) {
        diverge = long(i);
        break;
      }
    const bool hw_ref = hw == rf;
    ok = ok && hw_ref;
    auto show = [](std::string s) {
      for (char& c : s)
        if (c == '\n') c = '|';
      return s;
    };
    std::cout << fmt::format("  generation, prompt \"{}\" + {} characters:\n", show(o.prompt), N);
    std::cout << fmt::format("    float    : {}\n", show(str(fl)));
    std::cout << fmt::format("    hardware : {}\n", show(str(hw)));
    std::cout << fmt::format("    RTL vs reference generation: {}\n", hw_ref ? "identical" : "DIFFERENT");
    if (diverge < 0) std::cout << "    float and hardware agree on every generated character\n";
    else
      std::cout << fmt::format("    first divergence at generated position {} (float '{}', hardware '{}')\n", diverge,
                               show(std::string(1, char(m.vocab[size_t(fl[size_t(diverge)])]))),
                               show(std::string(1, char(m.vocab[size_t(hw[size_t(diverge)])]))));
    rep["generation"] = {{"prompt", o.prompt},           {"count", N},
                         {"float", str(fl)},             {"hardware", str(hw)},
                         {"rtl_equals_reference", hw_ref}, {"first_divergence", diverge}};
  }
  rep["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  rep["pass"] = ok;
  if (!o.json.empty()) write_file_atomic(o.json, rep.dump(2) + "\n");
  if (!ok) {
    std::cerr << "tritgate: error: cosim: the RTL does not agree with the bit-exact reference\n";
    return 1;
  }
  return 0;
}

}  // namespace

std::vector<Command> cosim_commands() {
  return {{"cosim", "run the float model, the bit-exact reference and the Verilated RTL side by side on a text",
           cmd_cosim}};
}

}  // namespace tg
