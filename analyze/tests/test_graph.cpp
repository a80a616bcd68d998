#include <gtest/gtest.h>

#include "graph.hpp"
#include "models.hpp"
#include "passes.hpp"

namespace tg::analyze {
namespace {

TEST(Graph, ComponentsOfAHandBuiltGraph) {
  // 0->1->2->0 (one SCC of 3), 3->4 (two singleton SCCs, one module), 5->5, 6 alone.
  DepGraph g;
  g.names = {"a", "b", "c", "d", "e", "f", "g"};
  g.reads_token.assign(7, 0);
  g.out = {{1}, {2}, {0}, {4}, {}, {5}, {}};
  compute_components(g);
  EXPECT_EQ(g.scc_size, (std::vector<int>{3, 1, 1, 1, 1}));
  EXPECT_EQ(g.module_size, (std::vector<int>{3, 2, 1, 1}));
  EXPECT_EQ(g.scc[0], g.scc[1]);
  EXPECT_EQ(g.scc[1], g.scc[2]);
  EXPECT_NE(g.scc[3], g.scc[4]);
  EXPECT_EQ(g.module[3], g.module[4]);
  EXPECT_EQ(g.module[0], 0);  // largest first
  EXPECT_EQ(g.edges(), 5);
}

TEST(Graph, LongChainDoesNotRecurse) {
  DepGraph g;
  int n = 200000;
  g.out.assign(size_t(n), {});
  for (int i = 0; i + 1 < n; ++i) g.out[size_t(i)].push_back(i + 1);
  g.out[size_t(n - 1)].push_back(0);
  g.names.assign(size_t(n), "x");
  g.reads_token.assign(size_t(n), 0);
  compute_components(g);
  EXPECT_EQ(g.scc_size, (std::vector<int>{n}));
}

TEST(Graph, DependencyGraphOfAModel) {
  // kKnownModel: n1 reads h0, h2; n3 reads h0; n0, n2 read only the token.
  // Edges: h0->h1, h2->h1, h0->h3. No cycles; one module {h0,h1,h2,h3}.
  Model m = parse_model(testing::kKnownModel, "known");
  ir::Netlist n = ir::from_model(m);
  DepGraph g = dependency_graph(n);
  EXPECT_EQ(g.edges(), 3);
  EXPECT_EQ(g.scc_size.size(), 4u);
  EXPECT_EQ(g.module_size, (std::vector<int>{4}));
  EXPECT_TRUE(g.reads_token[0]);
  EXPECT_FALSE(g.reads_token[1]);
  auto j = graph_json(g);
  EXPECT_EQ(j["edges"].size(), 3u);
  EXPECT_NE(graph_dot(g, "t").find("\"h0\" -> \"h1\""), std::string::npos);
  EXPECT_NE(graph_graphml(g).find("<edge id=\"e0\""), std::string::npos);
}

TEST(Graph, TwoModulesAndACycle) {
  // h0 <-> h1 (a 2-cycle), h2 -> h2 and h3 -> h2: SCCs {0,1}, {2}, {3}; modules {0,1}, {2,3}.
  const char* js = R"({
    "format": "tritgate-model", "version": 1, "vocab": [97, 98], "cell": "elman",
    "layers": [{"units": 4, "levels": 1, "input": ["+0", "0+", "00", "+-"],
                "recurrent": ["0+00", "+000", "00++", "0000"], "thresholds": [1, 1, 1, 1]}],
    "head": {"weights": ["++++", "0000"], "bias": [0, 0], "logit_scale": 1.0}})";
  Model m = parse_model(js, "cycle");
  DepGraph g = dependency_graph(ir::from_model(m));
  EXPECT_EQ(g.scc_size, (std::vector<int>{2, 1, 1}));
  EXPECT_EQ(g.module_size, (std::vector<int>{2, 2}));
  EXPECT_EQ(g.scc[0], g.scc[1]);
  EXPECT_EQ(g.module[2], g.module[3]);
  EXPECT_NE(g.module[0], g.module[2]);
}

}  // namespace
}  // namespace tg::analyze
