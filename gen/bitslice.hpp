// Bit-parallel (bit-sliced) evaluator of the netlist IR: many independent token streams at once.
//
// Every signal of the netlist is held as `words` 64-bit words, bit s of the signal being stream
// s's value: one word operation evaluates the gate for 64 streams (the word loop vectorises, so
// with AVX2/AVX-512 one instruction covers 256/512 streams). The netlist is compiled once into
// a flat program of word operations:
//   - a sum  s = offset + sum(w_i b_i) (+ T[token]) compared with threshold t is rewritten as
//     c >= K, where c = sum over +1 terms of b_i plus sum over -1 terms of ~b_i (a plain
//     population count, built as a carry-save adder tree into bit planes) and
//     K = t - offset + (number of -1 terms) - T[token], clamped to [0, terms + 1];
//   - K is a constant when the sum has no token table; otherwise K is looked up per stream from
//     a 2^token_bits-entry byte table and transposed into bit planes (AVX-512 VBMI: one vpermb
//     per 64 streams);
//   - the logits are kept as unsigned bit planes u_v = z_v - zmin (zmin = the model's smallest
//     reachable logit), the argmax is a bit-sliced tournament (strictly greater replaces, so the
//     lowest index wins ties, as in the RTL);
//   - a head.context table: each stream keeps the row of its last two tokens' codes (scalar,
//     updated every step); before the logit program runs, each column's entry for every stream
//     (shifted by the column's smallest entry) is written into bit planes that the logit's
//     carry-save tree takes as weighted inputs (emit_cpp writes the same, the table as bytes).
// Results are bit-exact with ir::Sim / tg_ref / the RTL for every stream (tokens taken modulo
// 2^token_bits like the RTL port).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "ir.hpp"

namespace tg::bitslice {

class Engine {
 public:
  // 64 * words streams.
  Engine(const ir::Netlist& n, int words = 1);
  int streams() const { return 64 * words_; }
  int words() const { return words_; }
  void reset();              // every stream to the reset state
  void reset_stream(int s);  // one stream
  // One clock edge for every stream: tokens[s] is stream s's token (streams() entries).
  void step(const uint8_t* tokens);
  // Integer logits of every stream: z[s * vocab + v].
  void logits(std::vector<int32_t>& z);
  // The predicted next token of every stream (lowest index on ties).
  void argmax(std::vector<uint8_t>& out);
  bool reg(int stream, int r) const;
  // Word operations per step (state update), per logits evaluation and per argmax; for reports.
  size_t step_ops() const { return step_prog_.size(); }
  // Which implementation of the token-table lookup runs ("avx512vbmi" or "scalar").
  static const char* lookup_impl();
  // Tests: force the portable lookup even where AVX-512 VBMI is available.
  static void allow_simd(bool on);
  // The same three programs (step, logits, argmax) as straight-line C++ over GCC vectors of
  // words() words: a self-contained header (tritgate gen --bitslice-cpp writes it as
  // tg_bitslice.hpp) whose struct `ns::Engine` has step(), argmax() and reg() with this
  // class's meaning, without the interpreter's dispatch and memory traffic.
  std::string emit_cpp(const std::string& ns) const;

  struct Op {
    uint8_t code;
    int32_t d, a, b, c;
  };

 private:
  void run(const std::vector<Op>& prog);
  void run_logits();    // fills the head.context planes, then runs the logit program
  void fill_context();
  uint64_t* sig(int i) { return mem_.data() + size_t(i) * size_t(words_); }
  const uint64_t* sig(int i) const { return mem_.data() + size_t(i) * size_t(words_); }

  const ir::Netlist& n_;
  int words_;
  std::vector<uint64_t> mem_;  // signals x words
  std::vector<uint8_t> tokens_;
  std::vector<std::vector<uint8_t>> ktab_;  // per table lookup: 256 clamped K values
  std::vector<Op> step_prog_, logit_prog_, argmax_prog_;
  std::vector<int> reg_sig_, next_sig_;
  int next_buf_ = 0;                          // first of R scratch signals for the register update
  std::vector<std::vector<int>> logit_planes_;  // per logit: unsigned planes (LSB first)
  std::vector<int> idx_planes_;
  int32_t zmin_ = 0;
  bool logits_valid_ = false;
  // head.context: per stream the table row of its last two tokens' codes; per column the
  // shifted entries, the shift and the input planes of the logit program.
  std::vector<uint16_t> ctx_row_;
  std::vector<std::vector<uint8_t>> ctx_val_;
  std::vector<int> ctx_min_;
  std::vector<std::vector<int>> ctx_planes_;
};

struct CorpusBpc {
  double bpc = 0, top1 = 0;
  size_t tokens = 0;  // positions scored
  int chunks = 0;
};

// BPC over a whole token sequence, bit-sliced: the sequence is cut into `chunks` contiguous
// pieces (lengths differ by at most one) and each piece runs as its own stream from the reset
// state, scored with the rule of gen/bpc.hpp (the prediction read before each token). With
// chunks = 1 this is exactly evaluate_bpc(); with more chunks the first positions of every
// chunk after the first are scored from the reset state instead of the state the preceding
// text leaves, so the figure differs slightly from the single-stream one.
CorpusBpc corpus_bpc(const ir::Netlist& n, const std::vector<int>& tokens, int chunks);

// Greedy generation in batches: stream i is fed prompts[i] teacher-forced, then `count` tokens
// of its own argmax. Returns the generated tokens of every prompt.
std::vector<std::vector<int>> generate(const ir::Netlist& n, const std::vector<std::vector<int>>& prompts, int count);

// `tritgate eval-fast` (gen/bitslice_cmd.cpp).
int cmd_eval_fast(const std::vector<std::string>& args, const std::string& full);

}  // namespace tg::bitslice
