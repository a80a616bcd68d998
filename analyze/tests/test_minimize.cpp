#include <gtest/gtest.h>

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
  EXPECT_EQ(mv_sop_string(1, {"a"}, cl, 3), "tok in {z} | tok in {x,y} & a");
}

}  // namespace
}  // namespace tg::analyze
