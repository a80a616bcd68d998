// Checks the generated native code against the model file's interpreter, every step:
//   tg_ref.hpp (whichever rendering the compile flags select: AVX-512, popcount, per-term) against
//   ir::Sim of the plain and the optimised netlist (registers, every logit, argmax), and
//   tg_bitslice.hpp against the bit-sliced interpreter (gen/bitslice) on all 512 streams with
//   different random tokens (registers, argmax, logits of sampled streams) and against tg_ref
//   on stream 0. Built and run per case by tests/native_check.sh. -DTG_CHECK_REF_ONLY leaves
//   tg_bitslice.hpp out (its compile dominates; the script checks it in two of its three builds).
// usage: native_check MODEL.json STEPS SEED
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "bitslice.hpp"
#include "ir.hpp"
#include "model.hpp"
#include "passes.hpp"
#ifndef TG_CHECK_REF_ONLY
#include "tg_bitslice.hpp"
#endif
#include "tg_ref.hpp"

static int fail(const char* what, long step, int a, int b, int where) {
  std::fprintf(stderr, "MISMATCH at step %ld: %s [%d]: %d vs %d\n", step, what, where, a, b);
  return 1;
}

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: native_check MODEL.json STEPS SEED\n");
    return 2;
  }
  const long steps = std::atol(argv[2]);
  std::mt19937 rng(unsigned(std::atoi(argv[3])));
  tg::Model m = tg::load_model(argv[1]);
  tg::ir::Netlist plain = tg::ir::from_model(m), opt = plain;
  nlohmann::json rep;
  tg::passes::run(opt, tg::passes::default_pipeline(), rep);
  tg::ir::Sim sp(plain), so(opt);
  using Ref = tg_ref::Model;
  Ref ref;
#ifndef TG_CHECK_REF_ONLY
  using Bs = tg_bs::Engine;
  static Bs bs;
  tg::bitslice::Engine interp(opt, Bs::kWords);
  if (Bs::kRegs != Ref::kRegs) {
    std::fprintf(stderr, "register counts differ\n");
    return 1;
  }
  std::vector<uint8_t> tok(Bs::kStreams), am_bs(Bs::kStreams), am_in;
  std::vector<int32_t> zi;
  std::uniform_int_distribution<int> sample(0, Bs::kStreams - 1);
#endif
  if (Ref::kRegs != int(opt.regs.size())) {
    std::fprintf(stderr, "register counts differ\n");
    return 1;
  }
  const int V = Ref::kVocab;
  int32_t z[1024];
  std::uniform_int_distribution<int> any(0, 255);
  for (long t = 0; t < steps; ++t) {
    // Reference vs interpreters.
    ref.logits(z);
    auto lp = sp.logits();
    for (int v = 0; v < V; ++v)
      if (z[v] != lp[size_t(v)]) return fail("tg_ref logit vs model interpreter", t, z[v], lp[size_t(v)], v);
    if (int(ref.argmax()) != sp.argmax()) return fail("tg_ref argmax", t, int(ref.argmax()), sp.argmax(), 0);
    if (ref.logit(V - 1) != lp[size_t(V - 1)]) return fail("tg_ref logit()", t, ref.logit(V - 1), lp[size_t(V - 1)], V - 1);
    for (int q = 0; q < Ref::kRegs; ++q)
      if (ref.reg(q) != bool(so.regs()[size_t(q)])) return fail("tg_ref register", t, ref.reg(q), so.regs()[size_t(q)], q);
#ifndef TG_CHECK_REF_ONLY
    // Bit-sliced, compiled vs interpreted.
    bs.argmax(am_bs.data());
    interp.argmax(am_in);
    for (int s = 0; s < Bs::kStreams; ++s)
      if (am_bs[size_t(s)] != am_in[size_t(s)]) return fail("tg_bitslice argmax", t, am_bs[size_t(s)], am_in[size_t(s)], s);
    if (am_bs[0] != ref.argmax()) return fail("tg_bitslice stream 0 argmax vs tg_ref", t, am_bs[0], int(ref.argmax()), 0);
    interp.logits(zi);
    for (int k = 0; k < 4; ++k) {
      int s = k == 0 ? 0 : sample(rng);
      for (int v = 0; v < V; ++v)
        if (bs.logit(s, v) != zi[size_t(s) * size_t(V) + size_t(v)])
          return fail("tg_bitslice logit", t, bs.logit(s, v), zi[size_t(s) * size_t(V) + size_t(v)], s * 1000 + v);
    }
    for (int s = 0; s < Bs::kStreams; ++s)
      for (int q = 0; q < Bs::kRegs; ++q)
        if (bs.reg(s, q) != interp.reg(s, q)) return fail("tg_bitslice register", t, bs.reg(s, q), interp.reg(s, q), s * 1000 + q);
#endif
    // Next tokens: stream 0 follows the reference's stream (mostly teacher-forced in the
    // vocabulary, sometimes its own prediction, sometimes out of range); the others random
    // bytes (taken modulo 2^kTokenBits) or their own prediction.
    int t0 = (t % 7 == 3) ? int(ref.argmax()) : (t % 11 == 5) ? any(rng) : any(rng) % V;
#ifndef TG_CHECK_REF_ONLY
    for (int s = 0; s < Bs::kStreams; ++s) tok[size_t(s)] = uint8_t(s == 0 ? t0 : (s % 3 == 0 ? am_bs[size_t(s)] : any(rng)));
#endif
    ref.step(unsigned(t0));
    const int masked = t0 & ((1 << Ref::kTokenBits) - 1);
    sp.step(masked);
    so.step(masked);
#ifndef TG_CHECK_REF_ONLY
    bs.step(tok.data());
    interp.step(tok.data());
#endif
  }
#if defined(TG_REF_SIMD)
  const char* path = "AVX-512";
#elif defined(__POPCNT__)
  const char* path = "popcount";
#else
  const char* path = "per-term";
#endif
#ifndef TG_CHECK_REF_ONLY
  std::printf("native_check: %ld steps, tg_ref (%s path) and tg_bitslice (%d streams) bit-exact\n", steps, path, Bs::kStreams);
#else
  std::printf("native_check: %ld steps, tg_ref (%s path) bit-exact (tg_bitslice not compiled in)\n", steps, path);
#endif
  return 0;
}
