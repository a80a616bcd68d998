#include "equiv.hpp"

#include <fmt/format.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "command.hpp"
#include "emit.hpp"
#include "ir.hpp"
#include "model.hpp"
#include "passes.hpp"
#include "util.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace tg {

namespace {

std::string run_capture(const std::string& cmd, int& status) {
  std::string out;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!p) throw Error("cannot run: " + cmd);
  char buf[4096];
  while (size_t k = std::fread(buf, 1, sizeof buf, p)) out.append(buf, k);
  int st = ::pclose(p);
  status = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
  return out;
}

std::string find_tool(std::initializer_list<const char*> names, const char* package) {
  for (const char* n : names) {
    int st = 0;
    std::string p = run_capture(fmt::format("command -v {}", n), st);
    if (st == 0) return n;
  }
  throw Error(fmt::format("{} not found on PATH (install the Debian package {})", *names.begin(), package));
}

// Sequential miter: both machines start from their reset states and read the same token each
// cycle; `bad` rises when the predicted token, any logit, or any kept register differs from
// its counterpart in the plain machine.
// `opt_state` is the optimised side's comb state width (its registers, then any extra state of
// its Verilog options, reset to 0).
std::string miter(const ir::Netlist& plain, const ir::Netlist& opt, int opt_state) {
  auto wp = emit::widths(plain), wo = emit::widths(opt);
  int P = wp.regs, R = opt_state, TB = plain.token_bits, V = plain.vocab;
  auto reset_bits = [](const ir::Netlist& n, int width) {
    std::string s;
    for (int r = width - 1; r >= 0; --r) s += r < int(n.regs.size()) && n.regs[size_t(r)].reset ? '1' : '0';
    return s;
  };
  std::ostringstream o;
  o << "`default_nettype none\n" << emit::header_comment(opt, "//");
  o << "module tg_miter (input wire clk, input wire [" << TB - 1 << ":0] tok, output wire bad);\n";
  o << fmt::format("  reg [{}:0] sp = {}'b{};\n  reg [{}:0] so = {}'b{};\n", P - 1, P, reset_bits(plain, P), R - 1, R,
                   reset_bits(opt, R));
  o << fmt::format("  wire [{}:0] pn;\n  wire [{}:0] on;\n  wire [{}:0] pt, ot;\n", P - 1, R - 1, TB - 1);
  o << fmt::format("  wire [{}:0] pl;\n  wire [{}:0] ol;\n", V * wp.logit_bits - 1, V * wo.logit_bits - 1);
  o << "  tg_plain p (.h(sp), .tok(tok), .h_next(pn), .out_token(pt), .logits(pl));\n";
  o << "  tg_opt   o (.h(so), .tok(tok), .h_next(on), .out_token(ot), .logits(ol));\n";
  o << "  always @(posedge clk) begin\n    sp <= pn;\n    so <= on;\n  end\n";
  std::string terms = "(pt != ot)";
  int LW = std::max(wp.logit_bits, wo.logit_bits);
  for (int v = 0; v < V; ++v)
    terms += fmt::format("\n    | ({}'($signed(pl[{}*{} +: {}])) != {}'($signed(ol[{}*{} +: {}])))", LW, v, wp.logit_bits,
                         wp.logit_bits, LW, v, wo.logit_bits, wo.logit_bits);
  for (size_t r = 0; r < opt.regs.size(); ++r)
    terms += fmt::format("\n    | (so[{}] != sp[{}])", r, opt.regs[r].origin);
  o << "  assign bad = " << terms << ";\nendmodule\n";
  return o.str();
}

int cmd_equiv_impl(const std::vector<std::string>& args) {
  std::string path, outdir, engine;
  bool mutate = false, token_rom = false, sim_arith = false, fold = false;
  int unit_roms = 0, token_rom_bits = 0;
  int timeout = 600;
  po::options_description d("equiv options");
  d.add_options()("model", po::value(&path)->required(), "model file")(
      "output,o", po::value(&outdir)->required(), "work directory (Verilog, miter, AIGER, logs)")(
      "timeout", po::value(&timeout)->default_value(600), "seconds for the prover")(
      "engine", po::value(&engine)->default_value("dprove"),
      "ABC engine: dprove (induction with register correspondence), pdr (IC3) or bmc3 (bounded, 64 cycles)")(
      "mutate", po::bool_switch(&mutate), "self-test: invert one kept register's next value; the proof must fail")(
      "token-rom", po::bool_switch(&token_rom), "the optimised side reads token classes from the ROM (gen --token-rom)")(
      "token-rom-bits", po::value(&token_rom_bits)->default_value(0),
      "with --token-rom: at most N bits per ROM word, the rest decoded in LUTs (gen --token-rom-bits)")(
      "unit-roms", po::value(&unit_roms)->default_value(0), "the optimised side puts up to N units in ROMs (gen --unit-roms)")(
      "fold-token-units", po::bool_switch(&fold),
      "the optimised side folds token-only units into the head (gen --fold-token-units)")(
      "sim-arith", po::bool_switch(&sim_arith),
      "prove the optimised side's arithmetic rendering (gen --sim-arith, read with TG_SIM_ARITH defined)");
  po::positional_options_description p;
  p.add("model", 1);
  po::variables_map vm;
  if (!parse_options("equiv", args, d, p, vm, "model.json -o DIR")) return 0;
  if (engine != "dprove" && engine != "pdr" && engine != "bmc3")
    throw Error("--engine: expected dprove, pdr or bmc3, got '" + engine + "'");
  if (timeout <= 0) throw Error("--timeout: expected a positive number of seconds");
  auto t0 = std::chrono::steady_clock::now();
  Model m = load_model(path);
  ir::Netlist plain = ir::from_model(m);
  ir::Netlist opt = plain;
  nlohmann::json rep;
  passes::run(opt, passes::default_pipeline(), rep);
  // head.context: the passes never touch the table, so both sides add the same term to the same
  // logits; the proof covers the rest of the machine (the RTL benches check the table every cycle).
  const bool had_context = plain.has_context();
  if (opt.context_logits != plain.context_logits || opt.context.w != plain.context.w)
    throw Error("internal error: the passes changed the head.context table");
  for (ir::Netlist* x : {&plain, &opt}) {
    x->context = Matrix();
    x->context_logits.clear();
  }
  fs::create_directories(outdir);
  emit::VerilogOptions po_, oo;
  po_.comb = oo.comb = true;
  po_.style = "naive";
  po_.top = "tg_plain";
  oo.top = "tg_opt";
  oo.token_rom = token_rom;
  oo.unit_roms = unit_roms;
  oo.token_rom_bits = token_rom_bits;
  oo.sim_arith = sim_arith;
  oo.fold_token_units = fold;
  write_file_atomic(outdir + "/tg_plain.v", emit::verilog(plain, po_));
  std::string ov = emit::verilog(opt, oo);
  if (mutate) {
    auto p0 = ov.find("  assign h_next[0] = ");
    if (p0 == std::string::npos) throw Error("equiv --mutate: the optimised design keeps no register to corrupt");
    auto e = ov.find(";", p0);
    size_t a = p0 + std::string("  assign h_next[0] = ").size();
    ov = ov.substr(0, a) + "~(" + ov.substr(a, e - a) + ")" + ov.substr(e);
  }
  write_file_atomic(outdir + "/tg_opt.v", ov);
  write_file_atomic(outdir + "/tg_miter.v", miter(plain, opt, emit::comb_state_bits(opt, oo)));
  std::string yosys = find_tool({"yosys"}, "yosys");
  std::string abc = find_tool({"berkeley-abc", "yosys-abc"}, "berkeley-abc");
  int st = 0;
  std::string ylog = run_capture(
      fmt::format("{} -q -l {}/yosys.log -p 'read_verilog -sv {}{}/tg_plain.v {}/tg_opt.v {}/tg_miter.v; proc -norom; prep -top tg_miter; "
                  "flatten; memory_map; techmap; opt -fast; dffunmap; aigmap; opt_clean; write_aiger -zinit {}/miter.aig'",
                  yosys, outdir, sim_arith ? "-DTG_SIM_ARITH " : "", outdir, outdir, outdir, outdir),
      st);
  if (st != 0) throw Error(fmt::format("yosys failed building the miter (see {}/yosys.log):\n{}", outdir, ylog));
  std::string abc_cmd = engine == "bmc3" ? "bmc3 -F 64" : engine;
  std::string out = run_capture(fmt::format("timeout {} {} -c 'read_aiger {}/miter.aig; print_stats; {}'", timeout, abc,
                                            outdir, abc_cmd),
                                st);
  write_file_atomic(outdir + "/abc.log", out);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (st == 124) throw Error(fmt::format("equiv: the prover ran past {} s without an answer (see {}/abc.log)", timeout, outdir));
  bool proved = out.find("Property proved") != std::string::npos || out.find("Networks are equivalent") != std::string::npos;
  bool failed = out.find("was asserted in frame") != std::string::npos || out.find("NOT EQUIVALENT") != std::string::npos || out.find("not equivalent") != std::string::npos ||
                out.find("asserted in frame") != std::string::npos;
  if (engine == "bmc3" && !failed && out.find("No output asserted") != std::string::npos) {
    std::cout << fmt::format("equiv: {}: no difference within 64 cycles from reset (bounded check), {:.1f} s\n", path, secs);
    return 0;
  }
  if (failed) {
    std::cerr << fmt::format("equiv: {}: NOT EQUIVALENT: the optimised netlist differs from the plain one (see {}/abc.log):\n{}",
                             path, outdir, out);
    return 1;
  }
  if (!proved) throw Error(fmt::format("equiv: ABC gave no verdict (see {}/abc.log):\n{}", outdir, out));
  std::cout << fmt::format(
      "equiv: {}: PROVED: the optimised netlist ({} registers) and the plain netlist ({} registers) produce the same "
      "next token, logits and kept state from reset for every input sequence (ABC {}), {:.1f} s{}\n",
      path, opt.regs.size(), plain.regs.size(), engine, secs,
      had_context ? "; the logits before the head.context term, which both add alike (the passes leave the table as "
                    "it is; the RTL benches check it every cycle)"
                  : "");
  return 0;
}

}  // namespace

int cmd_equiv(const std::vector<std::string>& args, const std::string&) { return cmd_equiv_impl(args); }

}  // namespace tg
