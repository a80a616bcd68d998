// `tritgate eval-fast`: corpus BPC with the bit-sliced evaluator (gen/bitslice.hpp).
#include <fmt/format.h>

#include <boost/program_options.hpp>
#include <chrono>
#include <iostream>

#include "bitslice.hpp"
#include "bpc.hpp"
#include "command.hpp"
#include "model.hpp"
#include "passes.hpp"
#include "util.hpp"

namespace po = boost::program_options;

namespace tg::bitslice {

int cmd_eval_fast(const std::vector<std::string>& args, const std::string&) {
  std::string path, corpus, split;
  int chunks = 64;
  bool exact = false, json_out = false;
  po::options_description d("eval-fast options");
  d.add_options()("model", po::value(&path)->required(), "model file")(
      "corpus", po::value(&corpus)->required(), "text file (bytes)")(
      "split", po::value(&split)->default_value("val"), "train (first 90%), val (last 10%) or all")(
      "chunks", po::value(&chunks)->default_value(64),
      "contiguous pieces, each scored from the reset state as its own bit-sliced stream")(
      "exact", po::bool_switch(&exact), "also run the single-stream rule of `tritgate eval` and compare")(
      "json", po::bool_switch(&json_out), "print JSON");
  po::positional_options_description p;
  p.add("model", 1);
  po::variables_map vm;
  if (!parse_options("eval-fast", args, d, p, vm, "model.json --corpus FILE [--split val] [--chunks 64] [--exact]"))
    return 0;
  if (chunks < 1) throw Error("--chunks: expected a positive count");
  Model m = load_model(path);
  std::string text = split_text(read_file(corpus), split);
  if (text.empty()) throw Error(corpus + ": the " + split + " split is empty");
  auto toks = tokenize(m, text, corpus + " (" + split + " split)");
  ir::Netlist n = ir::from_model(m);
  nlohmann::json rep;
  passes::run(n, passes::default_pipeline(), rep);
  using clk = std::chrono::steady_clock;
  auto t0 = clk::now();
  CorpusBpc r = corpus_bpc(n, toks, chunks);
  double secs = std::chrono::duration<double>(clk::now() - t0).count();
  nlohmann::json out = {{"model", path},          {"corpus", corpus},  {"split", split},       {"tokens", r.tokens},
                        {"chunks", r.chunks},     {"bpc", r.bpc},      {"top1", r.top1},       {"seconds", secs},
                        {"rule", "chunks from reset"}};
  std::string line = fmt::format(
      "{}: {} split of {}: {:.6f} bits/char over {} chunks each from reset, top-1 {:.2f}%, {} tokens, {:.3f} s "
      "({:.0f} tokens/s, bit-sliced)\n",
      path, split, corpus, r.bpc, r.chunks, 100 * r.top1, r.tokens, secs, secs > 0 ? double(r.tokens) / secs : 0.0);
  if (exact) {
    t0 = clk::now();
    BpcResult e = evaluate_bpc(n, toks);
    double es = std::chrono::duration<double>(clk::now() - t0).count();
    out["exact_bpc"] = e.bpc;
    out["exact_seconds"] = es;
    line += fmt::format("  single stream (the rule of `tritgate eval`): {:.6f} bits/char, {:.3f} s; difference {:+.6f}\n",
                        e.bpc, es, r.bpc - e.bpc);
  }
  if (json_out) std::cout << out.dump() << "\n";
  else std::cout << line;
  return 0;
}

}  // namespace tg::bitslice
