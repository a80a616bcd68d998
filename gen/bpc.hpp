// Bits per character from integer logits and the model's logit scale.
#pragma once
#include <string>
#include <vector>

#include "ir.hpp"

namespace tg {

struct BpcResult {
  double bpc = 0;
  double top1 = 0;  // fraction of positions where argmax == the next token
  size_t predicted = 0;
};

// -log2 softmax(scale * z)[target].
double nll_bits(const std::vector<int>& z, double scale, int target);

// Runs the netlist from reset over `tokens`: the prediction made from the state before
// position t (the reset state for t = 0) is scored against tokens[t].
BpcResult evaluate_bpc(const ir::Netlist& n, const std::vector<int>& tokens);

// The standard split: first 90% of the bytes train, last 10% validation.
std::string split_text(const std::string& text, const std::string& split);

}  // namespace tg
