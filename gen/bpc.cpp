#include "bpc.hpp"

#include <cmath>

#include "util.hpp"

namespace tg {

double nll_bits(const std::vector<int>& z, double scale, int target) {
  double mx = -1e300;
  for (int v : z) mx = std::max(mx, scale * v);
  double s = 0;
  for (int v : z) s += std::exp(scale * v - mx);
  double logp = scale * z[size_t(target)] - mx - std::log(s);
  return -logp / std::log(2.0);
}

BpcResult evaluate_bpc(const ir::Netlist& n, const std::vector<int>& tokens) {
  ir::Sim sim(n);
  BpcResult r;
  double bits = 0;
  size_t hits = 0;
  for (int t : tokens) {
    auto z = sim.logits();
    bits += nll_bits(z, n.logit_scale, t);
    hits += argmax_lowest(z) == t;
    sim.step(t);
  }
  r.predicted = tokens.size();
  r.bpc = tokens.empty() ? 0 : bits / double(tokens.size());
  r.top1 = tokens.empty() ? 0 : double(hits) / double(tokens.size());
  return r;
}

std::string split_text(const std::string& text, const std::string& split) {
  size_t cut = text.size() * 9 / 10;
  if (split == "train") return text.substr(0, cut);
  if (split == "val") return text.substr(cut);
  if (split == "all") return text;
  throw Error("--split: expected train, val or all, got '" + split + "'");
}

}  // namespace tg
