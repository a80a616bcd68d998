// The netlist IR and its passes against the golden interpreter of the model file.
#include <gtest/gtest.h>

#include <cmath>

#include "bitslice.hpp"
#include "bpc.hpp"
#include "emit.hpp"
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

// Runs the golden interpreter and the IR (plain and optimised) side by side on random tokens,
// out-of-vocabulary codes included, comparing every kept register, every logit and the argmax.
void check_equivalent(const tg::Model& m, uint64_t seed, int steps) {
  tg::ir::Netlist plain = tg::ir::from_model(m);
  tg::ir::Netlist opt = plain;
  nlohmann::json rep;
  tg::passes::run(opt, tg::passes::default_pipeline(), rep);
  tg::ModelSim gold(m);
  tg::ir::Sim sp(plain), so(opt);
  tg::Rng r(seed);
  for (int t = 0; t <= steps; ++t) {
    auto gs = gold.flat_state();
    ASSERT_EQ(sp.regs().size(), gs.size());
    for (size_t q = 0; q < gs.size(); ++q) ASSERT_EQ(sp.regs()[q], gs[q]) << "plain, step " << t << " bit " << q;
    for (size_t q = 0; q < opt.regs.size(); ++q)
      ASSERT_EQ(so.regs()[q], gs[size_t(opt.regs[q].origin)]) << m.name << " optimised, step " << t << " reg " << q;
    auto gz = gold.logits();
    ASSERT_EQ(sp.logits(), gz) << "step " << t;
    ASSERT_EQ(so.logits(), gz) << m.name << " step " << t;
    ASSERT_EQ(so.argmax(), gold.argmax());
    if (r.chance(0.01)) {
      gold.reset();
      sp.reset();
      so.reset();
      continue;
    }
    int tok = r.below(1 << m.token_bits());
    gold.step(tok);
    sp.step(tok);
    so.step(tok);
  }
}

TEST(Netlist, PlainAndOptimisedMatchTheModelFile) {
  uint64_t seed = 100;
  for (const Case& c : kCases)
    for (int k = 0; k < 3; ++k) {
      tg::Model m = make(c, ++seed);
      SCOPED_TRACE(m.name + (c.degenerate ? " degenerate" : "") + " " + c.cell);
      check_equivalent(m, seed, 300);
    }
}

TEST(Netlist, ContextTableMatchesTheModelFile) {
  uint64_t seed = 900;
  for (const char* cell : {"elman", "gated"})
    for (bool degenerate : {false, true}) {
      tg::RandomModelOptions o;
      o.hidden = 7;
      o.vocab = 9;
      o.fanin = 3;
      o.cell = cell;
      o.degenerate = degenerate;
      o.seed = ++seed;
      o.context = 4;
      tg::Model m = tg::random_model(o);
      SCOPED_TRACE(m.name + " " + cell + (degenerate ? " degenerate" : ""));
      check_equivalent(m, seed, 400);
    }
}

// The emitters implement head.context (the Verilog tree style, the C++ reference, the bit-sliced
// C++); the naive style refuses it by name instead of computing another machine.
TEST(Emit, ContextTableInVerilogAndReference) {
  tg::RandomModelOptions o;
  o.hidden = 4;
  o.vocab = 4;
  o.fanin = 2;
  o.context = 2;
  tg::Model m = tg::random_model(o);
  tg::ir::Netlist n = tg::ir::from_model(m);
  std::string v = tg::emit::verilog(n, {});
  EXPECT_NE(v.find("ctx_mem"), std::string::npos);
  EXPECT_NE(v.find("initial begin"), std::string::npos);
  tg::emit::VerilogOptions lo;
  lo.context_load = true;
  std::string vl = tg::emit::verilog(n, lo);
  EXPECT_NE(vl.find("input  wire ctx_we"), std::string::npos);
  EXPECT_EQ(vl.find("ctx_mem[0] ="), std::string::npos) << "a loaded table has no initial contents";
  EXPECT_NE(tg::emit::cpp_reference(n, "ref").find("kCtx["), std::string::npos);
  auto refuses = [](auto f, const char* what) {
    try {
      f();
      ADD_FAILURE() << "accepted: " << what;
    } catch (const tg::Error& e) {
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    }
  };
  tg::emit::VerilogOptions naive;
  naive.style = "naive";
  refuses([&] { tg::emit::verilog(n, naive); }, "head.context table needs the tree style");
  EXPECT_NE(tg::bitslice::Engine(n).emit_cpp("x").find("kCtx["), std::string::npos);
  // Without a table --context-load changes nothing (the iCE40 boards pass it for every model).
  tg::Model plain = tg::random_model([&] { auto p = o; p.context = 0; return p; }());
  EXPECT_EQ(tg::emit::verilog(tg::ir::from_model(plain), lo), tg::emit::verilog(tg::ir::from_model(plain), {}));
}

TEST(Netlist, PassesRemoveWhatDegenerateModelsCarry) {
  // Units that are always on/off, duplicated or unread must shrink the netlist.
  int removed_regs = 0, removed_cmp = 0;
  for (uint64_t s = 1; s <= 10; ++s) {
    tg::Model m = make({12, 6, 3, 3, 1, 1, "elman", true}, s);
    tg::ir::Netlist n = tg::ir::from_model(m);
    nlohmann::json rep;
    tg::passes::run(n, tg::passes::default_pipeline(), rep);
    removed_regs += rep["before"]["registers"].get<int>() - rep["after"]["registers"].get<int>();
    removed_cmp += rep["before"]["comparators"].get<int>() - rep["after"]["comparators"].get<int>();
    EXPECT_LT(rep["after"]["terms"].get<int>(), rep["before"]["terms"].get<int>());
  }
  EXPECT_GT(removed_regs, 0);
  EXPECT_GT(removed_cmp, 0);
}

TEST(Netlist, ConstantUnitFoldsAndDuplicateMerges) {
  // Hand-built: unit 0 never on (threshold above range), units 1 and 2 identical, unit 3 unread.
  tg::Model m;
  m.name = "hand";
  m.vocab = {'a', 'b'};
  tg::Layer l;
  l.units = 4;
  l.cand.input = tg::Matrix(4, 2);
  l.cand.recurrent = tg::Matrix(4, 4);
  l.cand.input.at(1, 0) = 1;
  l.cand.input.at(2, 0) = 1;
  l.cand.recurrent.at(1, 1) = 1;
  l.cand.recurrent.at(2, 1) = 1;
  l.cand.recurrent.at(0, 1) = 1;
  l.cand.thresholds = {{2}, {1}, {1}, {0}};  // unit 0: sum <= 1 < 2: never on
  l.reset.assign(4, 0);
  m.layers.push_back(l);
  m.head.weights = tg::Matrix(2, 4);
  m.head.weights.at(0, 0) = 1;
  m.head.weights.at(0, 1) = 1;
  m.head.weights.at(1, 2) = -1;
  m.head.bias = {0, 1};
  m.head.logit_scale = 1;
  tg::validate_model(m, "hand");
  tg::ir::Netlist n = tg::ir::from_model(m);
  nlohmann::json rep;
  tg::passes::run(n, tg::passes::default_pipeline(), rep);
  // Only one register survives: unit 0 is constant 0 (reset 0), unit 2 merges into unit 1,
  // unit 3 is read by nothing.
  ASSERT_EQ(n.regs.size(), 1u);
  EXPECT_EQ(n.regs[0].origin, 1);
  check_equivalent(m, 5, 100);
}

TEST(Emit, VerilogAndReferenceAreDeterministic) {
  tg::Model m = make({16, 12, 4, 4, 1, 1, "elman", true}, 3);
  auto gen = [&] {
    tg::ir::Netlist n = tg::ir::from_model(m);
    nlohmann::json rep;
    tg::passes::run(n, tg::passes::default_pipeline(), rep);
    return tg::emit::verilog(n, {}) + tg::emit::cpp_reference(n, "r") + tg::emit::verilator_glue(n, "tg_core");
  };
  std::string a = gen(), b = gen();
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.rfind("`default_nettype none", 0), 0u);
  EXPECT_NE(a.find(m.hash), std::string::npos);
}

// --fold-token-units folds exactly the registers that depend on the token alone, reset to their
// out-of-vocabulary value and feed only logits: the appended token-only units of a random model
// (the shape `train --head-token` exports), never a hidden unit; with --degenerate, not the ones
// whose reset differs or whose gate reads the token (they keep their state).
TEST(Emit, TokenFoldTakesTokenOnlyUnitsReadByLogits) {
  for (bool degenerate : {false, true}) {
    for (const char* cell : {"elman", "gated"}) {
      tg::RandomModelOptions o;
      o.hidden = 10;
      o.vocab = 20;
      o.fanin = 3;
      o.cell = cell;
      o.token_units = 40;
      o.degenerate = degenerate;
      o.seed = 7;
      tg::Model m = tg::random_model(o);
      tg::ir::Netlist n = tg::ir::from_model(m);
      nlohmann::json rep;
      tg::passes::run(n, tg::passes::default_pipeline(), rep);
      const auto f = tg::emit::token_fold(n);
      const auto& l0 = m.layers[0];
      int kept_back = 0;  // appended units that must not fold
      for (size_t r = 0; r < n.regs.size(); ++r) {
        const int u = n.regs[r].origin;
        if (u < o.hidden) {  // a hidden unit with state inputs never folds
          if (l0.cand.recurrent.row_nonzeros(u) > 0) EXPECT_FALSE(f.folded[r]) << cell << ", hidden unit " << u;
          continue;
        }
        bool token_only = !l0.gated || l0.gate.input.row_nonzeros(u) == 0;
        // A threshold at or below 0 is on for out-of-vocabulary tokens (entry 0).
        if (token_only) token_only = (l0.cand.thresholds[size_t(u)][0] <= 0) == bool(l0.reset[size_t(u)]);
        EXPECT_EQ(bool(f.folded[r]), token_only) << cell << (degenerate ? " degenerate" : "") << ", unit " << u;
        kept_back += !token_only;
      }
      EXPECT_GT(f.count, 10);
      if (degenerate) EXPECT_GT(kept_back, 0) << cell << ": the degenerate model should test the exclusions";
      EXPECT_EQ(f.code_bits, 5);  // codes 0..20
    }
  }
}

TEST(RandomModel, SameSeedSameModel) {
  tg::RandomModelOptions o;
  o.hidden = 9;
  o.vocab = 11;
  o.fanin = 3;
  o.seed = 42;
  o.degenerate = true;
  EXPECT_EQ(tg::model_to_json(tg::random_model(o)), tg::model_to_json(tg::random_model(o)));
  o.seed = 43;
  tg::Model a = tg::random_model(o);
  o.seed = 42;
  EXPECT_NE(tg::model_to_json(a), tg::model_to_json(tg::random_model(o)));
}

TEST(Bpc, UniformLogitsGiveLog2V) {
  std::vector<int> z(8, 3);
  EXPECT_NEAR(tg::nll_bits(z, 0.7, 5), 3.0, 1e-12);
  std::vector<int> y = {0, 10};
  EXPECT_NEAR(tg::nll_bits(y, std::log(2.0), 0), std::log2(1.0 + 1024.0), 1e-9);
}

TEST(Bpc, SplitIsNinetyTen) {
  std::string t(1000, 'a');
  EXPECT_EQ(tg::split_text(t, "train").size(), 900u);
  EXPECT_EQ(tg::split_text(t, "val").size(), 100u);
  EXPECT_THROW(tg::split_text(t, "test"), tg::Error);
}

}  // namespace
