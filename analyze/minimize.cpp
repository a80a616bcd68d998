#include "minimize.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "util.hpp"

namespace tg::analyze {

std::vector<Cube> minimize_sop(int nvars, const std::vector<uint8_t>& truth) {
  if (nvars < 0 || nvars > 16 || truth.size() != (size_t(1) << nvars))
    throw Error("internal error: minimize_sop: bad truth table shape");
  uint32_t full = (1u << nvars) - 1;
  std::vector<uint32_t> ones;
  for (uint32_t m = 0; m < truth.size(); ++m)
    if (truth[m]) ones.push_back(m);
  if (ones.empty()) return {};
  if (ones.size() == truth.size()) return {Cube{0, 0}};
  // Merge cubes that differ in exactly one cared-for variable until nothing merges; what
  // never merged is prime.
  std::set<std::pair<uint32_t, uint32_t>> cur;  // (care, value)
  for (uint32_t m : ones) cur.insert({full, m});
  std::vector<Cube> primes;
  while (!cur.empty()) {
    std::set<std::pair<uint32_t, uint32_t>> next, merged;
    std::map<uint32_t, std::vector<uint32_t>> by_care;
    for (auto [care, value] : cur) by_care[care].push_back(value);
    for (auto& [care, values] : by_care) {
      std::set<uint32_t> vs(values.begin(), values.end());
      for (uint32_t v : values)
        for (int i = 0; i < nvars; ++i) {
          uint32_t bit = 1u << i;
          if (!(care & bit) || (v & bit)) continue;
          if (vs.count(v | bit)) {
            next.insert({care & ~bit, v});
            merged.insert({care, v});
            merged.insert({care, v | bit});
          }
        }
    }
    for (auto c : cur)
      if (!merged.count(c)) primes.push_back(Cube{c.second, c.first});
    cur = std::move(next);
  }
  // Cover.
  std::vector<Cube> cover;
  std::set<uint32_t> left(ones.begin(), ones.end());
  for (uint32_t m : ones) {
    const Cube* only = nullptr;
    int n = 0;
    for (const auto& p : primes)
      if (p.covers(m)) ++n, only = &p;
    if (n == 1 && std::find(cover.begin(), cover.end(), *only) == cover.end()) cover.push_back(*only);
  }
  for (const auto& c : cover)
    for (auto it = left.begin(); it != left.end();) it = c.covers(*it) ? left.erase(it) : std::next(it);
  while (!left.empty()) {
    const Cube* best = nullptr;
    int best_n = -1;
    for (const auto& p : primes) {
      int n = 0;
      for (uint32_t m : left) n += p.covers(m);
      if (n > best_n || (n == best_n && best && p.literals() < best->literals())) best = &p, best_n = n;
    }
    cover.push_back(*best);
    for (auto it = left.begin(); it != left.end();) it = best->covers(*it) ? left.erase(it) : std::next(it);
  }
  std::sort(cover.begin(), cover.end(), [](const Cube& a, const Cube& b) {
    return std::make_pair(a.literals(), std::make_pair(a.care, a.value)) <
           std::make_pair(b.literals(), std::make_pair(b.care, b.value));
  });
  return cover;
}

std::string cube_string(const Cube& c, const std::vector<std::string>& names) {
  if (c.care == 0) return "1";
  std::string s;
  for (size_t i = 0; i < names.size(); ++i) {
    if (!(c.care >> i & 1)) continue;
    if (!s.empty()) s += " & ";
    s += (c.value >> i & 1) ? names[i] : "!" + names[i];
  }
  return s;
}

std::string sop_string(const std::vector<Cube>& sop, const std::vector<std::string>& names) {
  if (sop.empty()) return "0";
  std::string s;
  for (const auto& c : sop) s += (s.empty() ? "" : " | ") + cube_string(c, names);
  return s;
}

std::string mv_sop_string(int nvars, const std::vector<std::string>& names, const std::vector<TokenClass>& classes,
                          int total_tokens) {
  // Join classes with equal tables.
  std::map<std::vector<uint8_t>, std::vector<std::string>> joined;
  for (const auto& c : classes) {
    auto& t = joined[c.truth];
    t.insert(t.end(), c.tokens.begin(), c.tokens.end());
  }
  std::vector<std::vector<uint8_t>> truth;
  std::vector<std::vector<std::string>> toks;
  for (auto& [t, tk] : joined) truth.push_back(t), toks.push_back(tk);
  size_t K = truth.size();
  // Products, each with the set of classes it is asserted for. Start from each class's own
  // cover, then expand every product to all classes where it is an implicant (the
  // multiple-valued "expand" step), merge equal products, and drop products that the others
  // cover (irredundant).
  struct Term {
    Cube c;
    std::vector<char> in;  // per class
  };
  std::vector<Term> terms;
  auto implicant = [&](const Cube& c, size_t k) {
    for (uint32_t m = 0; m < truth[k].size(); ++m)
      if (c.covers(m) && !truth[k][m]) return false;
    return true;
  };
  for (size_t k = 0; k < K; ++k)
    for (const Cube& c : minimize_sop(nvars, truth[k])) {
      if (std::any_of(terms.begin(), terms.end(), [&](const Term& t) { return t.c == c; })) continue;
      Term t{c, std::vector<char>(K, 0)};
      for (size_t q = 0; q < K; ++q) t.in[q] = implicant(c, q);
      terms.push_back(t);
    }
  // Irredundant: try dropping products with the most literals first.
  std::sort(terms.begin(), terms.end(), [](const Term& a, const Term& b) { return a.c.literals() > b.c.literals(); });
  for (size_t i = 0; i < terms.size();) {
    bool needed = false;
    for (size_t k = 0; k < K && !needed; ++k) {
      if (!terms[i].in[k]) continue;
      for (uint32_t m = 0; m < truth[k].size() && !needed; ++m) {
        if (!terms[i].c.covers(m)) continue;
        bool other = false;
        for (size_t j = 0; j < terms.size() && !other; ++j) other = j != i && terms[j].in[k] && terms[j].c.covers(m);
        needed = !other;
      }
    }
    if (needed) ++i;
    else terms.erase(terms.begin() + long(i));
  }
  if (terms.empty()) return "0";
  std::reverse(terms.begin(), terms.end());
  std::string s;
  for (const auto& t : terms) {
    std::vector<std::string> in, out;
    for (size_t k = 0; k < K; ++k)
      for (const auto& x : toks[k]) (t.in[k] ? in : out).push_back(x);
    std::sort(in.begin(), in.end());
    std::sort(out.begin(), out.end());
    std::string guard;
    if (int(in.size()) < total_tokens) {
      const auto& list = out.size() < in.size() ? out : in;
      guard = out.size() < in.size() ? "tok not in {" : "tok in {";
      for (size_t i = 0; i < list.size(); ++i) guard += (i ? "," : "") + list[i];
      guard += "}";
    }
    std::string prod = t.c.care == 0 ? guard : (guard.empty() ? cube_string(t.c, names) : guard + " & " + cube_string(t.c, names));
    if (prod.empty()) prod = "1";
    s += (s.empty() ? "" : " | ") + prod;
  }
  return s;
}

}  // namespace tg::analyze
