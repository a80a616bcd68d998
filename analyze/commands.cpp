// The analyze/ module's subcommands: `analyze` and `query`.
#include <fmt/format.h>

#include <boost/program_options.hpp>
#include <iostream>

#include "analysis.hpp"
#include "command.hpp"
#include "passes.hpp"
#include "query.hpp"
#include "util.hpp"

namespace po = boost::program_options;
using nlohmann::json;

namespace tg {
namespace {

int cmd_analyze(const std::vector<std::string>& args, const std::string&) {
  std::string path;
  analyze::AnalyzeOptions o;
  bool no_abc = false, no_render = false;
  po::options_description d("analyze options");
  d.add_options()("model", po::value(&path)->required(), "model file")(
      "output,o", po::value(&o.outdir)->required(), "output directory")(
      "no-abc", po::bool_switch(&no_abc), "skip the gate counts after ABC")(
      "no-render", po::bool_switch(&no_render), "skip the SVG/PNG pictures (sfdp)")(
      "expr-inputs", po::value(&o.expr_max_inputs)->default_value(8),
      "minimised expressions for neurons with at most this many state inputs (0..12)")(
      "abc-timeout", po::value(&o.abc_timeout)->default_value(600), "seconds allowed to each ABC run");
  po::positional_options_description p;
  p.add("model", 1);
  po::variables_map vm;
  if (!parse_options("analyze", args, d, p, vm, "model.json -o DIR")) return 0;
  if (o.expr_max_inputs < 0 || o.expr_max_inputs > 12)
    throw Error(fmt::format("--expr-inputs: expected 0..12, got {}", o.expr_max_inputs));
  if (o.abc_timeout <= 0) throw Error("--abc-timeout: expected a positive number of seconds");
  o.abc = !no_abc;
  o.render = !no_render;
  Model m = load_model(path);
  json r = analyze::analyze_model(m, path, o);
  const auto& g = r["graph"];
  std::string gates;
  for (const auto& s : r["gates"]["steps"]) gates += fmt::format(" {}", s["ands"].dump());
  std::cerr << fmt::format(
      "analyze: {} -> {}/index.html: {} comparators ({} kept), {} registers kept, {} modules, {} SCCs; AND gates "
      "(lowered, passes, ABC strash, ABC opt):{}; {:.2f} s\n",
      path, o.outdir, r["neurons"].size(), r["fates"]["comparators"].value("kept", 0), g["nodes"].dump(),
      g["module_count"].dump(), g["scc_count"].dump(), gates, r["timing_s"]["total"].get<double>());
  return 0;
}

int token_id(const Model& m, const std::string& tok, const std::string& tok_id) {
  if (!tok.empty() && !tok_id.empty()) throw Error("--token and --token-id: give one of them");
  if (!tok_id.empty()) {
    int v = -1;
    try {
      size_t used = 0;
      v = std::stoi(tok_id, &used);
      if (used != tok_id.size()) v = -1;
    } catch (...) {
      v = -1;
    }
    if (v < 0 || v >= m.vocab_size())
      throw Error(fmt::format("--token-id: '{}' is not a token id; the vocabulary has {} tokens (0..{})", tok_id,
                              m.vocab_size(), m.vocab_size() - 1));
    return v;
  }
  if (tok.size() != 1)
    throw Error(fmt::format("--token: expected one character of the vocabulary, got '{}' (use --token-id for an id)", tok));
  int v = m.token_of(uint8_t(tok[0]));
  if (v < 0) throw Error(fmt::format("--token: '{}' (byte 0x{:02x}) is not in the model's vocabulary", tok, uint8_t(tok[0])));
  return v;
}

int cmd_query(const std::vector<std::string>& args, const std::string&) {
  std::string path, kind, tok, tok_id, neuron, text, partial, cnf, aiger, solver;
  int steps = 0, limit = 1;
  double timeout = 0;
  bool oov = false, json_out = false, plain = false, steps_given = false;
  po::options_description d("query options");
  d.add_options()("model", po::value(&path)->required(), "model file")(
      "kind", po::value(&kind)->required(), "emit | activate | reach | flip | export")(
      "token", po::value(&tok), "emit: the token, as its character")(
      "token-id", po::value(&tok_id), "emit: the token, as its id")(
      "limit", po::value(&limit)->default_value(1), "emit: enumerate up to this many states (count)")(
      "neuron", po::value(&neuron), "activate/flip: state-bit index, register (h3) or comparator (n3_on, g2_on)")(
      "steps", po::value(&steps), "activate/reach: bound on the steps from reset")(
      "text", po::value(&text), "reach: the output text")(
      "partial", po::value(&partial)->default_value(""), "flip: fixed register values, e.g. \"h3=1,h7=0\"")(
      "timeout", po::value(&timeout)->default_value(0), "seconds for the whole query (0: none)")(
      "oov", po::bool_switch(&oov), "allow out-of-vocabulary token codes as inputs")(
      "solver", po::value(&solver)->default_value(""), "cadical or z3 (default: the first found)")(
      "cnf", po::value(&cnf), "export: write the one-step transition relation as DIMACS CNF")(
      "aiger", po::value(&aiger), "export: write the machine as ASCII AIGER (.aag)")(
      "plain", po::bool_switch(&plain), "export: the lowered netlist (every register) instead of the optimised one")(
      "json", po::bool_switch(&json_out), "print the answer as JSON");
  po::positional_options_description p;
  p.add("model", 1).add("kind", 1);
  po::variables_map vm;
  if (!parse_options("query", args, d, p, vm, "model.json emit|activate|reach|flip|export [options]")) return 0;
  steps_given = vm.count("steps") > 0;
  if (timeout < 0) throw Error(fmt::format("--timeout: expected a non-negative number of seconds, got {}", timeout));
  Model m = load_model(path);
  if (kind == "export") {
    if (cnf.empty() && aiger.empty()) throw Error("query export: give --cnf FILE and/or --aiger FILE");
    ir::Netlist n = ir::from_model(m);
    nlohmann::json rep;
    passes::run(n, plain ? std::vector<std::string>{"drop-zero"} : passes::default_pipeline(), rep);
    if (!cnf.empty()) write_file_atomic(cnf, analyze::transition_cnf(n));
    if (!aiger.empty()) write_file_atomic(aiger, analyze::machine_aag(n));
    std::cout << fmt::format("exported {} registers, {} token bits{}{}\n", n.regs.size(), n.token_bits,
                             cnf.empty() ? "" : ", CNF " + cnf, aiger.empty() ? "" : ", AIGER " + aiger);
    return 0;
  }
  auto need = [&](bool ok, const std::string& what) {
    if (!ok) throw Error(fmt::format("query {}: missing {}", kind, what));
  };
  analyze::QueryOptions qo;
  qo.timeout_s = timeout;
  qo.oov = oov;
  qo.solver = solver;
  analyze::QueryResult r;
  if (kind == "emit") {
    int c = token_id(m, tok, tok_id);
    analyze::Querier q(m, qo);
    r = q.emit(c, limit);
  } else if (kind == "activate") {
    need(!neuron.empty(), "--neuron");
    need(steps_given, "--steps");
    if (steps < 1) throw Error(fmt::format("--steps: expected a bound of at least 1, got {}", steps));
    analyze::Querier q(m, qo);
    r = q.activate(neuron, steps);
  } else if (kind == "reach") {
    need(vm.count("text") > 0, "--text");
    need(steps_given, "--steps");
    if (steps < 1) throw Error(fmt::format("--steps: expected a bound of at least 1, got {}", steps));
    auto toks = tokenize(m, text, "--text");
    analyze::Querier q(m, qo);
    r = q.reach(toks, steps);
  } else if (kind == "flip") {
    need(!neuron.empty(), "--neuron");
    analyze::Querier q(m, qo);
    r = q.flip(neuron, partial);
  } else {
    throw Error(fmt::format("query: unknown kind '{}'; expected emit, activate, reach, flip or export", kind));
  }
  if (json_out) {
    json j = r.detail;
    j["answer"] = r.answer;
    j["kind"] = kind;
    j["bound"] = r.bound;
    j["solver_calls"] = r.solver_calls;
    j["seconds"] = r.seconds;
    std::cout << j.dump() << "\n";
  } else {
    std::cout << r.text << fmt::format("  ({} solver calls, {:.3f} s)\n", r.solver_calls, r.seconds);
  }
  return r.answer == "timeout" ? 3 : 0;
}

}  // namespace

std::vector<Command> analyze_commands() {
  return {
      {"analyze", "per-neuron and whole-model report, dependency graph, pictures and exports", cmd_analyze},
      {"query", "SAT queries: emit, activate, reach, flip; export CNF/AIGER", cmd_query},
  };
}

}  // namespace tg
