// SAT queries about the machine (`tritgate query`). Each query is lowered to an AIG
// (encode.hpp), Tseitin-encoded to CNF and given to an external solver. Sequential questions
// are bounded model checking: the transition relation is unrolled from the reset state, for
// bounds 1, 2, 4, ... up to the requested one, so that a timeout can say how far it got.
// Every "yes" carries a witness (a state and/or token sequence) that is replayed on ir::Sim
// over the same netlist (and, from reset, on the golden tg::ModelSim) before it is reported;
// a replay failure is an internal error.
#pragma once
#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

#include "ir.hpp"
#include "model.hpp"
#include "sat.hpp"

namespace tg::analyze {

struct QueryOptions {
  double timeout_s = 0;  // whole query, <= 0: none
  bool oov = false;      // allow out-of-vocabulary token codes as inputs
  std::string solver;    // "", "cadical" or "z3"
};

struct Witness {
  std::vector<uint8_t> state;  // start state, one entry per register (empty: the reset state)
  std::vector<int> tokens;     // input tokens from that state
  int step = -1;               // activate: first step at which the neuron is on
  int token = -1;              // flip: the token
  std::string what;            // flip: which change it shows
  std::vector<int> context;    // emit, head.context models: codes of the last two tokens (0: none, else token + 1)
};

struct QueryResult {
  std::string answer;  // "yes", "no" or "timeout"
  std::string text;    // human-readable report
  int bound = 0;       // sequential queries: steps proved without a witness (no / timeout)
  std::vector<Witness> witnesses;
  nlohmann::json detail = nlohmann::json::object();
  int solver_calls = 0;
  double seconds = 0;
};

class Querier {
 public:
  // The netlist the queries run on: the model lowered with zero weights dropped, so every
  // neuron and register of the model keeps its name.
  Querier(const Model& m, const QueryOptions& o);
  ~Querier();
  QueryResult emit(int token, int limit);
  QueryResult activate(const std::string& neuron, int steps);
  QueryResult reach(const std::vector<int>& tokens, int steps);
  QueryResult flip(const std::string& neuron, const std::string& partial);
  const ir::Netlist& netlist() const { return n_; }
  // Resolves a neuron: a model state-bit index, a register name (h3), a comparator name
  // (n3_on, g2_on, l1_n0_ge1) or a unit name with one comparator (n3). Returns the register
  // index (>= 0) or -1 and sets *cmp_bit for a comparator that is no register's next value.
  int resolve(const std::string& neuron, int* cmp_bit) const;

 private:
  struct Impl;
  Model m_;
  ir::Netlist n_;
  QueryOptions o_;
  std::unique_ptr<Solver> solver_;
};

}  // namespace tg::analyze
