// The bit-sliced evaluator against the IR interpreter and the model file's golden interpreter:
// every stream, every register, every logit and the argmax, on random models (degenerate,
// gated, multi-layer, multi-level), with independent random token streams and stream resets.
#include <gtest/gtest.h>

#include <cmath>

#include "bitslice.hpp"
#include "bpc.hpp"
#include "ir.hpp"
#include "model.hpp"
#include "passes.hpp"
#include "random_cases.hpp"
#include "random_model.hpp"
#include "util.hpp"

namespace {

using tg_test::Case;
using tg_test::kCases;
using tg_test::make;

tg::ir::Netlist optimised(const tg::Model& m, bool opt = true) {
  tg::ir::Netlist n = tg::ir::from_model(m);
  nlohmann::json rep;
  if (opt) tg::passes::run(n, tg::passes::default_pipeline(), rep);
  return n;
}

// Runs `words` x 64 streams side by side with one ir::Sim per stream (and the golden model for
// a few of them), every stream with its own random tokens and occasional resets.
void check_streams(const tg::Model& m, const tg::ir::Netlist& n, int words, uint64_t seed, int steps) {
  tg::bitslice::Engine e(n, words);
  const int S = e.streams();
  std::vector<tg::ir::Sim> sims;
  for (int s = 0; s < S; ++s) sims.emplace_back(n);
  tg::ModelSim gold0(m), gold1(m);
  const int gs = S - 1;  // the second golden model follows the last stream
  tg::Rng r(seed);
  std::vector<uint8_t> tok(static_cast<size_t>(S)), am;
  std::vector<int32_t> z;
  for (int t = 0; t <= steps; ++t) {
    e.logits(z);
    e.argmax(am);
    for (int s = 0; s < S; ++s) {
      const auto& sim = sims[size_t(s)];
      for (size_t q = 0; q < n.regs.size(); ++q)
        ASSERT_EQ(e.reg(s, int(q)), bool(sim.regs()[q])) << "step " << t << " stream " << s << " reg " << q;
      auto sz = sim.logits();
      for (int v = 0; v < n.vocab; ++v)
        ASSERT_EQ(z[size_t(s) * size_t(n.vocab) + size_t(v)], sz[size_t(v)]) << "step " << t << " stream " << s << " logit " << v;
      ASSERT_EQ(int(am[size_t(s)]), sim.argmax()) << "step " << t << " stream " << s;
    }
    auto g0 = gold0.flat_state(), g1 = gold1.flat_state();
    for (size_t q = 0; q < n.regs.size(); ++q) {
      ASSERT_EQ(e.reg(0, int(q)), bool(g0[size_t(n.regs[q].origin)])) << "golden, step " << t;
      ASSERT_EQ(e.reg(gs, int(q)), bool(g1[size_t(n.regs[q].origin)])) << "golden, step " << t;
    }
    ASSERT_EQ(int(am[0]), gold0.argmax());
    for (int s = 0; s < S; ++s) {
      if (r.chance(0.005)) {
        e.reset_stream(s);
        sims[size_t(s)].reset();
        if (s == 0) gold0.reset();
        if (s == gs) gold1.reset();
      }
      tok[size_t(s)] = uint8_t(r.below(1 << n.token_bits));
    }
    // Half of the steps feed the streams' own predictions back (generation).
    if (t % 2) tok = am;
    e.step(tok.data());
    for (int s = 0; s < S; ++s) sims[size_t(s)].step(tok[size_t(s)]);
    gold0.step(tok[0]);
    gold1.step(tok[size_t(gs)]);
  }
}

// The mean of single-stream evaluations of `chunks` contiguous pieces, each from reset: what
// corpus_bpc with that many chunks must give.
double per_chunk_bpc(const tg::ir::Netlist& n, const std::vector<int>& toks, int chunks) {
  double bits = 0;
  for (int c = 0; c < chunks; ++c) {
    size_t a = toks.size() * size_t(c) / size_t(chunks), b = toks.size() * size_t(c + 1) / size_t(chunks);
    std::vector<int> piece(toks.begin() + long(a), toks.begin() + long(b));
    bits += tg::evaluate_bpc(n, piece).bpc * double(piece.size());
  }
  return bits / double(toks.size());
}

TEST(BitSlice, MatchesTheInterpreterOnEveryStream) {
  uint64_t seed = 500;
  for (const Case& c : kCases)
    for (int k = 0; k < 2; ++k) {
      tg::Model m = make(c, ++seed);
      SCOPED_TRACE(m.name + (c.degenerate ? " degenerate " : " ") + c.cell);
      check_streams(m, optimised(m), 1, seed, 120);
    }
}

TEST(BitSlice, PlainNetlistAndWideWords) {
  // The unoptimised netlist (zero terms, constant units, twins) and 3 words = 192 streams.
  uint64_t seed = 900;
  for (const Case& c : {kCases[3], kCases[6], kCases[7], kCases[11]}) {
    tg::Model m = make(c, ++seed);
    SCOPED_TRACE(m.name);
    check_streams(m, optimised(m, false), 3, seed, 60);
    check_streams(m, optimised(m, true), 3, seed + 1, 60);
  }
  // 8 words: the AVX-512 build of the interpreter where the CPU has it.
  tg::Model m = make(kCases[14], 77);
  check_streams(m, optimised(m), 8, 78, 25);
}

TEST(BitSlice, PortableLookupMatchesToo) {
  tg::bitslice::Engine::allow_simd(false);
  uint64_t seed = 1200;
  for (const Case& c : {kCases[4], kCases[11], kCases[13], kCases[15]}) {
    tg::Model m = make(c, ++seed);
    SCOPED_TRACE(m.name);
    check_streams(m, optimised(m), 2, seed, 60);
  }
  tg::bitslice::Engine::allow_simd(true);
}

// head.context tables: every stream's own last two tokens (out-of-vocabulary codes, resets and
// fed-back predictions included), one and two words, the portable and the SIMD interpreter.
TEST(BitSlice, ContextTableMatchesTheInterpreter) {
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    tg::RandomModelOptions o;
    o.hidden = 10 + int(seed);
    o.vocab = 5 + 3 * int(seed);
    o.fanin = 4;
    o.cell = seed % 2 ? "gated" : "elman";
    o.context = 2 * int(seed);
    o.degenerate = seed == 3;
    o.seed = seed;
    tg::Model m = tg::random_model(o);
    SCOPED_TRACE(m.name + " context " + std::to_string(o.context));
    check_streams(m, optimised(m), seed == 2 ? 2 : 1, seed + 40, 80);
    tg::bitslice::Engine::allow_simd(false);
    check_streams(m, optimised(m, false), 1, seed + 50, 40);
    tg::bitslice::Engine::allow_simd(true);
  }
  // corpus_bpc on chunks equals the interpreter's per-chunk figures.
  tg::RandomModelOptions o;
  o.hidden = 16;
  o.vocab = 12;
  o.context = 6;
  o.seed = 9;
  tg::Model m = tg::random_model(o);
  tg::ir::Netlist n = optimised(m);
  tg::Rng r(6);
  std::vector<int> toks;
  for (int i = 0; i < 2000; ++i) toks.push_back(r.below(12));
  auto many = tg::bitslice::corpus_bpc(n, toks, 70);
  EXPECT_NEAR(many.bpc, per_chunk_bpc(n, toks, 70), 1e-9);
}

TEST(BitSlice, OneChunkBpcIsTheSingleStreamRule) {
  tg::Model m = make({32, 30, 8, 8, 1, 1, "elman", false}, 77);
  tg::ir::Netlist n = optimised(m);
  tg::Rng r(5);
  std::vector<int> toks;
  for (int i = 0; i < 3000; ++i) toks.push_back(r.below(30));
  tg::BpcResult ref = tg::evaluate_bpc(n, toks);
  auto one = tg::bitslice::corpus_bpc(n, toks, 1);
  EXPECT_NEAR(one.bpc, ref.bpc, 1e-12);
  EXPECT_DOUBLE_EQ(one.top1, ref.top1);
  EXPECT_EQ(one.tokens, toks.size());
  // 64 chunks: each chunk scored from reset, equal to the per-chunk single-stream figures.
  auto many = tg::bitslice::corpus_bpc(n, toks, 64);
  EXPECT_EQ(many.chunks, 64);
  EXPECT_NEAR(many.bpc, per_chunk_bpc(n, toks, 64), 1e-9);
  // 100 chunks span two words, the second partly used.
  auto hundred = tg::bitslice::corpus_bpc(n, toks, 100);
  EXPECT_EQ(hundred.chunks, 100);
  EXPECT_TRUE(std::isfinite(hundred.bpc));
}

TEST(BitSlice, BatchedGenerationMatchesTheInterpreter) {
  tg::Model m = make({20, 65, 6, 10, 1, 1, "elman", true}, 31);
  tg::ir::Netlist n = optimised(m);
  tg::Rng r(9);
  std::vector<std::vector<int>> prompts;
  for (int i = 0; i < 70; ++i) {
    std::vector<int> p;
    for (int k = r.below(12); k > 0; --k) p.push_back(r.below(65));
    prompts.push_back(p);
  }
  auto out = tg::bitslice::generate(n, prompts, 40);
  ASSERT_EQ(out.size(), prompts.size());
  for (size_t i = 0; i < prompts.size(); ++i) {
    tg::ir::Sim s(n);
    for (int t : prompts[i]) s.step(t);
    std::vector<int> want;
    for (int k = 0; k < 40; ++k) {
      want.push_back(s.argmax());
      s.step(want.back());
    }
    EXPECT_EQ(out[i], want) << "prompt " << i;
  }
}

}  // namespace
