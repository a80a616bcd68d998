// An and-inverter graph (AIG): the one gate-level form the analysis tools use. The netlist IR
// is lowered to it (encode.hpp); from it come the CNF for the SAT solver (Tseitin: three
// clauses per AND), the AIGER export, the BLIF handed to ABC, and the gate counts.
//
// Literals are 2*var + complement, var 0 is constant false, so literal 0 is false and 1 true.
// AND nodes are created in topological order and structurally hashed; constants and trivial
// cases (x&x, x&!x) fold on creation, so a constant never reaches an AND's inputs.
#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace tg::analyze {

using Lit = uint32_t;
inline constexpr Lit kFalse = 0, kTrue = 1;
inline Lit lnot(Lit a) { return a ^ 1u; }
inline Lit lit_of(uint32_t var, bool neg = false) { return 2 * var + (neg ? 1 : 0); }
inline uint32_t var_of(Lit a) { return a >> 1; }

// An unsigned integer as bits, least significant first.
using Vec = std::vector<Lit>;

class Aig {
 public:
  enum class Kind : uint8_t { Const, Input, Latch, And };
  struct Node {
    Kind kind;
    Lit a = 0, b = 0;  // And: operands
  };
  struct Latch {
    uint32_t var;
    Lit next = 0;
    bool init = false;
    std::string name;
  };

  Aig();
  Lit input(const std::string& name);
  // A latch's output literal; set its next-state function later with set_next.
  Lit latch(const std::string& name, bool init);
  void set_next(Lit latch_lit, Lit next);
  Lit and_(Lit a, Lit b);
  Lit or_(Lit a, Lit b) { return lnot(and_(lnot(a), lnot(b))); }
  Lit xor_(Lit a, Lit b) { return or_(and_(a, lnot(b)), and_(lnot(a), b)); }
  Lit mux(Lit s, Lit t, Lit e) { return or_(and_(s, t), and_(lnot(s), e)); }
  Lit and_all(const std::vector<Lit>& v);
  Lit or_all(const std::vector<Lit>& v);

  // Arithmetic on unsigned vectors.
  Vec add(const Vec& a, const Vec& b);
  Vec add_const(const Vec& a, int64_t k);  // k >= 0
  Vec popcount(const std::vector<Lit>& bits);
  Lit ge_const(const Vec& a, int64_t k);  // a >= k
  Lit ge(const Vec& a, const Vec& b);     // a >= b
  Lit gt(const Vec& a, const Vec& b);     // a > b
  Vec mux_vec(Lit s, const Vec& t, const Vec& e);
  static Vec constant(int64_t k, int width);

  void add_output(Lit l, const std::string& name) {
    outputs.push_back(l);
    output_names.push_back(name);
  }

  size_t num_vars() const { return nodes_.size(); }
  const Node& node(uint32_t v) const { return nodes_[v]; }
  int num_ands() const { return ands_; }
  const std::vector<uint32_t>& inputs() const { return inputs_; }
  const std::vector<std::string>& input_names() const { return input_names_; }
  const std::vector<Latch>& latches() const { return latches_; }
  // AND nodes in the cone of the given literals (latches are cut points unless
  // through_latches, in which case their next functions are followed too).
  std::vector<char> cone(const std::vector<Lit>& roots, bool through_latches) const;
  int count_ands(const std::vector<Lit>& roots, bool through_latches) const;

  // Evaluates every node given the values of inputs and latches (indexed by var; others are
  // ignored and overwritten).
  void eval(std::vector<uint8_t>& val) const;
  static bool value(const std::vector<uint8_t>& val, Lit l) { return val[var_of(l)] ^ (l & 1u); }

  // ASCII AIGER 1.9 (latches with reset values) of the outputs and latches, with a symbol table.
  std::string to_aag(const std::vector<std::string>& comments) const;
  // BLIF of the combinational logic of the outputs; latch outputs become primary inputs.
  std::string to_blif(const std::string& model) const;

  std::vector<Lit> outputs;
  std::vector<std::string> output_names;

 private:
  std::vector<Node> nodes_;
  std::vector<uint32_t> inputs_;
  std::vector<std::string> input_names_;
  std::vector<Latch> latches_;
  std::unordered_map<uint64_t, Lit> strash_;
  int ands_ = 0;
};

// CNF in DIMACS form, built from an AIG by the Tseitin transformation: CNF variable v+1 stands
// for AIG variable v (CNF variable 1 is the constant, forced false).
struct Cnf {
  int num_vars = 0;
  std::vector<std::vector<int>> clauses;
  std::vector<std::string> comments;
  static int var(Lit l) { return int(var_of(l)) + 1; }
  static int lit(Lit l) { return (l & 1u) ? -var(l) : var(l); }
  void add(std::vector<int> c) { clauses.push_back(std::move(c)); }
  void unit(Lit l) { clauses.push_back({lit(l)}); }
  std::string dimacs() const;
};

// Clauses defining every AND in the cone of `roots` (latches and inputs are free variables).
Cnf tseitin(const Aig& g, const std::vector<Lit>& roots);

}  // namespace tg::analyze
