#include "graph.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

#include "encode.hpp"

namespace tg::analyze {

int DepGraph::edges() const {
  int e = 0;
  for (const auto& o : out) e += int(o.size());
  return e;
}

DepGraph dependency_graph(const ir::Netlist& n) {
  DepGraph g;
  size_t r = n.regs.size();
  g.out.assign(r, {});
  for (size_t i = 0; i < r; ++i) {
    g.names.push_back(n.regs[i].name);
    bool tok = false;
    for (int j : support_regs(n, {n.regs[i].next}, &tok)) g.out[size_t(j)].push_back(int(i));
    g.reads_token.push_back(tok);
  }
  compute_components(g);
  return g;
}

namespace {

// Renumbers component ids so that component 0 is the largest (ties: smallest member first).
void renumber(std::vector<int>& comp, std::vector<int>& size) {
  // Ids may be sparse (union-find roots): make them dense first.
  std::vector<int> dense(comp.size() + 1, -1);
  int k = 0;
  for (auto& c : comp) {
    if (dense[size_t(c)] < 0) dense[size_t(c)] = k++;
    c = dense[size_t(c)];
  }
  std::vector<int> sz(size_t(k), 0), first(size_t(k), int(comp.size()));
  for (size_t i = 0; i < comp.size(); ++i) {
    ++sz[size_t(comp[i])];
    first[size_t(comp[i])] = std::min(first[size_t(comp[i])], int(i));
  }
  std::vector<int> order(static_cast<size_t>(k));
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int a, int b) {
    return sz[size_t(a)] != sz[size_t(b)] ? sz[size_t(a)] > sz[size_t(b)] : first[size_t(a)] < first[size_t(b)];
  });
  std::vector<int> rank(static_cast<size_t>(k));
  for (int i = 0; i < k; ++i) rank[size_t(order[size_t(i)])] = i;
  for (auto& c : comp) c = rank[size_t(c)];
  size.assign(size_t(k), 0);
  for (int c : comp) ++size[size_t(c)];
}

int find(std::vector<int>& p, int x) {
  while (p[size_t(x)] != x) x = p[size_t(x)] = p[size_t(p[size_t(x)])];
  return x;
}

}  // namespace

void compute_components(DepGraph& g) {
  int n = int(g.out.size());
  // Tarjan, with an explicit stack of (node, next edge) frames.
  std::vector<int> index(size_t(n), -1), low(size_t(n), 0), stack;
  std::vector<char> on(size_t(n), 0);
  g.scc.assign(size_t(n), -1);
  int counter = 0, comps = 0;
  for (int s = 0; s < n; ++s) {
    if (index[size_t(s)] >= 0) continue;
    std::vector<std::pair<int, size_t>> frames{{s, 0}};
    index[size_t(s)] = low[size_t(s)] = counter++;
    stack.push_back(s);
    on[size_t(s)] = 1;
    while (!frames.empty()) {
      auto& [v, e] = frames.back();
      if (e < g.out[size_t(v)].size()) {
        int w = g.out[size_t(v)][e++];
        if (index[size_t(w)] < 0) {
          index[size_t(w)] = low[size_t(w)] = counter++;
          stack.push_back(w);
          on[size_t(w)] = 1;
          frames.push_back({w, 0});
        } else if (on[size_t(w)]) {
          low[size_t(v)] = std::min(low[size_t(v)], index[size_t(w)]);
        }
        continue;
      }
      if (low[size_t(v)] == index[size_t(v)]) {
        int w;
        do {
          w = stack.back();
          stack.pop_back();
          on[size_t(w)] = 0;
          g.scc[size_t(w)] = comps;
        } while (w != v);
        ++comps;
      }
      int done = v;
      frames.pop_back();
      if (!frames.empty()) low[size_t(frames.back().first)] = std::min(low[size_t(frames.back().first)], low[size_t(done)]);
    }
  }
  renumber(g.scc, g.scc_size);
  std::vector<int> parent(static_cast<size_t>(n));
  std::iota(parent.begin(), parent.end(), 0);
  for (int j = 0; j < n; ++j)
    for (int i : g.out[size_t(j)]) parent[size_t(find(parent, i))] = find(parent, j);
  g.module.assign(size_t(n), 0);
  for (int i = 0; i < n; ++i) g.module[size_t(i)] = find(parent, i);
  renumber(g.module, g.module_size);
}

std::string module_colour(int m) {
  static const char* kPalette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
                                   "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939"};
  return kPalette[size_t(m) % (sizeof kPalette / sizeof *kPalette)];
}

static std::string xml_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '<') o += "&lt;";
    else if (c == '>') o += "&gt;";
    else if (c == '&') o += "&amp;";
    else if (c == '"') o += "&quot;";
    else o += c;
  }
  return o;
}

std::string graph_dot(const DepGraph& g, const std::string& title) {
  std::string s = "digraph state_dependencies {\n";
  s += fmt::format("  graph [label=\"{}\", labelloc=t, fontsize=20, overlap=prism, outputorder=edgesfirst, "
                   "bgcolor=white, K=0.6];\n",
                   title);
  s += "  node [shape=circle, style=filled, fontcolor=white, fontsize=10, width=0.35, fixedsize=true, penwidth=0];\n";
  s += "  edge [arrowsize=0.4, color=\"#00000040\"];\n";
  for (size_t i = 0; i < g.names.size(); ++i)
    s += fmt::format("  \"{}\" [fillcolor=\"{}\"{}, tooltip=\"{} module {} scc {}\"];\n", g.names[i],
                     module_colour(g.module[i]), g.reads_token[i] ? ", shape=doublecircle, penwidth=1, color=\"#333333\"" : "", g.names[i], g.module[i],
                     g.scc[i]);
  for (size_t j = 0; j < g.out.size(); ++j)
    for (int i : g.out[j]) s += fmt::format("  \"{}\" -> \"{}\";\n", g.names[j], g.names[size_t(i)]);
  return s + "}\n";
}

std::string graph_graphml(const DepGraph& g) {
  std::string s =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\">\n"
      "  <key id=\"label\" for=\"node\" attr.name=\"label\" attr.type=\"string\"/>\n"
      "  <key id=\"module\" for=\"node\" attr.name=\"module\" attr.type=\"int\"/>\n"
      "  <key id=\"scc\" for=\"node\" attr.name=\"scc\" attr.type=\"int\"/>\n"
      "  <key id=\"token\" for=\"node\" attr.name=\"reads_token\" attr.type=\"boolean\"/>\n"
      "  <key id=\"colour\" for=\"node\" attr.name=\"colour\" attr.type=\"string\"/>\n"
      "  <graph id=\"state_dependencies\" edgedefault=\"directed\">\n";
  for (size_t i = 0; i < g.names.size(); ++i)
    s += fmt::format(
        "    <node id=\"n{}\"><data key=\"label\">{}</data><data key=\"module\">{}</data><data key=\"scc\">{}</data>"
        "<data key=\"token\">{}</data><data key=\"colour\">{}</data></node>\n",
        i, xml_escape(g.names[i]), g.module[i], g.scc[i], g.reads_token[i] ? "true" : "false", module_colour(g.module[i]));
  int e = 0;
  for (size_t j = 0; j < g.out.size(); ++j)
    for (int i : g.out[j]) s += fmt::format("    <edge id=\"e{}\" source=\"n{}\" target=\"n{}\"/>\n", e++, j, i);
  return s + "  </graph>\n</graphml>\n";
}

nlohmann::json graph_json(const DepGraph& g) {
  nlohmann::json nodes = nlohmann::json::array(), edges = nlohmann::json::array();
  for (size_t i = 0; i < g.names.size(); ++i)
    nodes.push_back({{"id", i},
                     {"name", g.names[i]},
                     {"module", g.module[i]},
                     {"scc", g.scc[i]},
                     {"reads_token", bool(g.reads_token[i])}});
  for (size_t j = 0; j < g.out.size(); ++j)
    for (int i : g.out[j]) edges.push_back({j, i});
  return {{"nodes", nodes},
          {"edges", edges},
          {"scc_sizes", g.scc_size},
          {"module_sizes", g.module_size},
          {"note", "edge [j, i]: register i's next value depends on register j"}};
}

}  // namespace tg::analyze
