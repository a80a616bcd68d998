// The netlist IR: what the generator optimises and what every emitter and analysis reads.
//
// A Netlist is a synchronous machine with one state register per kept state bit. Per cycle:
//   - Bits are single-bit signals in topological order: constants, state-register outputs,
//     comparators (sum >= threshold) and 2:1 muxes (the gated cell's update).
//   - Sums are integer signals: a weighted (+1/-1) count of bits, plus an optional token table
//     lookup (one integer per vocabulary entry, 0 for out-of-vocabulary tokens), plus a constant.
//   - Each register has a `next` bit and a reset value.
//   - Logits are sums over register outputs only (the head reads the registered state, so the
//     output is a function of the state alone: a Moore machine); the next token is the argmax
//     of the logits, lowest index on ties.
// Emitters walk the Netlist and never modify it; all rewriting happens in passes.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "model.hpp"

namespace tg::ir {

struct Term {
  int bit;     // index into Netlist::bits
  int weight;  // -1, 0 or +1 (0 only before the drop-zero pass)
  bool operator==(const Term&) const = default;
};

struct Sum {
  std::string name;
  std::vector<Term> terms;
  int table = -1;  // index into Netlist::tables, -1 for none
  int offset = 0;
};

struct Bit {
  enum class Kind : uint8_t { Const, State, Cmp, Mux };
  Kind kind = Kind::Const;
  int a = 0;  // Const: value; State: register index; Cmp: sum index; Mux: select bit
  int b = 0;  // Cmp: threshold; Mux: bit taken when select = 1
  int c = 0;  // Mux: bit taken when select = 0
  std::string name;
};

struct Reg {
  std::string name;
  int next = 0;      // bit index
  bool reset = false;
  int origin = -1;   // flat state-bit index in the model file
};

struct Netlist {
  std::string model_name, model_hash;
  int vocab = 0, token_bits = 1;
  std::vector<uint8_t> vocab_bytes;
  double logit_scale = 1.0;
  std::vector<std::vector<int>> tables;
  std::vector<Sum> sums;
  std::vector<Bit> bits;
  std::vector<Reg> regs;
  std::vector<int> logits;  // sum index per vocabulary entry
  int model_state_bits = 0;
  // The model's head.context (docs/model-format.md): logit context_logits[i] also adds
  // context.at(c_prev * (vocab + 1) + c_last, i) for the codes of the last two tokens consumed
  // (0: none or out of the vocabulary, else token + 1). Passes leave it alone. context.rows == 0:
  // none. ir::Sim, the Verilog (tree style) and C++ emitters, the bit-sliced evaluator, cosim
  // and the analyses (the AIG encoder, analyze/encode.hpp) implement it.
  std::vector<int> context_logits;
  Matrix context;
  bool has_context() const { return context.rows > 0; }

  // Value range of a sum, from its terms, table and offset.
  std::pair<int, int> range(int sum) const;
  // Value range of logit v: its sum's range plus, with a context table, its column's range.
  std::pair<int, int> logit_range(int v) const;
  // Column of logit v in the context table, or -1.
  int context_column(int v) const;
  // Smallest and largest entry of context column i (over the rows the codes reach).
  std::pair<int, int> context_column_range(int i) const;
  // Checks the structural invariants (indices in range, topological order, logits read only
  // registers); throws tg::Error with `what` in the message.
  void verify(const std::string& what) const;
  // Counts for reports.
  int count_bits(Bit::Kind k) const;
  int total_terms() const;
};

// Lowers a validated model to the plain (unoptimised) netlist: every weight, zero or not,
// becomes a term.
Netlist from_model(const Model& m);


// The IR interpreter.
class Sim {
 public:
  explicit Sim(const Netlist& n);
  void reset();
  void step(int token);
  const std::vector<uint8_t>& regs() const { return regs_; }
  // head.context codes of the last two tokens consumed (0: none or out of the vocabulary, else
  // token + 1); set_context places the machine after a history the state alone does not show.
  std::pair<int, int> context() const { return {c_prev_, c_last_}; }
  void set_context(int c_prev, int c_last);
  std::vector<int> logits() const;
  int argmax() const;

 private:
  int eval_sum(int s, int token, const std::vector<uint8_t>& bits) const;
  const Netlist& n_;
  std::vector<uint8_t> regs_;
  int c_last_ = 0, c_prev_ = 0;  // head.context codes of the last two tokens
};

}  // namespace tg::ir
