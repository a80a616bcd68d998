#include "query.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>

#include "analysis.hpp"
#include "encode.hpp"
#include "passes.hpp"
#include "util.hpp"

using nlohmann::json;

namespace tg::analyze {

using ir::Bit;
using Clock = std::chrono::steady_clock;

namespace {

// Registers in the transitive structural support of the given bits: the cone of influence
// that a bounded unrolling must carry.
std::vector<char> coi(const ir::Netlist& n, const std::vector<int>& bits) {
  std::vector<char> in(n.regs.size(), 0);
  std::vector<int> work = support_regs(n, bits);
  while (!work.empty()) {
    int r = work.back();
    work.pop_back();
    if (in[size_t(r)]) continue;
    in[size_t(r)] = 1;
    for (int q : support_regs(n, {n.regs[size_t(r)].next}))
      if (!in[size_t(q)]) work.push_back(q);
  }
  return in;
}

ir::Netlist with_start(const ir::Netlist& n, const std::vector<uint8_t>& state) {
  ir::Netlist c = n;
  for (size_t r = 0; r < c.regs.size(); ++r) c.regs[r].reset = state[r] != 0;
  return c;
}

// A copy with one extra register loading `bit`: after a step it holds the bit's value during
// that step, which ir::Sim then shows.
ir::Netlist with_probe(const ir::Netlist& n, int bit) {
  ir::Netlist c = n;
  c.regs.push_back({"probe", bit, false, -1});
  c.verify("adding a probe register");
  return c;
}

std::vector<int> schedule(int k, int from) {
  std::vector<int> d;
  for (int x = std::max(from, 1); x < k; x *= 2) d.push_back(x);
  d.push_back(k);
  return d;
}

}  // namespace

struct Querier::Impl {
  Querier& q;
  Clock::time_point t0 = Clock::now();
  int calls = 0;
  explicit Impl(Querier& qq) : q(qq) {}

  double left() const {
    if (q.o_.timeout_s <= 0) return 0;
    double l = q.o_.timeout_s - std::chrono::duration<double>(Clock::now() - t0).count();
    return l > 0.001 ? l : -1;
  }
  bool out_of_time() const { return q.o_.timeout_s > 0 && left() < 0; }

  SatResult solve(Cnf& c) {
    if (out_of_time()) {
      SatResult r;
      r.timed_out = true;
      return r;
    }
    ++calls;
    return q.solver_->solve(c, left());
  }

  Vec token_inputs(Aig& g, int step, std::vector<Lit>& constraints, Encoder& enc) {
    Vec t;
    for (int i = 0; i < q.n_.token_bits; ++i) t.push_back(g.input(fmt::format("tok{}[{}]", step, i)));
    if (!q.o_.oov) {
      auto f = enc.frame(std::vector<Lit>(q.n_.regs.size(), kFalse), t);
      constraints.push_back(enc.token_valid(f));
    }
    return t;
  }

  int decode(const SatResult& s, const Vec& t) const {
    int v = 0;
    for (size_t i = 0; i < t.size(); ++i) v |= int(s.value(t[i])) << i;
    return v;
  }

  std::string tok_str(int v) const { return fmt::format("{}({})", token_label(q.n_, v), v); }
  std::string seq_str(const std::vector<int>& toks) const {
    std::string s = "[";
    for (size_t i = 0; i < toks.size(); ++i) s += (i ? " " : "") + tok_str(toks[i]);
    return s + "]";
  }
  std::string state_str(const std::vector<uint8_t>& st) const {
    std::string on;
    int k = 0;
    for (size_t r = 0; r < st.size(); ++r)
      if (st[r]) on += (k++ ? "," : "") + q.n_.regs[r].name;
    return fmt::format("{{{}}} on, the other {} registers off", on, st.size() - size_t(k));
  }
  std::string context_str(const std::vector<int>& codes) const {
    std::string s;
    for (size_t i = 0; i < codes.size(); ++i)
      s += (i ? ", " : "") + (codes[i] == 0 ? std::string("none") : tok_str(codes[i] - 1));
    return s;
  }
  std::vector<uint8_t> reset_state() const {
    std::vector<uint8_t> s;
    for (const auto& r : q.n_.regs) s.push_back(r.reset);
    return s;
  }
  json witness_json(const Witness& w) const {
    json j;
    if (!w.state.empty()) {
      std::string bits;
      for (auto b : w.state) bits += b ? '1' : '0';
      j["state"] = bits;
    }
    j["tokens"] = w.tokens;
    std::string txt;
    for (int t : w.tokens) txt += token_label(q.n_, t);
    j["token_labels"] = txt;
    if (w.step >= 0) j["step"] = w.step;
    if (w.token >= 0) j["token"] = w.token;
    if (!w.what.empty()) j["what"] = w.what;
    if (!w.context.empty()) {
      j["context_codes"] = w.context;
      std::string ctx;
      for (int c : w.context) ctx += c == 0 ? std::string("(none)") : token_label(q.n_, c - 1);
      j["context_labels"] = ctx;
    }
    return j;
  }
};

Querier::Querier(const Model& m, const QueryOptions& o) : m_(m), o_(o) {
  n_ = ir::from_model(m_);
  passes::drop_zero(n_);
  n_.verify("drop-zero");
  solver_ = std::make_unique<Solver>(o.solver);
  if (o.timeout_s < 0) throw Error(fmt::format("--timeout: expected a positive number of seconds, got {}", o.timeout_s));
}

Querier::~Querier() = default;

int Querier::resolve(const std::string& s, int* cmp_bit) const {
  *cmp_bit = -1;
  auto reg_of_next = [&](int b) {
    for (size_t r = 0; r < n_.regs.size(); ++r)
      if (n_.regs[r].next == b) return int(r);
    return -1;
  };
  if (!s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(uint8_t(c)); })) {
    long i = s.size() > 9 ? -1 : std::stol(s);
    for (size_t r = 0; r < n_.regs.size(); ++r)
      if (n_.regs[r].origin == i) return int(r);
    throw Error(fmt::format("--neuron: state bit {} does not exist; the model has {} state bits (0..{})", s,
                            n_.model_state_bits, n_.model_state_bits - 1));
  }
  for (size_t r = 0; r < n_.regs.size(); ++r)
    if (n_.regs[r].name == s) return int(r);
  std::vector<int> cands;
  for (size_t b = 0; b < n_.bits.size(); ++b) {
    const Bit& x = n_.bits[b];
    if (x.kind != Bit::Kind::Cmp) continue;
    if (x.name == s) cands = {int(b)};
  }
  if (cands.empty())
    for (size_t b = 0; b < n_.bits.size(); ++b) {
      const Bit& x = n_.bits[b];
      if (x.kind == Bit::Kind::Cmp && (x.name == s + "_on" || x.name.rfind(s + "_ge", 0) == 0)) cands.push_back(int(b));
    }
  if (cands.size() > 1) {
    std::string l;
    for (int b : cands) l += " " + n_.bits[size_t(b)].name;
    throw Error(fmt::format("--neuron: '{}' has {} comparators; name one of:{}", s, cands.size(), l));
  }
  if (cands.empty()) {
    std::string ex;
    for (const auto& b : n_.bits)
      if (b.kind == Bit::Kind::Cmp && ex.size() < 40) ex += " " + b.name;
    throw Error(fmt::format("--neuron: '{}' does not exist in model '{}': expected a state-bit index 0..{}, a register "
                            "name ({}..{}) or a comparator name (e.g.{})",
                            s, n_.model_name, n_.model_state_bits - 1, n_.regs.front().name, n_.regs.back().name, ex));
  }
  int r = reg_of_next(cands[0]);
  if (r >= 0) return r;
  *cmp_bit = cands[0];
  return -1;
}

QueryResult Querier::emit(int c, int limit) {
  Impl im(*this);
  if (c < 0 || c >= n_.vocab)
    throw Error(fmt::format("--token: token id {} does not exist; the vocabulary has {} tokens (0..{})", c, n_.vocab, n_.vocab - 1));
  if (limit < 1) throw Error(fmt::format("--limit: expected at least 1, got {}", limit));
  Aig g;
  std::vector<Lit> regs;
  for (const auto& r : n_.regs) regs.push_back(g.input(r.name));
  Encoder enc(g, n_);
  auto f = enc.frame(regs, Vec(size_t(n_.token_bits), kFalse));
  // A head.context model's prediction also reads the codes of the last two tokens: free inputs
  // here, limited to the codes a history produces.
  Vec cprev, clast;
  std::vector<Lit> roots;
  if (n_.has_context()) {
    for (int i = 0; i < enc.code_bits(); ++i) cprev.push_back(g.input(fmt::format("ctx_prev[{}]", i)));
    for (int i = 0; i < enc.code_bits(); ++i) clast.push_back(g.input(fmt::format("ctx_last[{}]", i)));
    enc.set_context(f, cprev, clast);
    roots.push_back(enc.code_valid(cprev));
    roots.push_back(enc.code_valid(clast));
  }
  Lit e = enc.emits(f, c);
  roots.push_back(e);
  std::vector<int> logit_bits;
  for (int s : n_.logits)
    for (const auto& t : n_.sums[size_t(s)].terms) logit_bits.push_back(t.bit);
  std::vector<int> support = support_regs(n_, logit_bits);
  Cnf cnf = tseitin(g, roots);
  for (Lit l : roots) cnf.unit(l);
  std::vector<Lit> ctx_bits = cprev;
  ctx_bits.insert(ctx_bits.end(), clast.begin(), clast.end());
  QueryResult res;
  res.detail["head_support"] = support.size();
  bool done = false;
  while (int(res.witnesses.size()) < limit) {
    SatResult s = im.solve(cnf);
    if (s.timed_out) break;
    if (s.status == SatResult::Status::Unsat) {
      done = true;
      break;
    }
    Witness w;
    w.state.assign(n_.regs.size(), 0);
    for (int r : support) w.state[size_t(r)] = s.value(regs[size_t(r)]);
    if (n_.has_context()) w.context = {im.decode(s, cprev), im.decode(s, clast)};
    // Replay on the interpreter before reporting.
    ir::Netlist c2 = with_start(n_, w.state);
    ir::Sim sim(c2);
    if (n_.has_context()) sim.set_context(w.context[0], w.context[1]);
    if (sim.argmax() != c)
      throw Error(fmt::format("internal error: emit witness does not replay: ir::Sim predicts {} instead of {}", sim.argmax(), c));
    res.witnesses.push_back(w);
    std::vector<int> block;  // exclude this assignment of the head's support
    for (int r : support) block.push_back(w.state[size_t(r)] ? -Cnf::lit(regs[size_t(r)]) : Cnf::lit(regs[size_t(r)]));
    for (Lit l : ctx_bits) block.push_back(s.value(l) ? -Cnf::lit(l) : Cnf::lit(l));
    if (block.empty()) {
      done = true;
      break;
    }
    cnf.add(block);
  }
  int k = int(res.witnesses.size());
  int free_regs = int(n_.regs.size() - support.size());
  std::string who = fmt::format("token {}", im.tok_str(c));
  if (k > 0) {
    res.answer = "yes";
    res.text = fmt::format("yes: {} is the argmax from state {}{}\n", who, im.state_str(res.witnesses[0].state),
                           n_.has_context() ? " after the tokens (" + im.context_str(res.witnesses[0].context) + ")" : "");
    res.text += fmt::format("  (replayed on ir::Sim; the head reads {} of {} registers, the other {} are free)\n", support.size(),
                            n_.regs.size(), free_regs);
    if (limit > 1) {
      std::string count = done ? fmt::format("exactly {}", k) : fmt::format("at least {} (limit or timeout reached)", k);
      res.text += fmt::format("  {} assignments of the head's {} support registers{} emit it, each extending to 2^{} states\n",
                              count, support.size(), n_.has_context() ? " and the last two tokens" : "", free_regs);
      for (const auto& w : res.witnesses)
        res.text += "  state " + im.state_str(w.state) +
                    (n_.has_context() ? " after (" + im.context_str(w.context) + ")" : std::string()) + "\n";
      res.detail["count"] = k;
      res.detail["count_exact"] = done;
    }
  } else if (done) {
    res.answer = "no";
    res.text = n_.has_context()
                   ? fmt::format("no: no state emits {} after any two tokens (proved for all 2^{} states and all {} "
                                 "pairs of head.context codes; the argmax is a function of the state and the last two "
                                 "tokens)\n",
                                 who, n_.regs.size(), (n_.vocab + 1) * (n_.vocab + 1))
                   : fmt::format("no: no state emits {} (proved for all 2^{} states; the argmax is a function of the "
                                 "state alone)\n",
                                 who, n_.regs.size());
  } else {
    res.answer = "timeout";
    res.text = fmt::format("timeout: {} s ran out before the solver answered whether {} can be emitted\n", o_.timeout_s, who);
  }
  for (const auto& w : res.witnesses) res.detail["witnesses"].push_back(im.witness_json(w));
  res.solver_calls = im.calls;
  res.seconds = std::chrono::duration<double>(Clock::now() - im.t0).count();
  return res;
}

QueryResult Querier::activate(const std::string& neuron, int steps) {
  Impl im(*this);
  if (steps < 1) throw Error(fmt::format("--steps: expected a bound of at least 1, got {}", steps));
  int cmp = -1;
  int reg = resolve(neuron, &cmp);
  std::string name = reg >= 0 ? n_.regs[size_t(reg)].name : n_.bits[size_t(cmp)].name;
  QueryResult res;
  res.detail["neuron"] = name;
  res.detail["steps"] = steps;
  if (reg >= 0 && n_.regs[size_t(reg)].reset) {
    res.answer = "yes";
    res.text = fmt::format("yes: {} is already on in the reset state (step 0)\n", name);
    res.witnesses.push_back(Witness{{}, {}, 0, -1, "", {}});
    return res;
  }
  int target_bit = reg >= 0 ? n_.regs[size_t(reg)].next : cmp;
  auto in = coi(n_, {target_bit});
  int proved = 0;
  for (int d : schedule(steps, 1)) {
    // Unroll d steps from reset: state_0 = reset; value_t = the neuron during step t
    // (= register value after step t for a register).
    Aig g;
    Encoder enc(g, n_);
    std::vector<Lit> cons, on;
    std::vector<Lit> regs;
    for (const auto& r : n_.regs) regs.push_back(r.reset ? kTrue : kFalse);
    std::vector<Vec> toks;
    for (int t = 0; t < d; ++t) {
      toks.push_back(im.token_inputs(g, t, cons, enc));
      auto f = enc.frame(regs, toks.back());
      on.push_back(enc.bit(f, target_bit));
      std::vector<Lit> nx(regs.size(), kFalse);
      for (size_t r = 0; r < regs.size(); ++r)
        if (in[r]) nx[r] = enc.next(f, int(r));
      regs = std::move(nx);
    }
    Lit goal = g.or_all(on);
    std::vector<Lit> roots = cons;
    roots.push_back(goal);
    Cnf cnf = tseitin(g, roots);
    for (Lit l : roots) cnf.unit(l);
    SatResult s = im.solve(cnf);
    if (s.timed_out) {
      res.answer = "timeout";
      res.bound = proved;
      res.text = fmt::format("timeout: after {} s; {}, the check for {} steps did not finish\n", o_.timeout_s,
                             proved ? fmt::format("{} cannot switch on within {} steps from reset (proved)", name, proved)
                                    : std::string("no bound proved yet"),
                             d);
      break;
    }
    if (s.status == SatResult::Status::Unsat) {
      proved = d;
      continue;
    }
    Witness w;
    int first = -1;
    for (int t = 0; t < d; ++t) {
      w.tokens.push_back(im.decode(s, toks[size_t(t)]));
      if (first < 0 && s.value(on[size_t(t)])) first = t;
    }
    w.tokens.resize(size_t(first + 1));
    w.step = first + 1;
    // Replay: the probe register shows the neuron's value during each step.
    ir::Netlist pn = with_probe(n_, target_bit);
    ir::Sim sim(pn);
    for (int t = 0; t <= first; ++t) {
      sim.step(w.tokens[size_t(t)]);
      bool v = sim.regs().back();
      if (t < first && v) w.step = t + 1, w.tokens.resize(size_t(t + 1));
      if (v) break;
      if (t == first) throw Error(fmt::format("internal error: activate witness for {} does not replay on ir::Sim", name));
    }
    if (reg >= 0) {  // the golden interpreter agrees on the register's origin bit
      ModelSim ms(m_);
      for (int t : w.tokens) ms.step(t);
      if (!ms.flat_state()[size_t(n_.regs[size_t(reg)].origin)])
        throw Error(fmt::format("internal error: activate witness for {} does not replay on tg::ModelSim", name));
    }
    res.answer = "yes";
    res.witnesses.push_back(w);
    res.text = fmt::format("yes: {} switches on at step {} from reset under tokens {} (replayed on ir::Sim{})\n", name,
                           w.step, im.seq_str(w.tokens), reg >= 0 ? " and tg::ModelSim" : "");
    break;
  }
  if (res.answer.empty()) {
    res.answer = "no";
    res.bound = steps;
    res.text = fmt::format("no: {} stays off for every input sequence of up to {} steps from reset (bound {})\n", name, steps, steps);
  }
  for (const auto& w : res.witnesses) res.detail["witnesses"].push_back(im.witness_json(w));
  res.solver_calls = im.calls;
  res.seconds = std::chrono::duration<double>(Clock::now() - im.t0).count();
  return res;
}

QueryResult Querier::reach(const std::vector<int>& text, int steps) {
  Impl im(*this);
  if (steps < 1) throw Error(fmt::format("--steps: expected a bound of at least 1, got {}", steps));
  if (text.empty()) throw Error("--text: expected at least one character");
  for (int t : text)
    if (t < 0 || t >= n_.vocab) throw Error(fmt::format("--text: token {} is not in the vocabulary", t));
  int m = int(text.size());
  QueryResult res;
  res.detail["steps"] = steps;
  res.detail["text_tokens"] = text;
  // Predictions are read from states 0..steps; the text needs m consecutive ones.
  if (m - 1 > steps) {
    res.answer = "no";
    res.bound = steps;
    res.text = fmt::format("no: {} predictions need at least {} steps after reset; the bound is {}\n", m, m - 1, steps);
    return res;
  }
  std::vector<int> logit_bits;
  for (int s : n_.logits)
    for (const auto& t : n_.sums[size_t(s)].terms) logit_bits.push_back(t.bit);
  auto in = coi(n_, logit_bits);
  int proved = 0;
  for (int d : schedule(steps, std::max(1, m - 1))) {
    Aig g;
    Encoder enc(g, n_);
    std::vector<Lit> cons;
    std::vector<Lit> regs;
    for (const auto& r : n_.regs) regs.push_back(r.reset ? kTrue : kFalse);
    std::vector<Vec> toks;
    std::vector<Encoder::Frame> frames;
    for (int t = 0; t <= d; ++t) {
      Vec tk = t < d ? im.token_inputs(g, t, cons, enc) : Vec(size_t(n_.token_bits), kFalse);
      toks.push_back(tk);
      frames.push_back(enc.frame(regs, tk));
      if (n_.has_context()) {  // frame t reads the codes of tokens t-2 and t-1
        Vec none = Aig::constant(0, enc.code_bits());
        Vec prev = t >= 2 ? enc.token_code(frames[size_t(t - 2)]) : none;
        Vec last = t >= 1 ? enc.token_code(frames[size_t(t - 1)]) : none;
        enc.set_context(frames.back(), prev, last);
      }
      if (t == d) break;
      std::vector<Lit> nx(regs.size(), kFalse);
      for (size_t r = 0; r < regs.size(); ++r)
        if (in[r]) nx[r] = enc.next(frames.back(), int(r));
      regs = std::move(nx);
    }
    // Emits[t][j]: state t predicts text[j]; start t0 works when all m hold.
    std::vector<Lit> starts;
    for (int t0 = 0; t0 + m - 1 <= d; ++t0) {
      std::vector<Lit> all;
      for (int j = 0; j < m; ++j) all.push_back(enc.emits(frames[size_t(t0 + j)], text[size_t(j)]));
      starts.push_back(g.and_all(all));
    }
    Lit goal = g.or_all(starts);
    std::vector<Lit> roots = cons;
    roots.push_back(goal);
    Cnf cnf = tseitin(g, roots);
    for (Lit l : roots) cnf.unit(l);
    SatResult s = im.solve(cnf);
    if (s.timed_out) {
      res.answer = "timeout";
      res.bound = proved;
      res.text = fmt::format("timeout: after {} s; {}, the check for {} steps did not finish\n", o_.timeout_s,
                             proved ? fmt::format("the text is not predicted within {} steps from reset (proved)", proved)
                                    : std::string("no bound proved yet"),
                             d);
      break;
    }
    if (s.status == SatResult::Status::Unsat) {
      proved = d;
      continue;
    }
    int t0 = 0;
    while (!s.value(starts[size_t(t0)])) ++t0;
    Witness w;
    for (int t = 0; t < t0 + m - 1; ++t) w.tokens.push_back(im.decode(s, toks[size_t(t)]));
    w.step = t0;
    // Replay on ir::Sim and on the golden interpreter.
    ir::Sim sim(n_);
    ModelSim ms(m_);
    for (int t = 0; t < t0 + m; ++t) {
      if (t >= t0 && (sim.argmax() != text[size_t(t - t0)] || ms.argmax() != text[size_t(t - t0)]))
        throw Error(fmt::format("internal error: reach witness does not replay at step {}: ir::Sim predicts {}, "
                                "tg::ModelSim {}, the text wants {}",
                                t, sim.argmax(), ms.argmax(), text[size_t(t - t0)]));
      if (t < int(w.tokens.size())) {
        sim.step(w.tokens[size_t(t)]);
        ms.step(w.tokens[size_t(t)]);
      }
    }
    res.answer = "yes";
    res.witnesses.push_back(w);
    res.text = fmt::format("yes: after tokens {} the machine predicts the text from step {} on (predictions read at "
                           "steps {}..{}; replayed on ir::Sim and tg::ModelSim)\n",
                           im.seq_str(std::vector<int>(w.tokens.begin(), w.tokens.begin() + t0)), t0, t0, t0 + m - 1);
    res.text += fmt::format("  full input sequence: {}\n", im.seq_str(w.tokens));
    break;
  }
  if (res.answer.empty()) {
    res.answer = "no";
    res.bound = steps;
    res.text = fmt::format("no: no input sequence makes the machine predict the text within {} steps from reset (bound {})\n",
                           steps, steps);
  }
  for (const auto& w : res.witnesses) res.detail["witnesses"].push_back(im.witness_json(w));
  res.solver_calls = im.calls;
  res.seconds = std::chrono::duration<double>(Clock::now() - im.t0).count();
  return res;
}

QueryResult Querier::flip(const std::string& neuron, const std::string& partial) {
  Impl im(*this);
  int cmp = -1;
  int reg = resolve(neuron, &cmp);
  std::string name = reg >= 0 ? n_.regs[size_t(reg)].name : n_.bits[size_t(cmp)].name;
  // The partial state: NAME=0|1, comma-separated.
  std::map<int, int> fixed;
  size_t pos = 0;
  while (pos < partial.size()) {
    size_t end = partial.find(',', pos);
    if (end == std::string::npos) end = partial.size();
    std::string item = partial.substr(pos, end - pos);
    pos = end + 1;
    item.erase(std::remove(item.begin(), item.end(), ' '), item.end());
    if (item.empty()) continue;
    size_t eq = item.find('=');
    if (eq == std::string::npos || (item.substr(eq + 1) != "0" && item.substr(eq + 1) != "1"))
      throw Error(fmt::format("--partial: expected NAME=0 or NAME=1, got '{}'", item));
    std::string rn = item.substr(0, eq);
    int r = -1;
    for (size_t i = 0; i < n_.regs.size(); ++i)
      if (n_.regs[i].name == rn) r = int(i);
    if (r < 0)
      throw Error(fmt::format("--partial: register '{}' does not exist; registers are {}..{}", rn, n_.regs.front().name,
                              n_.regs.back().name));
    if (fixed.count(r)) throw Error(fmt::format("--partial: register '{}' is given twice", rn));
    fixed[r] = item[eq + 1] - '0';
  }
  int target_bit = reg >= 0 ? n_.regs[size_t(reg)].next : cmp;
  Aig g;
  std::vector<Lit> regs;
  for (const auto& r : n_.regs) regs.push_back(g.input(r.name));
  Vec tok;
  for (int i = 0; i < n_.token_bits; ++i) tok.push_back(g.input(fmt::format("tok[{}]", i)));
  Encoder enc(g, n_);
  auto f = enc.frame(regs, tok);
  Lit v = enc.bit(f, target_bit);
  std::vector<int> support = support_regs(n_, {target_bit});
  if (reg >= 0 && std::find(support.begin(), support.end(), reg) == support.end()) support.push_back(reg);
  int codes = std::min(1 << n_.token_bits, o_.oov ? n_.vocab + 1 : n_.vocab);
  // A register target flips when its next value differs from its value (both directions are
  // asked); a comparator that is no register's next value is asked whether it can be on and
  // whether it can be off.
  struct Ask {
    std::string what;
    Lit goal;
    int cur;  // required current value of the register, -1 none
  };
  std::vector<Ask> asks;
  if (reg >= 0) {
    asks.push_back({"0->1", v, 0});
    asks.push_back({"1->0", lnot(v), 1});
  } else {
    asks.push_back({"on", v, -1});
    asks.push_back({"off", lnot(v), -1});
  }
  QueryResult res;
  res.detail["neuron"] = name;
  json table = json::array();
  std::string lines;
  std::vector<int> flipping;
  bool timed_out = false;
  for (int x = 0; x < codes && !timed_out; ++x) {
    json row = {{"token", x}, {"label", token_label(n_, x)}};
    std::vector<std::string> yes;
    for (const auto& a : asks) {
      if (a.cur >= 0 && fixed.count(reg) && fixed[reg] != a.cur) {
        row[a.what] = false;
        continue;
      }
      Cnf cnf = tseitin(g, {a.goal});
      cnf.unit(a.goal);
      for (int i = 0; i < n_.token_bits; ++i) cnf.unit((x >> i) & 1 ? tok[size_t(i)] : lnot(tok[size_t(i)]));
      for (auto [r, val] : fixed) cnf.unit(val ? regs[size_t(r)] : lnot(regs[size_t(r)]));
      if (a.cur >= 0) cnf.unit(a.cur ? regs[size_t(reg)] : lnot(regs[size_t(reg)]));
      SatResult s = im.solve(cnf);
      if (s.timed_out) {
        timed_out = true;
        break;
      }
      bool sat = s.status == SatResult::Status::Sat;
      row[a.what] = sat;
      if (!sat) continue;
      Witness w;
      w.state.assign(n_.regs.size(), 0);
      for (int r : support) w.state[size_t(r)] = s.value(regs[size_t(r)]);
      for (auto [r, val] : fixed) w.state[size_t(r)] = uint8_t(val);
      w.tokens = {x};
      w.token = x;
      w.what = a.what;
      // Replay: start from the witness state, one step with token x.
      ir::Netlist pn = with_probe(with_start(n_, w.state), target_bit);
      ir::Sim sim(pn);
      sim.step(x);
      bool val = sim.regs().back();
      bool ok = (a.what == "0->1" || a.what == "on") ? val : !val;
      if (a.cur >= 0) ok = ok && w.state[size_t(reg)] == a.cur && sim.regs()[size_t(reg)] == val;
      if (!ok) throw Error(fmt::format("internal error: flip witness ({} under token {}) does not replay on ir::Sim", a.what, x));
      row[a.what + "_witness"] = im.witness_json(w)["state"];
      res.witnesses.push_back(w);
      yes.push_back(a.what);
    }
    if (timed_out) break;
    table.push_back(row);
    std::string desc;
    if (reg >= 0) {
      desc = yes.empty() ? "never flips" : "flips " + fmt::format("{}", fmt::join(yes, " and "));
      if (!yes.empty()) flipping.push_back(x);
    } else {
      desc = yes.size() == 2 ? "on or off depending on the rest of the state" : yes.empty() ? "impossible" : "always " + yes[0];
      if (yes.size() == 2 || (yes.size() == 1 && yes[0] == "on")) flipping.push_back(x);
    }
    lines += fmt::format("  token {:<10} {}\n", im.tok_str(x), desc);
  }
  res.detail["tokens"] = table;
  std::string pstr = partial.empty() ? "no fixed bits" : partial;
  if (timed_out) {
    res.answer = "timeout";
    res.bound = int(table.size());
    res.text = fmt::format("timeout: after {} s, {} of {} tokens decided for {} under {}\n{}", o_.timeout_s, table.size(),
                           codes, name, pstr, lines);
  } else {
    res.answer = flipping.empty() ? "no" : "yes";
    if (reg >= 0)
      res.text = fmt::format("{}: {} of {} tokens can flip register {} under {} (every state completing it considered; "
                             "witnesses replayed on ir::Sim)\n{}",
                             res.answer, flipping.size(), codes, name, pstr, lines);
    else
      res.text = fmt::format("{}: {} of {} tokens can switch comparator {} on under {} (witnesses replayed on ir::Sim)\n{}",
                             res.answer, flipping.size(), codes, name, pstr, lines);
  }
  res.detail["flipping_tokens"] = flipping;
  res.solver_calls = im.calls;
  res.seconds = std::chrono::duration<double>(Clock::now() - im.t0).count();
  return res;
}

}  // namespace tg::analyze
