#include "aig.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "util.hpp"

namespace tg::analyze {

Aig::Aig() { nodes_.push_back({Kind::Const}); }

Lit Aig::input(const std::string& name) {
  nodes_.push_back({Kind::Input});
  inputs_.push_back(uint32_t(nodes_.size() - 1));
  input_names_.push_back(name);
  return lit_of(uint32_t(nodes_.size() - 1));
}

Lit Aig::latch(const std::string& name, bool init) {
  nodes_.push_back({Kind::Latch});
  latches_.push_back({uint32_t(nodes_.size() - 1), 0, init, name});
  return lit_of(uint32_t(nodes_.size() - 1));
}

void Aig::set_next(Lit l, Lit next) {
  for (auto& x : latches_)
    if (x.var == var_of(l)) {
      x.next = next;
      return;
    }
  throw Error("internal error: set_next on a literal that is not a latch");
}

Lit Aig::and_(Lit a, Lit b) {
  if (a > b) std::swap(a, b);
  if (a == kFalse) return kFalse;
  if (a == kTrue) return b;
  if (a == b) return a;
  if (a == lnot(b)) return kFalse;
  uint64_t key = (uint64_t(a) << 32) | b;
  auto it = strash_.find(key);
  if (it != strash_.end()) return it->second;
  nodes_.push_back({Kind::And, a, b});
  ++ands_;
  Lit l = lit_of(uint32_t(nodes_.size() - 1));
  strash_.emplace(key, l);
  return l;
}

Lit Aig::and_all(const std::vector<Lit>& v) {
  // Balanced, so that deep conjunctions keep a logarithmic depth.
  if (v.empty()) return kTrue;
  std::vector<Lit> cur = v;
  while (cur.size() > 1) {
    std::vector<Lit> nxt;
    for (size_t i = 0; i + 1 < cur.size(); i += 2) nxt.push_back(and_(cur[i], cur[i + 1]));
    if (cur.size() % 2) nxt.push_back(cur.back());
    cur = std::move(nxt);
  }
  return cur[0];
}

Lit Aig::or_all(const std::vector<Lit>& v) {
  std::vector<Lit> n;
  for (Lit l : v) n.push_back(lnot(l));
  return lnot(and_all(n));
}

Vec Aig::constant(int64_t k, int width) {
  Vec v;
  for (int i = 0; i < width; ++i) v.push_back((k >> i) & 1 ? kTrue : kFalse);
  return v;
}

// Ripple-carry addition; the result is one bit wider than the wider operand (trailing
// constant-false bits are trimmed so widths stay tight).
Vec Aig::add(const Vec& a, const Vec& b) {
  size_t w = std::max(a.size(), b.size());
  Vec s;
  Lit c = kFalse;
  for (size_t i = 0; i < w; ++i) {
    Lit x = i < a.size() ? a[i] : kFalse, y = i < b.size() ? b[i] : kFalse;
    Lit xy = xor_(x, y);
    s.push_back(xor_(xy, c));
    c = or_(and_(x, y), and_(c, xy));
  }
  s.push_back(c);
  while (!s.empty() && s.back() == kFalse) s.pop_back();
  return s;
}

Vec Aig::add_const(const Vec& a, int64_t k) {
  if (k < 0) throw Error("internal error: add_const of a negative constant");
  int w = 0;
  while ((k >> w) != 0) ++w;
  return add(a, constant(k, w));
}

// Popcount by recursive halving: count each half, add the two counts. For n inputs this is
// O(n) full adders, the same order as a compressor tree, and keeps the AIG small.
Vec Aig::popcount(const std::vector<Lit>& bits) {
  if (bits.empty()) return {};
  if (bits.size() == 1) return {bits[0]};
  size_t h = bits.size() / 2;
  std::vector<Lit> lo(bits.begin(), bits.begin() + long(h)), hi(bits.begin() + long(h), bits.end());
  return add(popcount(lo), popcount(hi));
}

// a >= k, scanning from the least significant bit: r holds "a's low bits >= k's low bits";
// where k has a 1 the new bit must be 1 and the rest >=; where k has a 0 a 1 decides it.
Lit Aig::ge_const(const Vec& a, int64_t k) {
  if (k <= 0) return kTrue;
  if (a.size() < 63 && k >= (int64_t(1) << a.size())) return kFalse;
  Lit r = kTrue;
  for (size_t i = 0; i < a.size(); ++i) r = ((k >> i) & 1) ? and_(a[i], r) : or_(a[i], r);
  return r;
}

static Lit compare(Aig& g, const Vec& a, const Vec& b, Lit r) {
  size_t w = std::max(a.size(), b.size());
  for (size_t i = 0; i < w; ++i) {
    Lit x = i < a.size() ? a[i] : kFalse, y = i < b.size() ? b[i] : kFalse;
    r = g.or_(g.and_(x, lnot(y)), g.and_(lnot(g.xor_(x, y)), r));
  }
  return r;
}

Lit Aig::ge(const Vec& a, const Vec& b) { return compare(*this, a, b, kTrue); }
Lit Aig::gt(const Vec& a, const Vec& b) { return compare(*this, a, b, kFalse); }

Vec Aig::mux_vec(Lit s, const Vec& t, const Vec& e) {
  size_t w = std::max(t.size(), e.size());
  Vec r;
  for (size_t i = 0; i < w; ++i) r.push_back(mux(s, i < t.size() ? t[i] : kFalse, i < e.size() ? e[i] : kFalse));
  return r;
}

std::vector<char> Aig::cone(const std::vector<Lit>& roots, bool through_latches) const {
  std::vector<char> in(nodes_.size(), 0);
  std::vector<uint32_t> work;
  std::vector<int> latch_of;
  if (through_latches) {
    latch_of.assign(nodes_.size(), -1);
    for (size_t i = 0; i < latches_.size(); ++i) latch_of[latches_[i].var] = int(i);
  }
  auto push = [&](Lit l) {
    uint32_t v = var_of(l);
    if (!in[v]) {
      in[v] = 1;
      work.push_back(v);
    }
  };
  for (Lit l : roots) push(l);
  while (!work.empty()) {
    uint32_t v = work.back();
    work.pop_back();
    const Node& n = nodes_[v];
    if (n.kind == Kind::And) {
      push(n.a);
      push(n.b);
    } else if (n.kind == Kind::Latch && through_latches) {
      push(latches_[size_t(latch_of[v])].next);
    }
  }
  return in;
}

int Aig::count_ands(const std::vector<Lit>& roots, bool through_latches) const {
  auto c = cone(roots, through_latches);
  int n = 0;
  for (size_t v = 0; v < nodes_.size(); ++v) n += c[v] && nodes_[v].kind == Kind::And;
  return n;
}

void Aig::eval(std::vector<uint8_t>& val) const {
  val.resize(nodes_.size());
  val[0] = 0;
  for (size_t v = 1; v < nodes_.size(); ++v)
    if (nodes_[v].kind == Kind::And) val[v] = value(val, nodes_[v].a) && value(val, nodes_[v].b);
}

std::string Aig::to_aag(const std::vector<std::string>& comments) const {
  // AIGER wants inputs, then latches, then ANDs numbered in that order; renumber the cone of
  // the outputs and latch functions.
  std::vector<Lit> roots = outputs;
  for (const auto& l : latches_) roots.push_back(l.next);
  auto in = cone(roots, true);
  std::vector<uint32_t> map(nodes_.size(), 0);
  uint32_t next = 1;
  for (uint32_t v : inputs_) map[v] = next++;
  for (const auto& l : latches_) map[l.var] = next++;
  std::vector<uint32_t> ands;
  for (size_t v = 0; v < nodes_.size(); ++v)
    if (in[v] && nodes_[v].kind == Kind::And) {
      map[v] = next++;
      ands.push_back(uint32_t(v));
    }
  auto m = [&](Lit l) { return 2 * map[var_of(l)] + (l & 1u); };
  std::string s = fmt::format("aag {} {} {} {} {}\n", next - 1, inputs_.size(), latches_.size(), outputs.size(), ands.size());
  for (uint32_t v : inputs_) s += fmt::format("{}\n", 2 * map[v]);
  for (const auto& l : latches_) s += fmt::format("{} {} {}\n", 2 * map[l.var], m(l.next), l.init ? 1 : 0);
  for (Lit o : outputs) s += fmt::format("{}\n", m(o));
  for (uint32_t v : ands) {
    Lit a = m(nodes_[v].a), b = m(nodes_[v].b);
    s += fmt::format("{} {} {}\n", 2 * map[v], std::max(a, b), std::min(a, b));
  }
  for (size_t i = 0; i < inputs_.size(); ++i) s += fmt::format("i{} {}\n", i, input_names_[i]);
  for (size_t i = 0; i < latches_.size(); ++i) s += fmt::format("l{} {}\n", i, latches_[i].name);
  for (size_t i = 0; i < outputs.size(); ++i) s += fmt::format("o{} {}\n", i, output_names[i]);
  s += "c\n";
  for (const auto& c : comments) s += c + "\n";
  return s;
}

std::string Aig::to_blif(const std::string& model) const {
  auto in = cone(outputs, false);
  auto name = [&](uint32_t v) { return fmt::format("v{}", v); };
  std::string s = ".model " + model + "\n.inputs";
  for (uint32_t v : inputs_) s += " " + name(v);
  for (const auto& l : latches_) s += " " + name(l.var);
  s += "\n.outputs";
  for (size_t i = 0; i < outputs.size(); ++i) s += fmt::format(" o{}", i);
  s += "\n";
  for (size_t v = 1; v < nodes_.size(); ++v) {
    if (!in[v] || nodes_[v].kind != Kind::And) continue;
    Lit a = nodes_[v].a, b = nodes_[v].b;
    s += fmt::format(".names {} {} {}\n{}{} 1\n", name(var_of(a)), name(var_of(b)), name(uint32_t(v)), (a & 1) ? 0 : 1,
                     (b & 1) ? 0 : 1);
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    Lit o = outputs[i];
    if (var_of(o) == 0) s += fmt::format(".names o{}\n{}", i, o == kTrue ? "1\n" : "");
    else s += fmt::format(".names {} o{}\n{} 1\n", name(var_of(o)), i, (o & 1) ? 0 : 1);
  }
  return s + ".end\n";
}

std::string Cnf::dimacs() const {
  std::string s;
  for (const auto& c : comments) s += "c " + c + "\n";
  s += fmt::format("p cnf {} {}\n", num_vars, clauses.size());
  for (const auto& c : clauses) {
    for (int l : c) s += fmt::format("{} ", l);
    s += "0\n";
  }
  return s;
}

Cnf tseitin(const Aig& g, const std::vector<Lit>& roots) {
  Cnf c;
  c.num_vars = int(g.num_vars());
  c.add({-1});  // the constant
  auto in = g.cone(roots, false);
  for (uint32_t v = 1; v < g.num_vars(); ++v) {
    if (!in[v] || g.node(v).kind != Aig::Kind::And) continue;
    int o = int(v) + 1, a = Cnf::lit(g.node(v).a), b = Cnf::lit(g.node(v).b);
    // o <-> a & b
    c.add({-o, a});
    c.add({-o, b});
    c.add({o, -a, -b});
  }
  return c;
}

}  // namespace tg::analyze
