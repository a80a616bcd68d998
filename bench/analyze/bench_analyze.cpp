// Benchmark (not a test): times `analyze` and the SAT queries on a random model.
//   tg_bench_analyze [--hidden 512] [--vocab 32] [--fanin 4] [--seed 1] [--out DIR]
#include <fmt/format.h>

#include <chrono>
#include <iostream>
#include <string>
#include <vector>

#include "analysis.hpp"
#include "query.hpp"
#include "random_model.hpp"
#include "tools.hpp"
#include "util.hpp"

using namespace tg;

// The predictions the machine makes at steps start..start+len-1 under a fixed pseudo-random
// input sequence: a text that is reachable by construction.
static std::vector<int> seen_text(const Model& m, int start, int len) {
  ModelSim sim(m);
  Rng r(99);
  std::vector<int> out;
  for (int t = 0; t < start + len; ++t) {
    if (t >= start) out.push_back(sim.argmax());
    sim.step(r.below(m.vocab_size()));
  }
  return out;
}

int main(int argc, char** argv) {
  RandomModelOptions o;
  o.hidden = 512;
  o.vocab = 32;
  o.fanin = 4;
  std::string out;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--hidden") o.hidden = std::stoi(v);
    else if (k == "--vocab") o.vocab = std::stoi(v);
    else if (k == "--fanin") o.fanin = std::stoi(v);
    else if (k == "--seed") o.seed = std::stoull(v);
    else if (k == "--out") out = v;
    else {
      std::cerr << "unknown option " << k << "\n";
      return 2;
    }
  }
  try {
    Model m = random_model(o);
    analyze::TempDir tmp;
    analyze::AnalyzeOptions ao;
    ao.outdir = out.empty() ? tmp.path() + "/report" : out;
    auto t0 = std::chrono::steady_clock::now();
    auto rep = analyze::analyze_model(m, "(random)", ao);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::cout << fmt::format("model: random-model --hidden {} --vocab {} --fanin {} --seed {} ({} state bits)\n", o.hidden,
                             o.vocab, o.fanin, o.seed, m.state_bits());
    std::cout << fmt::format("analyze: {:.2f} s total\n", secs);
    for (auto it = rep["timing_s"].begin(); it != rep["timing_s"].end(); ++it)
      std::cout << fmt::format("  {:<12} {:8.3f} s\n", it.key(), it.value().get<double>());
    for (const auto& s : rep["gates"]["steps"])
      std::cout << fmt::format("  gates: {:<60} {}\n", s["step"].get<std::string>(), s["ands"].dump());
    std::cout << fmt::format("  per-neuron logic, summed: {} AND gates lowered, {} after ABC\n",
                             rep["gates"]["neurons_total_aig_ands"].dump(), rep["gates"]["neurons_total_abc_ands"].dump());
    std::cout << fmt::format("  fates: comparators {}, registers {}\n", rep["fates"]["comparators"].dump(),
                             rep["fates"]["registers"].dump());
    std::cout << fmt::format("  graph: {} registers, {} edges, {} SCCs (largest {}), {} modules (largest {})\n",
                             rep["graph"]["nodes"].dump(), rep["graph"]["edges"].dump(), rep["graph"]["scc_count"].dump(),
                             rep["graph"]["scc_sizes"][0].dump(), rep["graph"]["module_count"].dump(),
                             rep["graph"]["module_sizes"][0].dump());
    analyze::QueryOptions qo;
    qo.timeout_s = 60;  // per query
    analyze::Querier q(m, qo);
    auto show = [](const std::string& what, const analyze::QueryResult& r) {
      std::cout << fmt::format("query {:<50} {:<8} bound {:<3} {:3} solver calls {:8.3f} s\n", what, r.answer, r.bound,
                               r.solver_calls, r.seconds);
    };
    // emit for every token; the reach texts are made of tokens that can be emitted at all.
    std::vector<int> emittable;
    double emit_secs = 0;
    int emit_calls = 0;
    for (int c = 0; c < m.vocab_size(); ++c) {
      auto r = q.emit(c, 1);
      emit_secs += r.seconds;
      emit_calls += r.solver_calls;
      if (r.answer == "yes") emittable.push_back(c);
    }
    std::cout << fmt::format("query emit, each of the {} tokens          {} can be emitted, {} solver calls {:8.3f} s total\n",
                             m.vocab_size(), emittable.size(), emit_calls, emit_secs);
    show("emit --token-id " + std::to_string(emittable.at(0)) + " --limit 50", q.emit(emittable.at(0), 50));
    show("activate --neuron n5 --steps 8", q.activate("n5", 8));
    show("activate --neuron n7 --steps 32", q.activate("n7", 32));
    auto text = [&](int len) {
      std::vector<int> t;
      for (int i = 0; i < len; ++i) t.push_back(emittable[size_t(i) % emittable.size()]);
      return t;
    };
    show("reach (2 emittable tokens) --steps 4", q.reach(text(2), 4));
    show("reach (3 emittable tokens) --steps 8", q.reach(text(3), 8));
    show("reach (3 predictions seen in simulation) --steps 8", q.reach(seen_text(m, 5, 3), 8));
    show("flip --neuron n3 --partial h0=1", q.flip("n3", "h0=1"));
    // Reachability is the hard query; show it on a smaller machine too.
    for (int hidden : {32, 64}) {
      RandomModelOptions so = o;
      so.hidden = hidden;
      Model sm = random_model(so);
      analyze::Querier sq(sm, qo);
      std::vector<int> em;
      for (int c = 0; c < sm.vocab_size(); ++c)
        if (sq.emit(c, 1).answer == "yes") em.push_back(c);
      std::vector<int> t3 = {em[0], em[1 % em.size()], em[2 % em.size()]};
      std::cout << fmt::format("{}-unit model (--hidden {}), {} emittable tokens:\n", hidden, hidden, em.size());
      show("  reach (3 emittable tokens) --steps 8", sq.reach(t3, 8));
      show("  reach (3 predictions seen in simulation) --steps 8", sq.reach(seen_text(sm, 5, 3), 8));
      show("  activate --neuron n1 --steps 16", sq.activate("n1", 16));
    }
  } catch (const std::exception& e) {
    std::cerr << "bench: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
