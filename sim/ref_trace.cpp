// Stimulus and expected trace for the Icarus Verilog bench (sim/tb_iverilog.v), from the
// generated reference tg_ref.hpp (compiled per design: g++ -I GEN_DIR).
// usage: ref_trace STIM_OUT TRACE_OUT N SEED [gen_fraction gap_fraction reset_fraction]
// Each stimulus line is one clock cycle; the first is a reset. Teacher-forced tokens are
// random codes over the whole token port (out-of-vocabulary included); free-running stretches
// set gen = 1 with a random in_token that the core must ignore.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "random_model.hpp"
#include "tg_ref.hpp"

namespace {

using Ref = tg_ref::Model;

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
  for (long c = 0; c < N; ++c) {
    int rst = c == 0 || rng.chance(prst), in_valid = !rng.chance(pgap), tok = rng.below(1 << Ref::kTokenBits);
    if (rng.chance(0.02)) gen_mode = rng.chance(pgen);  // stretches of free-running
    int gen = gen_mode;
    std::fprintf(fs, "%x %x %x %x\n", rst, in_valid, gen, tok);
    if (rst) {
      ref.reset();
      valid = false;
    } else if (in_valid) {
      ref.step(gen ? ref.argmax() : unsigned(tok));
      valid = true;
    }
    std::vector<int> st(size_t(Ref::kRegs > 0 ? Ref::kRegs : 1), 0), lg;
    for (int r = 0; r < Ref::kRegs; ++r) st[size_t(r)] = ref.reg(r);
    int32_t z[Ref::kVocab];
    ref.logits(z);
    for (int v = 0; v < Ref::kVocab; ++v)
      for (int b = 0; b < Ref::kLogitBits; ++b) lg.push_back(int((uint32_t(z[v]) >> b) & 1));
    std::vector<int> ot;
    for (int b = 0; b < Ref::kTokenBits; ++b) ot.push_back(int((ref.argmax() >> b) & 1));
    std::fprintf(ft, "%s %s %s %d\n", hex(st).c_str(), hex(lg).c_str(), hex(ot).c_str(), int(valid));
  }
  std::fclose(fs);
  std::fclose(ft);
  return 0;
}
