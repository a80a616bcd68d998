// Emitters: walk a finished netlist and print it. They never modify the IR.
#pragma once
#include <string>
#include <vector>

#include "ir.hpp"

namespace tg::emit {

// Verilog emitter options. Defaults give the optimised structural form; no option changes
// what the circuit computes.
struct VerilogOptions {
  std::string top = "tg_core";
  // "tree": each sum is a delay-balanced compressor tree of full/half adders written as plain
  // logic, compared against its constant threshold bit by bit; argmax is a balanced
  // tournament. "naive": behavioural `+` of bits, `>=` and a linear if-chain argmax (the
  // baseline bench/hw compares against).
  std::string style = "tree";
  // Emit the combinational next-state/output function only (h in, h_next out, no register),
  // for equivalence checking.
  bool comb = false;
  // Pipeline registers in the output head: 1 registers the predicted token, 2 also the
  // logits before the argmax, 3 also the tournament's nodes half-way through the argmax. out_token then lags the state by this many cycles; the
  // recurrence stays one token per clock when teacher-forced, and free-running steps once
  // every 1 + pipeline_head cycles (the core drives in_ready).
  int pipeline_head = 0;
  // Token tables in block RAM (tree style): every unit's token class (the group of tokens that
  // share one effective threshold) is read from a ROM indexed by the token, registered on the
  // falling clock edge (iCE40 EBR with a negative-edge read clock), instead of being decoded
  // from the token bits in LUTs. The cycle contract is unchanged provided in_token and gen are
  // stable from the falling edge before the consuming rising edge (any driver clocked on the
  // rising edge satisfies this). In the comb form the ROM is a combinational case.
  bool token_rom = false;
  // With token_rom: the ROM word holds at most this many bits (0: no limit); units whose field
  // would not fit, in netlist order, keep their LUT decoding. On an iCE40 an EBR read gives 16
  // bits, so 16 x the device's free EBRs keeps the ROM within the device.
  int token_rom_bits = 0;
  // Up to this many units (with a token table, in the first layer, one threshold) are evaluated
  // mostly in a block RAM of their own, read on the falling edge like the token ROM: the address
  // is the token and up to 11 - TB of the unit's state inputs, the word the effective threshold
  // on the popcount of its remaining inputs. Each takes one iCE40 EBR.
  int unit_roms = 0;
  // Also write every compressor tree as one multi-bit addition under `ifdef TG_SIM_ARITH`:
  // the same function, evaluated much faster by Verilator (sim/build_tb.sh TG_SIM_ARITH=1).
  // Synthesis and the other simulators keep reading the gate form.
  bool sim_arith = false;
  // Fold token-only units into the head (tree style): a register whose next value depends on
  // the token alone (a comparator on a token table, no state inputs), whose reset value is its
  // out-of-vocabulary value and which only logits read, is a function of the last token
  // consumed. The core then registers that token once (a code of ceil(log2(V + 1)) bits, 0 at
  // reset and for out-of-vocabulary tokens) and adds to each logit one multi-bit table of the
  // code (the weighted sum of the folded units it reads) instead of one adder input per unit.
  // The folded registers still drive the state port (nothing else reads them, so synthesis
  // drops them when the port is unconnected). In the comb form the code is CB more state bits
  // after the registers (see comb_state_bits).
  bool fold_token_units = false;
  // With a head.context table: write its memory without initial contents and give the core a
  // write port (ctx_we, ctx_waddr, ctx_wdata) through which a loader fills it while rst is held
  // (iCE40 SPRAM cannot be initialised by the bitstream). Without it the memory is initialised.
  bool context_load = false;
};

std::string header_comment(const ir::Netlist& n, const std::string& comment_prefix);
std::string verilog(const ir::Netlist& n, const VerilogOptions& opt);
// Header-only bit-exact C++ reference model in namespace `ns`.
std::string cpp_reference(const ir::Netlist& n, const std::string& ns);
// Glue header for the Verilator bench: port widths and bit accessors for module `top`.
// With context_load: the head.context words and glue_ctx_write() for benches that load the
// table through the core's write port (gen --context-load).
std::string verilator_glue(const ir::Netlist& n, const std::string& top, int pipeline_head = 0,
                           bool context_load = false);

// Widths shared by the emitters and the benches.
struct Widths {
  int regs;          // state port width (at least 1)
  int logit_bits;    // signed width of each logit on the debug port
  int logit_min;     // smallest reachable logit over all entries
  int logit_max;
};
Widths widths(const ir::Netlist& n);

// The registers --fold-token-units folds (see VerilogOptions::fold_token_units).
struct TokenFold {
  std::vector<char> folded;  // per register
  int count = 0;             // folded registers
  int code_bits = 0;         // width of the last-token code; 0 when nothing folds
};
TokenFold token_fold(const ir::Netlist& n);
// The head.context memory: word a = {code before, last code} (code_bits each) holds one
// field_bits-wide field per column, the entry minus the column's smallest, column 0 lowest;
// words[a] is its bits, most significant first (all zero for rows the codes never reach).
// Byte address of the head.context image in the SPI flash (gen --context-load; the bitstream
// sits at 0 and takes well under 1 MiB on every iCE40).
inline constexpr int kContextFlashAddr = 0x100000;
struct ContextWords {
  int code_bits = 0, addr_bits = 0, field_bits = 0, bits = 0;
  std::vector<std::string> words;
};
ContextWords context_words(const ir::Netlist& n);
// Width of the comb form's h / h_next ports under `opt`: the registers, then the code.
int comb_state_bits(const ir::Netlist& n, const VerilogOptions& opt);

}  // namespace tg::emit
