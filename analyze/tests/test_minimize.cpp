#include <gtest/gtest.h>

#include <algorithm>

#include "minimize.hpp"
#include "random_model.hpp"

namespace tg::analyze {
namespace {

TEST(Minimize, KnownFunctions) {
  // majority of three: ab | ac | bc
  std::vector<uint8_t> maj(8);
  for (uint32_t m = 0; m < 8; ++m) maj[m] = __builtin_popcount(m) >= 2;
  auto s = minimize_sop(3, maj);
  EXPECT_EQ(s.size(), 3u);
  for (const auto& c : s) EXPECT_EQ(c.literals(), 2);
  EXPECT_EQ(sop_string(minimize_sop(2, {0, 1, 1, 0}), {"a", "b"}), "a & !b | !a & b");
  EXPECT_EQ(sop_string(minimize_sop(2, {0, 0, 0, 0}), {"a", "b"}), "0");
  EXPECT_EQ(sop_string(minimize_sop(2, {1, 1, 1, 1}), {"a", "b"}), "1");
  EXPECT_EQ(sop_string(minimize_sop(3, {0, 1, 0, 1, 0, 1, 0, 1}), {"a", "b", "c"}), "a");
}

TEST(Minimize, CoversExactlyTheFunction) {
  Rng r(42);
  for (int trial = 0; trial < 200; ++trial) {
    int n = 1 + r.below(6);
    std::vector<uint8_t> t(size_t(1) << n);
    for (auto& x : t) x = r.chance(0.4);
    auto s = minimize_sop(n, t);
    for (uint32_t m = 0; m < t.size(); ++m) {
      bool v = false;
      for (const auto& c : s) v |= c.covers(m);
      ASSERT_EQ(v, bool(t[m])) << "trial " << trial;
    }
  }
}

TEST(Minimize, TokenClassesShareProducts) {
  // f = a when tok in {x, y}; f = 1 when tok = z.
  std::vector<TokenClass> cl = {{{"x"}, {0, 1}}, {{"y"}, {0, 1}}, {{"z"}, {1, 1}}};
  EXPECT_EQ(mv_sop_string(1, {"a"}, cl, 3), "tok in {z} | a");
}

// Evaluates an expression printed by mv_sop_string.
bool eval_expr(const std::string& e, const std::vector<std::string>& names, uint32_t m, const std::string& tok) {
  auto split = [](const std::string& s, const std::string& sep) {
    std::vector<std::string> out;
    size_t p = 0;
    for (size_t q; (q = s.find(sep, p)) != std::string::npos; p = q + sep.size()) out.push_back(s.substr(p, q - p));
    out.push_back(s.substr(p));
    return out;
  };
  if (e == "0") return false;
  for (const auto& prod : split(e, " | ")) {
    bool all = true;
    for (const auto& lit : split(prod, " & ")) {
      bool v;
      if (lit == "1") v = true;
      else if (lit.rfind("tok ", 0) == 0) {
        bool neg = lit.rfind("tok not in {", 0) == 0;
        std::string body = lit.substr(lit.find('{') + 1);
        body.pop_back();
        bool in = false;
        for (const auto& t : split(body, ",")) in |= t == tok;
        v = in != neg;
      } else {
        bool neg = lit[0] == '!';
        std::string nm = neg ? lit.substr(1) : lit;
        size_t i = size_t(std::find(names.begin(), names.end(), nm) - names.begin());
        EXPECT_LT(i, names.size()) << nm;
        v = bool((m >> i) & 1) != neg;
      }
      all = all && v;
    }
    if (all) return true;
  }
  return false;
}

TEST(Minimize, TokenExpressionsEvaluateToTheFunction) {
  Rng r(7);
  std::vector<std::string> names = {"h0", "h1", "h2", "h3"};
  for (int trial = 0; trial < 100; ++trial) {
    int n = 1 + r.below(4);
    std::vector<std::string> nm(names.begin(), names.begin() + n);
    std::vector<TokenClass> cl;
    int ntok = 1 + r.below(5);
    for (int k = 0; k < ntok; ++k) {
      TokenClass c{{std::string(1, char('a' + k))}, std::vector<uint8_t>(size_t(1) << n)};
      // a threshold function, as neurons compute
      int th = r.range(0, n + 1);
      for (uint32_t m = 0; m < c.truth.size(); ++m) c.truth[m] = __builtin_popcount(m) >= th;
      cl.push_back(c);
    }
    std::string e = mv_sop_string(n, nm, cl, ntok);
    for (const auto& c : cl)
      for (uint32_t m = 0; m < c.truth.size(); ++m)
        ASSERT_EQ(eval_expr(e, nm, m, c.tokens[0]), bool(c.truth[m])) << e << " token " << c.tokens[0] << " m " << m;
  }
}

}  // namespace
}  // namespace tg::analyze
