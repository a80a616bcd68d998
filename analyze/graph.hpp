// The state-dependency graph: one node per kept register, an edge j -> i when register i's
// next value depends (structurally, within one step) on register j. Strongly connected
// components (Tarjan) are the feedback loops; weakly connected components are the machine's
// independent modules. Exports: DOT (for sfdp), GraphML (Gephi) and JSON.
#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "ir.hpp"

namespace tg::analyze {

struct DepGraph {
  std::vector<std::string> names;
  std::vector<char> reads_token;          // next value reads the token
  std::vector<std::vector<int>> out;      // out[j]: registers whose next value reads j
  // Filled by compute_components:
  std::vector<int> scc, module;           // per node
  std::vector<int> scc_size, module_size; // per component; numbered largest first
  int edges() const;
};

DepGraph dependency_graph(const ir::Netlist& n);
// Tarjan's algorithm (iterative) for the SCCs, union-find for the modules. Components are
// numbered by decreasing size, ties by their smallest node.
void compute_components(DepGraph& g);

std::string graph_dot(const DepGraph& g, const std::string& title);
std::string graph_graphml(const DepGraph& g);
nlohmann::json graph_json(const DepGraph& g);
// The colour of a module (shared by the pictures and the HTML tables).
std::string module_colour(int module);

}  // namespace tg::analyze
