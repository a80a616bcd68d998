// The analyze report on a hand-built model whose fates, expressions and graph are known.
#include <gtest/gtest.h>

#include <filesystem>

#include "analysis.hpp"
#include "models.hpp"

namespace tg::analyze {
namespace {

TEST(Analysis, ReportOfAHandBuiltModel) {
  Model m = parse_model(testing::kFatesModel, "fates");
  AnalyzeOptions o;
  o.outdir = ::testing::TempDir() + "/analysis_fates";
  o.render = false;
  auto r = analyze_model(m, "fates.json", o);
  std::map<std::string, nlohmann::json> by;
  for (const auto& n : r["neurons"]) by[n["name"].get<std::string>()] = n;
  ASSERT_EQ(by.size(), 4u);
  EXPECT_EQ(by["n0_on"]["status"], "kept");
  EXPECT_EQ(by["n0_on"]["expression"], "tok in {a}");  // n0 = [tok == a]
  EXPECT_EQ(by["n0_on"]["fanin"], 0);
  EXPECT_EQ(by["n1_on"]["status"], "duplicate");
  EXPECT_EQ(by["n1_on"]["duplicate_of"], "n0_on");
  EXPECT_EQ(by["n2_on"]["status"], "constant");
  EXPECT_EQ(by["n2_on"]["expression"], "1");
  EXPECT_EQ(by["n2_on"]["aig_ands"], 0);
  EXPECT_EQ(by["n3_on"]["status"], "dead");
  EXPECT_EQ(by["n3_on"]["expression"], "h1");  // n3 = [h1 >= 1]
  EXPECT_EQ(by["n3_on"]["abc_ands"], 0);       // a wire
  // Kept registers h0 and h2; h2's next is constant 1, h0 reads the token: no edges.
  EXPECT_EQ(r["graph"]["nodes"], 2);
  EXPECT_EQ(r["graph"]["edges"], 0);
  EXPECT_EQ(r["graph"]["module_sizes"], nlohmann::json({1, 1}));
  EXPECT_EQ(r["fates"]["registers"]["duplicate"], 1);
  EXPECT_EQ(r["fates"]["registers"]["dead"], 1);
  // Gate steps: lowered >= after passes, and ABC ran.
  const auto& steps = r["gates"]["steps"];
  ASSERT_EQ(steps.size(), 4u);
  EXPECT_GE(steps[0]["ands"].get<int>(), steps[1]["ands"].get<int>());
  for (const char* f : {"report.json", "index.html", "graph.dot", "graph.graphml", "graph.json", "machine.aag", "transition.cnf"})
    EXPECT_TRUE(std::filesystem::exists(o.outdir + "/" + f)) << f;
}

}  // namespace
}  // namespace tg::analyze
