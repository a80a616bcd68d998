// The AIG arithmetic, the IR lowering, the CNF (Tseitin) and the AIGER export, each checked
// against plain integers or against ir::Sim.
#include <gtest/gtest.h>

#include <array>
#include <sstream>

#include "aig.hpp"
#include "analysis.hpp"
#include "encode.hpp"
#include "random_model.hpp"
#include "sat.hpp"

namespace tg::analyze {
namespace {

TEST(Aig, ArithmeticMatchesIntegers) {
  Aig g;
  Vec a, b;
  for (int i = 0; i < 3; ++i) a.push_back(g.input("a"));
  for (int i = 0; i < 3; ++i) b.push_back(g.input("b"));
  Vec s = g.add(a, b);
  Vec pc = g.popcount({a[0], a[1], a[2], b[0], b[1], b[2]});
  std::vector<Lit> ge_k;
  for (int k = 0; k <= 9; ++k) ge_k.push_back(g.ge_const(a, k));
  Lit ge = g.ge(a, b), gt = g.gt(a, b);
  for (int x = 0; x < 8; ++x)
    for (int y = 0; y < 8; ++y) {
      std::vector<uint8_t> val(g.num_vars(), 0);
      for (int i = 0; i < 3; ++i) {
        val[var_of(a[size_t(i)])] = (x >> i) & 1;
        val[var_of(b[size_t(i)])] = (y >> i) & 1;
      }
      g.eval(val);
      int sum = 0, cnt = 0;
      for (size_t i = 0; i < s.size(); ++i) sum |= int(Aig::value(val, s[i])) << i;
      for (size_t i = 0; i < pc.size(); ++i) cnt |= int(Aig::value(val, pc[i])) << i;
      EXPECT_EQ(sum, x + y);
      EXPECT_EQ(cnt, __builtin_popcount(unsigned(x)) + __builtin_popcount(unsigned(y)));
      for (int k = 0; k <= 9; ++k) EXPECT_EQ(Aig::value(val, ge_k[size_t(k)]), x >= k) << x << ">=" << k;
      EXPECT_EQ(Aig::value(val, ge), x >= y);
      EXPECT_EQ(Aig::value(val, gt), x > y);
    }
}

// Unit propagation alone decides a Tseitin CNF once all its free inputs are fixed; check that
// it assigns every variable, violates no clause and gives ir::Sim's next state and argmax.
struct Propagated {
  bool conflict = false;
  std::vector<int8_t> val;  // -1 unassigned
};
Propagated propagate(const Cnf& c, const std::vector<int>& units) {
  Propagated p;
  p.val.assign(size_t(c.num_vars) + 1, -1);
  auto lit_val = [&](int l) {
    int8_t v = p.val[size_t(std::abs(l))];
    return v < 0 ? -1 : (l > 0 ? v : 1 - v);
  };
  for (int u : units) p.val[size_t(std::abs(u))] = u > 0;
  for (bool changed = true; changed && !p.conflict;) {
    changed = false;
    for (const auto& cl : c.clauses) {
      int unassigned = 0, last = 0;
      bool sat = false;
      for (int l : cl) {
        int v = lit_val(l);
        if (v == 1) sat = true;
        if (v < 0) ++unassigned, last = l;
      }
      if (sat) continue;
      if (unassigned == 0) p.conflict = true;
      if (unassigned == 1) {
        p.val[size_t(std::abs(last))] = last > 0;
        changed = true;
      }
    }
  }
  return p;
}

void check_cnf_against_sim(const Model& m, int samples, uint64_t seed, bool exhaustive) {
  ir::Netlist n = ir::from_model(m);
  Aig g;
  Vec tok;
  for (int i = 0; i < n.token_bits; ++i) tok.push_back(g.input("t"));
  std::vector<Lit> regs;
  for (const auto& r : n.regs) regs.push_back(g.input(r.name));
  Encoder enc(g, n);
  auto f = enc.frame(regs, tok);
  std::vector<Lit> next, roots;
  for (size_t r = 0; r < regs.size(); ++r) next.push_back(enc.next(f, int(r)));
  Vec cprev, clast, code;  // head.context codes: free inputs, and the token's code
  if (n.has_context()) {
    for (int i = 0; i < enc.code_bits(); ++i) cprev.push_back(g.input("cp"));
    for (int i = 0; i < enc.code_bits(); ++i) clast.push_back(g.input("cl"));
    enc.set_context(f, cprev, clast);
    code = enc.token_code(f);
  }
  Vec out = enc.argmax(f);
  roots = next;
  roots.insert(roots.end(), out.begin(), out.end());
  roots.insert(roots.end(), code.begin(), code.end());
  Cnf cnf = tseitin(g, roots);
  Rng rng(seed);
  int codes = 1 << n.token_bits;
  size_t R = regs.size();
  uint64_t total = exhaustive ? (uint64_t(codes) << R) : uint64_t(samples);
  for (uint64_t k = 0; k < total; ++k) {
    std::vector<uint8_t> st(R);
    int x;
    if (exhaustive) {
      for (size_t r = 0; r < R; ++r) st[r] = (k >> r) & 1;
      x = int(k >> R);
    } else {
      for (auto& b : st) b = rng.chance(0.5);
      x = rng.below(codes);
    }
    int cp = n.has_context() ? rng.below(n.vocab + 1) : 0, cl = n.has_context() ? rng.below(n.vocab + 1) : 0;
    std::vector<int> units = {-1};
    for (size_t r = 0; r < R; ++r) units.push_back(st[r] ? Cnf::var(regs[r]) : -Cnf::var(regs[r]));
    for (int i = 0; i < n.token_bits; ++i) units.push_back((x >> i) & 1 ? Cnf::var(tok[size_t(i)]) : -Cnf::var(tok[size_t(i)]));
    for (size_t i = 0; i < cprev.size(); ++i) {
      units.push_back((cp >> i) & 1 ? Cnf::var(cprev[i]) : -Cnf::var(cprev[i]));
      units.push_back((cl >> i) & 1 ? Cnf::var(clast[i]) : -Cnf::var(clast[i]));
    }
    auto p = propagate(cnf, units);
    ASSERT_FALSE(p.conflict);
    auto lv = [&](Lit l) {
      int8_t v = p.val[size_t(Cnf::var(l))];
      EXPECT_GE(v, 0) << "variable left open by propagation";
      return bool(v) ^ bool(l & 1u);
    };
    ir::Netlist c = n;
    for (size_t r = 0; r < R; ++r) c.regs[r].reset = st[r];
    ir::Sim sim(c);
    if (n.has_context()) sim.set_context(cp, cl);
    int am = sim.argmax();
    int got = 0;
    for (size_t i = 0; i < out.size(); ++i) got |= int(lv(out[i])) << i;
    EXPECT_EQ(got, am) << "context codes " << cp << " " << cl;
    sim.step(x);
    for (size_t r = 0; r < R; ++r) ASSERT_EQ(lv(next[r]), bool(sim.regs()[r])) << "register " << n.regs[r].name << " token " << x;
    int got_code = 0;
    for (size_t i = 0; i < code.size(); ++i) got_code |= int(lv(code[i])) << i;
    if (n.has_context()) {
      ASSERT_EQ(sim.context().first, cl);
      ASSERT_EQ(got_code, sim.context().second) << "token " << x;
    }
  }
}

TEST(Cnf, ExhaustiveOnTinyModels) {
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    RandomModelOptions o;
    o.hidden = 5;
    o.vocab = 3;
    o.fanin = 3;
    o.seed = seed;
    o.degenerate = seed % 2 == 0;
    check_cnf_against_sim(random_model(o), 0, seed, true);
  }
}

TEST(Cnf, RandomAssignmentsGatedAndLayered) {
  RandomModelOptions o;
  o.hidden = 12;
  o.vocab = 11;
  o.fanin = 4;
  o.layers = 2;
  o.levels = 2;
  o.cell = "gated";
  o.degenerate = true;
  o.seed = 7;
  check_cnf_against_sim(random_model(o), 300, 9, false);
}

// A head.context table: the logits read the codes of the last two tokens (free inputs here),
// every code 0..vocab sampled, out-of-vocabulary tokens included.
TEST(Cnf, RandomAssignmentsWithAContextTable) {
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    RandomModelOptions o;
    o.hidden = 8;
    o.vocab = 6;  // token codes 6 and 7 are out of the vocabulary
    o.fanin = 3;
    o.context = int(seed) + 1;
    o.cell = seed == 2 ? "gated" : "elman";
    o.seed = seed;
    check_cnf_against_sim(random_model(o), 400, seed + 20, false);
  }
}

TEST(Cnf, SolverRefutesAWrongNextState) {
  RandomModelOptions o;
  o.hidden = 6;
  o.vocab = 4;
  o.seed = 3;
  Model m = random_model(o);
  ir::Netlist n = ir::from_model(m);
  Aig g;
  Vec tok;
  for (int i = 0; i < n.token_bits; ++i) tok.push_back(g.input("t"));
  std::vector<Lit> regs;
  for (const auto& r : n.regs) regs.push_back(g.input(r.name));
  Encoder enc(g, n);
  auto f = enc.frame(regs, tok);
  Lit nx = enc.next(f, 0);
  ir::Sim sim(n);  // from reset with token 1
  sim.step(1);
  Cnf c = tseitin(g, {nx});
  for (size_t r = 0; r < regs.size(); ++r) c.unit(n.regs[r].reset ? regs[r] : lnot(regs[r]));
  c.unit(tok[0]);
  c.unit(lnot(tok[1]));
  Cnf wrong = c, right = c;
  wrong.unit(sim.regs()[0] ? lnot(nx) : nx);
  right.unit(sim.regs()[0] ? nx : lnot(nx));
  Solver s;
  EXPECT_EQ(s.solve(wrong, 30).status, SatResult::Status::Unsat);
  EXPECT_EQ(s.solve(right, 30).status, SatResult::Status::Sat);
}

// Reads the ASCII AIGER back and simulates it next to ir::Sim from reset; `oov` also feeds
// out-of-vocabulary codes.
void check_aiger_against_sim(const Model& m, int steps, bool oov, uint64_t seed) {
  ir::Netlist n = ir::from_model(m);
  std::istringstream in(machine_aag(n));
  std::string hdr;
  int M, I, L, O, A;
  in >> hdr >> M >> I >> L >> O >> A;
  ASSERT_EQ(hdr, "aag");
  ASSERT_EQ(I, n.token_bits);
  Aig scratch;
  const int ctx_latches = n.has_context() ? 2 * Encoder(scratch, n).code_bits() : 0;
  ASSERT_EQ(L, int(n.regs.size()) + ctx_latches);
  ASSERT_EQ(O, n.token_bits);
  std::vector<int> ins(static_cast<size_t>(I)), outs(static_cast<size_t>(O));
  std::vector<std::array<int, 3>> latches(static_cast<size_t>(L)), ands(static_cast<size_t>(A));
  for (auto& x : ins) in >> x;
  for (auto& l : latches) in >> l[0] >> l[1] >> l[2];
  for (auto& x : outs) in >> x;
  for (auto& a : ands) in >> a[0] >> a[1] >> a[2];
  std::vector<uint8_t> v(size_t(M) + 1, 0);
  for (size_t i = 0; i < latches.size(); ++i) v[size_t(latches[i][0] / 2)] = uint8_t(latches[i][2]);
  auto lit = [&](int l) { return bool(v[size_t(l / 2)]) ^ bool(l & 1); };
  ir::Sim sim(n);
  Rng rng(seed);
  for (int step = 0; step < steps; ++step) {
    int x = oov && rng.chance(0.15) ? rng.below(1 << n.token_bits) : rng.below(n.vocab);
    for (int i = 0; i < I; ++i) v[size_t(ins[size_t(i)] / 2)] = (x >> i) & 1;
    for (const auto& a : ands) v[size_t(a[0] / 2)] = lit(a[1]) && lit(a[2]);
    int got = 0;
    for (int i = 0; i < O; ++i) got |= int(lit(outs[size_t(i)])) << i;
    ASSERT_EQ(got, sim.argmax()) << "step " << step;
    std::vector<uint8_t> nx;
    for (const auto& l : latches) nx.push_back(lit(l[1]));
    for (size_t i = 0; i < latches.size(); ++i) v[size_t(latches[i][0] / 2)] = nx[i];
    sim.step(x);
    for (size_t r = 0; r < n.regs.size(); ++r) ASSERT_EQ(nx[r], sim.regs()[r]);
  }
}

TEST(Aiger, ExportSimulatesLikeTheNetlist) {
  RandomModelOptions o;
  o.hidden = 10;
  o.vocab = 6;
  o.cell = "gated";
  o.degenerate = true;
  o.seed = 5;
  check_aiger_against_sim(random_model(o), 40, false, 11);
}

// The machine of a head.context model carries the codes of the last two tokens as latches.
TEST(Aiger, ContextTableMachineSimulatesLikeTheNetlist) {
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    RandomModelOptions o;
    o.hidden = 10;
    o.vocab = 5 + int(seed);
    o.cell = seed == 1 ? "elman" : "gated";
    o.context = 2 * int(seed);
    o.seed = seed;
    check_aiger_against_sim(random_model(o), 200, true, seed + 30);
  }
}

}  // namespace
}  // namespace tg::analyze
