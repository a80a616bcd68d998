#include <gtest/gtest.h>

#include "models.hpp"
#include "random_model.hpp"
#include "tracking.hpp"

namespace tg::analyze {
namespace {

TEST(Tracking, FatesOfAHandBuiltModel) {
  Model m = parse_model(testing::kFatesModel, "fates");
  Tracked t = track_passes(ir::from_model(m));
  EXPECT_EQ(t.fate["n0_on"].status, "kept");
  EXPECT_EQ(t.fate["n1_on"].status, "duplicate");
  EXPECT_EQ(t.fate["n1_on"].twin, "n0_on");
  EXPECT_EQ(t.fate["n1_on"].pass, "merge");
  EXPECT_EQ(t.fate["h1"].status, "duplicate");  // same next bit and reset as h0 once n1 merged
  EXPECT_EQ(t.fate["h1"].twin, "h0");
  EXPECT_EQ(t.fate["n2_on"].status, "constant");
  EXPECT_EQ(t.fate["n2_on"].value, 1);
  EXPECT_EQ(t.fate["n2_on"].pass, "fold-const");
  EXPECT_EQ(t.fate["n3_on"].status, "dead");
  EXPECT_EQ(t.fate["h3"].status, "dead");
  EXPECT_EQ(t.fate["h2"].status, "kept");  // reset 0, then 1: not a constant
}

TEST(Tracking, EveryRemovedComparatorHasAFate) {
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    RandomModelOptions o;
    o.hidden = 24;
    o.vocab = 7;
    o.degenerate = true;
    o.cell = seed % 2 ? "elman" : "gated";
    o.seed = seed;
    Tracked t = track_passes(ir::from_model(random_model(o)));
    int kept_plain = 0, kept_opt = 0;
    for (const auto& b : t.plain.bits)
      if (b.kind == ir::Bit::Kind::Cmp && t.fate[b.name].status == "kept") ++kept_plain;
    for (const auto& b : t.optimised.bits)
      if (b.kind == ir::Bit::Kind::Cmp) ++kept_opt;
    EXPECT_EQ(kept_plain, kept_opt) << "seed " << seed;
    int regs_kept = 0;
    for (const auto& r : t.plain.regs) regs_kept += t.fate[r.name].status == "kept";
    EXPECT_EQ(regs_kept, int(t.optimised.regs.size())) << "seed " << seed;
  }
}

}  // namespace
}  // namespace tg::analyze
