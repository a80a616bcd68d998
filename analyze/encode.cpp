#include "encode.hpp"

#include <algorithm>

#include "util.hpp"

namespace tg::analyze {

using ir::Bit;

Encoder::Frame Encoder::frame(std::vector<Lit> regs, Vec token) const {
  if (regs.size() != n_.regs.size() || int(token.size()) != n_.token_bits)
    throw Error("internal error: frame shape does not match the netlist");
  Frame f;
  f.regs = std::move(regs);
  f.token = std::move(token);
  f.bit.assign(n_.bits.size(), kUnset);
  return f;
}

Lit Encoder::token_is(Frame& f, int code) {
  if (f.minterms.empty()) {
    int codes = 1 << n_.token_bits;
    for (int x = 0; x < codes; ++x) {
      std::vector<Lit> lits;
      for (int i = 0; i < n_.token_bits; ++i) lits.push_back(((x >> i) & 1) ? f.token[size_t(i)] : lnot(f.token[size_t(i)]));
      f.minterms.push_back(g_.and_all(lits));
    }
  }
  if (code < 0 || code >= int(f.minterms.size())) return kFalse;
  return f.minterms[size_t(code)];
}

Lit Encoder::token_valid(Frame& f) {
  // token < vocab, as an unsigned comparison with a constant
  return lnot(g_.ge_const(f.token, n_.vocab));
}

const std::pair<Vec, int64_t>& Encoder::sum(Frame& f, int s) {
  auto it = f.sums.find(s);
  if (it != f.sums.end()) return it->second;
  const ir::Sum& sm = n_.sums[size_t(s)];
  std::vector<Lit> lits;
  int64_t c = sm.offset;
  for (const auto& t : sm.terms) {
    if (t.weight == 0) continue;
    Lit l = bit(f, t.bit);
    if (t.weight > 0) {
      lits.push_back(l);
    } else {
      lits.push_back(lnot(l));
      c -= 1;
    }
  }
  Vec v = g_.popcount(lits);
  if (sm.table >= 0) {
    auto tit = f.tables.find(sm.table);
    if (tit == f.tables.end()) {
      const auto& tb = n_.tables[size_t(sm.table)];
      int codes = 1 << n_.token_bits;
      std::vector<int64_t> val(size_t(codes), 0);
      for (int x = 0; x < codes && x < n_.vocab; ++x) val[size_t(x)] = tb[size_t(x)];
      int64_t mn = *std::min_element(val.begin(), val.end());
      int64_t mx = *std::max_element(val.begin(), val.end());
      int w = 0;
      while (((mx - mn) >> w) != 0) ++w;
      Vec tv;
      for (int b = 0; b < w; ++b) {
        std::vector<Lit> on;
        for (int x = 0; x < codes; ++x)
          if (((val[size_t(x)] - mn) >> b) & 1) on.push_back(token_is(f, x));
        tv.push_back(g_.or_all(on));
      }
      tit = f.tables.emplace(sm.table, std::make_pair(tv, mn)).first;
    }
    v = g_.add(v, tit->second.first);
    c += tit->second.second;
  }
  return f.sums.emplace(s, std::make_pair(v, c)).first->second;
}

Lit Encoder::bit(Frame& f, int b) {
  if (f.bit[size_t(b)] != kUnset) return f.bit[size_t(b)];
  const Bit& x = n_.bits[size_t(b)];
  Lit r = kFalse;
  switch (x.kind) {
    case Bit::Kind::Const: r = x.a ? kTrue : kFalse; break;
    case Bit::Kind::State: r = f.regs[size_t(x.a)]; break;
    case Bit::Kind::Cmp: {
      const auto& [v, c] = sum(f, x.a);
      r = g_.ge_const(v, int64_t(x.b) - c);
      break;
    }
    case Bit::Kind::Mux: {
      Lit s = bit(f, x.a), t = bit(f, x.b), e = bit(f, x.c);
      r = g_.mux(s, t, e);
      break;
    }
  }
  f.bit[size_t(b)] = r;
  return r;
}

int Encoder::code_bits() const {
  int w = 1;
  while ((n_.vocab >> w) != 0) ++w;  // codes 0..vocab
  return w;
}

Vec Encoder::token_code(Frame& f) {
  Vec plus = g_.add_const(f.token, 1);
  plus.resize(size_t(code_bits()), kFalse);  // valid tokens are < vocab, so token + 1 fits
  Lit ok = token_valid(f);
  return g_.mux_vec(ok, plus, Aig::constant(0, code_bits()));
}

Lit Encoder::code_valid(const Vec& code) { return lnot(g_.ge_const(code, n_.vocab + 1)); }

void Encoder::set_context(Frame& f, Vec prev, Vec last) const {
  if (int(prev.size()) != code_bits() || int(last.size()) != code_bits())
    throw Error("internal error: head.context code width does not match the netlist");
  f.ctx_prev = std::move(prev);
  f.ctx_last = std::move(last);
  f.ctx_mprev.clear();
  f.ctx_mlast.clear();
  f.ctx_cols.clear();
}

const std::pair<Vec, int64_t>& Encoder::context_column(Frame& f, int i) {
  auto it = f.ctx_cols.find(i);
  if (it != f.ctx_cols.end()) return it->second;
  if (f.ctx_last.empty()) throw Error("internal error: the logits of a head.context model need the frame's context codes");
  const int V1 = n_.vocab + 1;
  auto decode = [&](const Vec& code, std::vector<Lit>& m) {
    if (!m.empty()) return;
    for (int x = 0; x < V1; ++x) {
      std::vector<Lit> lits;
      for (size_t b = 0; b < code.size(); ++b) lits.push_back(((x >> b) & 1) ? code[b] : lnot(code[b]));
      m.push_back(g_.and_all(lits));
    }
  };
  decode(f.ctx_prev, f.ctx_mprev);
  decode(f.ctx_last, f.ctx_mlast);
  auto [mn, mx] = n_.context_column_range(i);
  int w = 0;
  while (((int64_t(mx) - mn) >> w) != 0) ++w;
  Vec v;
  for (int b = 0; b < w; ++b) {
    std::vector<Lit> terms;
    for (int p = 0; p < V1; ++p) {
      std::vector<Lit> on;
      for (int l = 0; l < V1; ++l)
        if (((n_.context.at(p * V1 + l, i) - mn) >> b) & 1) on.push_back(f.ctx_mlast[size_t(l)]);
      if (!on.empty()) terms.push_back(g_.and_(f.ctx_mprev[size_t(p)], g_.or_all(on)));
    }
    v.push_back(g_.or_all(terms));
  }
  return f.ctx_cols.emplace(i, std::make_pair(v, int64_t(mn))).first->second;
}

std::vector<Vec> Encoder::logit_vecs(Frame& f) {
  std::vector<std::pair<Vec, int64_t>> z;
  int64_t m = 0;
  for (size_t v = 0; v < n_.logits.size(); ++v) {
    z.push_back(sum(f, n_.logits[v]));
    if (int i = n_.context_column(int(v)); i >= 0) {
      const auto& [cv, cmin] = context_column(f, i);
      z.back() = {g_.add(z.back().first, cv), z.back().second + cmin};
    }
    m = v == 0 ? z.back().second : std::min(m, z.back().second);
  }
  std::vector<Vec> out;
  for (auto& [vec, c] : z) out.push_back(g_.add_const(vec, c - m));
  return out;
}

Lit Encoder::emits(Frame& f, int c) {
  auto z = logit_vecs(f);
  std::vector<Lit> conds;
  for (int v = 0; v < int(z.size()); ++v) {
    if (v == c) continue;
    conds.push_back(v < c ? g_.gt(z[size_t(c)], z[size_t(v)]) : g_.ge(z[size_t(c)], z[size_t(v)]));
  }
  return g_.and_all(conds);
}

Vec Encoder::argmax(Frame& f) {
  auto z = logit_vecs(f);
  Vec best = z[0];
  Vec idx = Aig::constant(0, n_.token_bits);
  for (int v = 1; v < int(z.size()); ++v) {
    Lit better = g_.gt(z[size_t(v)], best);  // strictly greater: the lowest index wins ties
    best = g_.mux_vec(better, z[size_t(v)], best);
    idx = g_.mux_vec(better, Aig::constant(v, n_.token_bits), idx);
  }
  idx.resize(size_t(n_.token_bits), kFalse);
  return idx;
}

std::vector<int> support_regs(const ir::Netlist& n, const std::vector<int>& bits, bool* reads_token) {
  std::vector<char> seen(n.bits.size(), 0), sum_seen(n.sums.size(), 0);
  std::vector<int> work(bits.begin(), bits.end()), regs;
  bool tok = false;
  while (!work.empty()) {
    int b = work.back();
    work.pop_back();
    if (seen[size_t(b)]) continue;
    seen[size_t(b)] = 1;
    const Bit& x = n.bits[size_t(b)];
    switch (x.kind) {
      case Bit::Kind::Const: break;
      case Bit::Kind::State: regs.push_back(x.a); break;
      case Bit::Kind::Cmp:
        if (!sum_seen[size_t(x.a)]) {
          sum_seen[size_t(x.a)] = 1;
          const auto& s = n.sums[size_t(x.a)];
          tok |= s.table >= 0;
          for (const auto& t : s.terms)
            if (t.weight != 0) work.push_back(t.bit);
        }
        break;
      case Bit::Kind::Mux:
        work.push_back(x.a);
        work.push_back(x.b);
        work.push_back(x.c);
        break;
    }
  }
  std::sort(regs.begin(), regs.end());
  regs.erase(std::unique(regs.begin(), regs.end()), regs.end());
  if (reads_token) *reads_token = tok;
  return regs;
}

}  // namespace tg::analyze
