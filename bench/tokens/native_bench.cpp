// Tokens per second of the generated C++ reference (tg_ref.hpp, one core), of the bit-sliced
// interpreter (gen/bitslice.hpp, one core, many streams) and, when GEN_DIR has it (gen
// --bitslice-cpp), of the compiled bit-sliced evaluator tg_bitslice.hpp (one core, 512
// streams), all in greedy generation (argmax fed back, the core's gen = 1 mode). Compiled per
// design by bench/tokens/run.sh:
//   g++ -O2 [-march=native] -I GEN_DIR -I gen native_bench.cpp libtglib.a
// usage: native_bench MODEL.json TOKENS WORDS   (WORDS x 64 interpreted streams)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "bitslice.hpp"
#include "ir.hpp"
#include "model.hpp"
#include "passes.hpp"
#include "tg_ref.hpp"
#if __has_include("tg_bitslice.hpp")
#include "tg_bitslice.hpp"
#define TG_HAVE_BS_CPP 1
#endif

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: native_bench MODEL.json TOKENS WORDS\n");
    return 2;
  }
  const long N = std::atol(argv[2]);
  const int words = std::atoi(argv[3]);
  using clk = std::chrono::steady_clock;
  // Reference: one stream, step + argmax per token.
  tg_ref::Model ref;
  unsigned tok = 0, check = 0;
  auto t0 = clk::now();
  for (long i = 0; i < N; ++i) {
    tok = ref.argmax();
    check += tok;
    ref.step(tok);
  }
  double sr = std::chrono::duration<double>(clk::now() - t0).count();
  // Bit-sliced: every stream starts from a different token, then generates.
  tg::Model m = tg::load_model(argv[1]);
  tg::ir::Netlist n = tg::ir::from_model(m);
  nlohmann::json rep;
  tg::passes::run(n, tg::passes::default_pipeline(), rep);
  tg::bitslice::Engine e(n, words);
  std::vector<uint8_t> t(size_t(e.streams()));
  for (int s = 0; s < e.streams(); ++s) t[size_t(s)] = uint8_t(s % n.vocab);
  e.step(t.data());
  const long steps = std::max(1L, N / e.streams() * 4);
  t0 = clk::now();
  for (long i = 0; i < steps; ++i) {
    e.argmax(t);
    e.step(t.data());
  }
  double sb = std::chrono::duration<double>(clk::now() - t0).count();
  // Stream 0 of the bit-sliced engine must match the reference started the same way.
  tg_ref::Model r0;
  r0.step(0);
  unsigned x = 0;
  for (long i = 0; i < steps; ++i) {
    x = r0.argmax();
    r0.step(x);
  }
  bool same = true;
  for (int q = 0; q < tg_ref::Model::kRegs; ++q) same &= e.reg(0, q) == r0.reg(q);
#ifdef TG_HAVE_BS_CPP
  // Compiled bit-sliced: the same start (stream s from token s mod vocab), then greedy; streams
  // 0, 1 and the last are checked against the reference started the same way.
  static tg_bs::Engine cb;
  std::vector<uint8_t> ct(size_t(cb.kStreams));
  for (int s = 0; s < cb.kStreams; ++s) ct[size_t(s)] = uint8_t(s % n.vocab);
  cb.step(ct.data());
  const long csteps = std::max(1L, N / cb.kStreams * 16);
  t0 = clk::now();
  for (long i = 0; i < csteps; ++i) {
    cb.argmax(ct.data());
    cb.step(ct.data());
  }
  double sc = std::chrono::duration<double>(clk::now() - t0).count();
  bool csame = true;
  for (int s : {0, 1, cb.kStreams - 1}) {
    tg_ref::Model r;
    r.step(unsigned(s % n.vocab));
    for (long i = 0; i < csteps; ++i) r.step(r.argmax());
    for (int q = 0; q < tg_ref::Model::kRegs; ++q) csame &= cb.reg(s, q) == r.reg(q);
  }
  std::printf("bitslice_cpp_tok_s %.0f\nbitslice_cpp_matches_reference %d\n", double(csteps) * cb.kStreams / sc, int(csame));
  same &= csame;
#endif
#if defined(TG_REF_SIMD)
  std::printf("reference_path AVX-512\n");
#elif defined(__POPCNT__)
  std::printf("reference_path popcount\n");
#else
  std::printf("reference_path per-term\n");
#endif
  std::printf("reference_tok_s %.0f\nbitslice_tok_s %.0f\nbitslice_streams %d\nbitslice_ops_per_step %zu\nlookup %s\n"
              "bitslice_matches_reference %d\nchecksum %u\n",
              double(N) / sr, double(steps) * e.streams() / sb, e.streams(), e.step_ops(),
              tg::bitslice::Engine::lookup_impl(), int(same), check);
  return same ? 0 : 1;
}
