#include <fmt/format.h>

#include "../passes.hpp"
#include "../util.hpp"

namespace tg::passes {

const std::vector<Pass>& all() {
  static const std::vector<Pass> kPasses = {
      {"drop-zero", "remove terms whose weight is 0", drop_zero},
      {"fold-const",
       "fold constant bits into sum offsets; turn comparators whose threshold is unreachable or always met into "
       "constants; resolve muxes with a constant select or equal arms; turn registers that can only ever hold "
       "their reset value into constants",
       fold_const},
      {"merge", "merge identical sums, comparators, muxes, token tables and registers; cancel +x/-x term pairs",
       merge_twins},
      {"dead", "remove logic and registers that neither the head nor any live register reads", dead},
  };
  return kPasses;
}

std::vector<std::string> default_pipeline() { return {"drop-zero", "fold-const", "merge", "dead"}; }

namespace {
nlohmann::json counts(const ir::Netlist& n) {
  return {{"terms", n.total_terms()},
          {"sums", n.sums.size()},
          {"comparators", n.count_bits(ir::Bit::Kind::Cmp)},
          {"muxes", n.count_bits(ir::Bit::Kind::Mux)},
          {"constants", n.count_bits(ir::Bit::Kind::Const)},
          {"registers", n.regs.size()},
          {"tables", n.tables.size()}};
}
}  // namespace

void run(ir::Netlist& n, const std::vector<std::string>& names, nlohmann::json& report) {
  std::vector<const Pass*> list;
  for (const auto& name : names) {
    const Pass* p = nullptr;
    for (const auto& q : all())
      if (name == q.name) p = &q;
    if (!p) {
      std::string known;
      for (const auto& q : all()) known += std::string(known.empty() ? "" : ", ") + q.name;
      throw Error(fmt::format("unknown pass '{}'; known passes: {}", name, known));
    }
    list.push_back(p);
  }
  report["before"] = counts(n);
  // One pass may expose work for another (a folded comparator makes a register constant, a
  // merge cancels terms into a constant sum): sweep the list until nothing changes.
  std::vector<nlohmann::json> removed(list.size(), nlohmann::json::object());
  int sweeps = 0;
  for (bool changed = !list.empty(); changed && sweeps < 100; ++sweeps) {
    changed = false;
    for (size_t i = 0; i < list.size(); ++i) {
      auto before = counts(n);
      bool c = list[i]->run(n);
      n.verify(list[i]->name);
      changed |= c;
      auto after = counts(n);
      for (auto it = before.begin(); it != before.end(); ++it)
        removed[i][it.key()] = removed[i].value(it.key(), 0) + it.value().get<int>() - after[it.key()].get<int>();
    }
  }
  report["sweeps"] = sweeps;
  report["passes"] = nlohmann::json::array();
  for (size_t i = 0; i < list.size(); ++i) report["passes"].push_back({{"pass", list[i]->name}, {"removed", removed[i]}});
  report["after"] = counts(n);
}

}  // namespace tg::passes
