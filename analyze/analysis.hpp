// `tritgate analyze`: per-neuron and whole-model report, state-dependency graph, pictures,
// exports (DOT, GraphML, JSON, AIGER, DIMACS) and an offline HTML page.
#pragma once
#include <nlohmann/json.hpp>

#include <string>

#include "aig.hpp"
#include "ir.hpp"
#include "model.hpp"

namespace tg::analyze {

struct AnalyzeOptions {
  std::string outdir;
  bool abc = true;           // gate counts after ABC (needs berkeley-abc or yosys-abc)
  bool render = true;        // SVG/PNG with sfdp (needs graphviz)
  int expr_max_inputs = 8;   // minimised expressions for neurons with at most this many state inputs
  double abc_timeout = 600;  // seconds, for the whole-model ABC run
};

// Runs the analysis, writes every file under o.outdir and returns the report (also written
// as report.json). Timings of each phase are in report["timing_s"].
nlohmann::json analyze_model(const Model& m, const std::string& model_path, const AnalyzeOptions& o);

// The machine as a sequential AIG: one latch per register (with its reset value), the token
// bits as inputs, the argmax token bits as outputs.
Aig machine_aig(const ir::Netlist& n);
// ASCII AIGER of machine_aig, with a symbol table and comments.
std::string machine_aag(const ir::Netlist& n);
// DIMACS CNF of one step: current state and token bits are free variables; comments name
// the variable of every state bit and token bit and the literal of every next-state bit and
// output-token bit.
std::string transition_cnf(const ir::Netlist& n);

// A printable label of token id v (its byte, or 0xNN), "oov" for out-of-vocabulary codes.
std::string token_label(const ir::Netlist& n, int v);

}  // namespace tg::analyze
