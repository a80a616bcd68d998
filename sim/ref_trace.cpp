// Stimulus and expected trace for the Icarus Verilog bench (sim/tb_iverilog.v), from the
// generated reference tg_ref.hpp (compiled per design: g++ -I GEN_DIR -DTG_PIPELINE_HEAD=P).
// usage: ref_trace STIM_OUT TRACE_OUT N SEED [gen_fraction gap_fraction reset_fraction]
// Each stimulus line is one clock cycle; the first is a reset. Teacher-forced tokens are
// random codes over the whole token port (out-of-vocabulary included); free-running stretches
// set gen = 1 with a random in_token that the core must ignore.
//
// TG_PIPELINE_HEAD = P > 0 (gen --pipeline-head P) models the pipelined head cycle by cycle:
// in_ready = !gen || busy == 0, a step happens on in_valid && in_ready and sets busy = P, every
// other edge counts busy down; out_valid = stepped && busy == 0; out_token after edge c is the
// prediction of the state after edge c - P (undefined, written "-", for c < P), and a
// free-running step consumes that out_token. Each trace line then ends with in_ready as it was
// before the edge.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "random_model.hpp"
#include "tg_ref.hpp"

#ifndef TG_PIPELINE_HEAD
#define TG_PIPELINE_HEAD 0
#endif

namespace {

using Ref = tg_ref::Model;
constexpr int P = TG_PIPELINE_HEAD;
static_assert(P >= 0, "TG_PIPELINE_HEAD: the gen --pipeline-head of the design");

// Hex of a bit vector, most significant digit first, as Verilog's %h prints a W-bit value.
std::string hex(const std::vector<int>& bits) {
  const int W = int(bits.size()), D = (W + 3) / 4;
  std::string s;
  for (int d = D - 1; d >= 0; --d) {
    int x = 0;
    for (int b = 0; b < 4; ++b)
      if (4 * d + b < W) x |= bits[size_t(4 * d + b)] << b;
    s.push_back("0123456789abcdef"[x]);
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: ref_trace STIM_OUT TRACE_OUT N SEED [gen gap reset]\n");
    return 2;
  }
  const long N = std::atol(argv[3]);
  tg::Rng rng(std::strtoull(argv[4], nullptr, 10));
  const double pgen = argc > 5 ? std::atof(argv[5]) : 0.3, pgap = argc > 6 ? std::atof(argv[6]) : 0.05,
               prst = argc > 7 ? std::atof(argv[7]) : 0.003;
  FILE* fs = std::fopen(argv[1], "w");
  FILE* ft = std::fopen(argv[2], "w");
  if (!fs || !ft) {
    std::fprintf(stderr, "ref_trace: cannot write the output files\n");
    return 2;
  }
  Ref ref;
  bool valid = false, gen_mode = false;
  // Pipelined head: cycles until out_token reflects the state, whether a step happened since
  // reset, and the prediction after each edge (pred[c] = argmax of the state after edge c).
  int busy = 0;
  bool stepped = false;
  std::vector<unsigned> pred;
  for (long c = 0; c < N; ++c) {
    int rst = c == 0 || rng.chance(prst), in_valid = !rng.chance(pgap), tok = rng.below(1 << Ref::kTokenBits);
    if (rng.chance(0.02)) gen_mode = rng.chance(pgen);  // stretches of free-running
    int gen = gen_mode;
    if (P > 0 && c == 0) gen = 0;  // in_ready before the first reset edge is undefined with gen = 1
    std::fprintf(fs, "%x %x %x %x\n", rst, in_valid, gen, tok);
    const bool ready = !gen || busy == 0;
    if (rst) {
      ref.reset();
      valid = false;
      stepped = false;
      busy = P;
    } else if (in_valid && ready) {
      // The core's own prediction: out_token before this edge (edge c - 1, state of edge c - 1 - P).
      unsigned own = P == 0 ? ref.argmax() : pred[size_t(c - 1 - P)];
      ref.step(gen ? own : unsigned(tok));
      valid = true;
      stepped = true;
      busy = P;
    } else if (busy > 0) {
      --busy;
    }
    pred.push_back(ref.argmax());
    std::vector<int> st(size_t(Ref::kRegs > 0 ? Ref::kRegs : 1), 0), lg;
    for (int r = 0; r < Ref::kRegs; ++r) st[size_t(r)] = ref.reg(r);
    int32_t z[Ref::kVocab];
    ref.logits(z);
    for (int v = 0; v < Ref::kVocab; ++v)
      for (int b = 0; b < Ref::kLogitBits; ++b) lg.push_back(int((uint32_t(z[v]) >> b) & 1));
    std::string ot = "-";
    if (c >= P) {
      std::vector<int> bits;
      for (int b = 0; b < Ref::kTokenBits; ++b) bits.push_back(int((pred[size_t(c - P)] >> b) & 1));
      ot = hex(bits);
    }
    const bool out_valid = P == 0 ? valid : stepped && busy == 0;
    std::fprintf(ft, "%s %s %s %d", hex(st).c_str(), hex(lg).c_str(), ot.c_str(), int(out_valid));
    if (P > 0) std::fprintf(ft, " %d", int(ready));
    std::fputc('\n', ft);
  }
  std::fclose(fs);
  std::fclose(ft);
  return 0;
}
