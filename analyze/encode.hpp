// Lowering of the netlist IR (gen/ir.hpp) to the AIG, one clock step (a "frame") at a time.
//
// A sum s = offset + sum(+x) - sum(y) + table[token] is encoded as an unsigned vector S plus an
// integer constant C with s = S + C:  -y = (1 - y) - 1, so every -1 term becomes the
// complemented bit and the -1s go into C; the table is shifted by its smallest entry (0 for
// out-of-vocabulary codes included) so its lookup is unsigned too. Then
//   comparator  s >= t     <=>  S >= t - C          (a comparison with a constant)
//   logit order z_a > z_b  <=>  S_a + (C_a - m) > S_b + (C_b - m),  m = min_v C_v
// and the argmax is a linear scan keeping the first maximum, as the semantics define it.
// S is a popcount (adder tree) plus the table's bit vector; a table bit is the OR of the
// decoded token codes whose shifted entry has that bit set.
//
// A model with a head.context table (ir::Netlist::context) adds to some logits an entry chosen by
// the codes of the last two tokens consumed (0: none or out of the vocabulary, else token + 1).
// Those codes are not state registers of the netlist; a frame that encodes logits carries them as
// two code vectors (set_context): latches in the machine, free inputs in a one-step question,
// the earlier frames' token codes in an unrolling. Column i's entry is looked up shifted by its
// smallest entry, like a token table: bit b is OR over c_prev of [c_prev] AND (OR of the c_last
// codes whose shifted entry has bit b). Codes above vocab (which no token produces) add nothing.
#pragma once
#include <map>

#include "aig.hpp"
#include "ir.hpp"

namespace tg::analyze {

class Encoder {
 public:
  struct Frame {
    std::vector<Lit> regs;  // current state, one literal per register
    Vec token;              // token_bits literals, least significant first
    std::vector<Lit> bit;   // per netlist bit; kUnset until encoded (or preset as a cut)
    std::map<int, std::pair<Vec, int64_t>> sums;
    std::map<int, std::pair<Vec, int64_t>> tables;  // shifted lookup, shift
    std::vector<Lit> minterms;
    Vec ctx_prev, ctx_last;  // head.context codes (code_bits() literals each); empty: not set
    std::vector<Lit> ctx_mprev, ctx_mlast;           // decoded codes 0..vocab
    std::map<int, std::pair<Vec, int64_t>> ctx_cols;  // shifted lookup, shift, per column
  };
  static constexpr Lit kUnset = 0xffffffffu;

  Encoder(Aig& g, const ir::Netlist& n) : g_(g), n_(n) {}
  // A frame over the given state and token literals.
  Frame frame(std::vector<Lit> regs, Vec token) const;
  // Literal of netlist bit b in this frame (encodes its cone on first use).
  Lit bit(Frame& f, int b);
  // The sum as S + C (see above).
  const std::pair<Vec, int64_t>& sum(Frame& f, int s);
  // Next-state literal of register r.
  Lit next(Frame& f, int r) { return bit(f, n_.regs[size_t(r)].next); }
  // The argmax of the logits over this frame's state equals token c.
  Lit emits(Frame& f, int c);
  // The argmax as token_bits literals.
  Vec argmax(Frame& f);
  // The token code is in the vocabulary (< vocab).
  Lit token_valid(Frame& f);
  Lit token_is(Frame& f, int code);
  // head.context codes: their width, the code of this frame's token (token + 1, 0 when out of
  // the vocabulary), and code <= vocab (a code some history produces).
  int code_bits() const;
  Vec token_code(Frame& f);
  Lit code_valid(const Vec& code);
  // Sets the codes of the last two tokens consumed before this frame's state (needed by the
  // logits of a model with a head.context table).
  void set_context(Frame& f, Vec prev, Vec last) const;

 private:
  std::vector<Vec> logit_vecs(Frame& f);
  const std::pair<Vec, int64_t>& context_column(Frame& f, int i);
  Aig& g_;
  const ir::Netlist& n_;
};

// Registers whose current value can influence the given bits within one step (their
// structural support), as a sorted list of register indices.
std::vector<int> support_regs(const ir::Netlist& n, const std::vector<int>& bits, bool* reads_token = nullptr);

}  // namespace tg::analyze
