// Training of ternary-weight, binary-state character models (issue 3). This header is
// torch-free: the CLI and other modules include it; the libtorch code lives in train.cpp and
// lm.hpp (include lm.hpp only where the float module itself is needed, e.g. a cosimulation).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "model.hpp"

namespace tg::train {

struct Options {
  std::string corpus;       // text file (bytes)
  std::string output;       // model file (m.json); the float checkpoint goes to m.pt beside it
  int hidden = 128;         // units per layer
  int fanin = 8;            // nonzero recurrent (and inter-layer) weights per unit
  int head_fanin = 12;      // nonzero weights per output logit
  std::string cell = "gated";
  int layers = 1;
  double minutes = 0;       // wall-clock training budget (the loop only; evals/export excluded)
  long steps = 0;           // or a fixed number of optimiser steps (deterministic: same seed, same model)
  uint64_t seed = 1;
  bool resume = false;
  int batch = 32;           // parallel streams
  int bptt = 64;            // truncated back-propagation length
  double lr = 1e-2;         // Adam learning rate of the float stage
  double qat_lr = 0;        // learning rate at the start of the quantised stages (0: lr/3), decayed to a tenth
  double distill = 0.0;     // weight of the KL to the float teacher in the quantised stages
  double float_frac = 0.5;  // share of the budget for the float stages (dense 1/5, then fan-in masked)
  double delta = 0.4;       // ternary threshold ratio (of the mean |w| of a row's kept weights)
  double soft_frac = 0.1;   // share of the budget for the ternary-weight, soft-state stage
  double tau_end = 0.3;     // soft-state temperature reached at the end of the ternary stage
  double quant_ramp = 0;    // share of the ternary stage over which the forward pass moves from the
                            // float values to the quantised ones (0: quantised from its first step)
  double clip_latent = 0;   // quantised stages: clamp latent ternary weights to +-this x their scale (0: off)
  double weight_ema = 0;    // binary stage: export a running average of the weights, this decay per step (0: off)
  bool stochastic = false;  // soft-state stage: sample the state bits (Bernoulli, straight-through)
  int levels = 1;           // thresholds (state bits) per unit: 1 binary, 2 or 3 thermometer
  int head_token = 0;       // head reads the last token through an integer table, entries in
                            // [-head_token, head_token] (0: off); exported as token-only state units
  int head_context = 0;     // > 0: a table of the last two tokens on the logits of this many most
                            // frequent characters (exported as head.context); 0: off
  int context_range = 7;    // its entries lie in [-context_range, context_range]
  double surrogate_tau = 1.0;  // temperature of the binary stage's surrogate gradient
  std::string surrogate = "alpha";  // "alpha": sigmoid'(alpha (s+1/2) / tau); "int": sigmoid'((s+1/2) / tau)
  int threads = 2;
  bool prune = true;        // drop units whose output nothing reads
  bool quiet = false;       // no progress line
  double checkpoint_seconds = 60;  // how often the resumable checkpoint is written
  long stop_after = 0;      // > 0: save the checkpoint and return after this many steps (an
                            // interruption, for tests); the model file is not written
  std::string command;      // the command line, for provenance
};

struct Result {
  double val_bpc_float = 0;  // float model under the fan-in masks, end of the float stages
  double val_bpc = 0;        // the exported integer model (same rule as `tritgate eval`)
  long steps = 0;
  double minutes = 0;
  double tokens_per_s = 0;
  int units = 0;             // units kept after pruning (all layers)
  bool stopped = false;      // --stop-after: the checkpoint was saved, no model file written
};

struct Corpus {
  std::string path, text, sha256;
  std::vector<uint8_t> vocab;  // distinct bytes, sorted
};

// Reads and checks a training corpus: throws tg::Error naming the file for a missing, empty or
// binary file (a NUL byte) or a single distinct symbol.
Corpus load_corpus(const std::string& path);

// Checks the options; throws tg::Error naming the option and what was expected.
void check_options(const Options& o);

// Trains, writes o.output (atomically) and the float checkpoint; returns the figures.
Result train(const Options& o);

// Path of the float checkpoint that belongs to a model file: m.json -> m.pt.
std::string float_checkpoint_path(const std::string& model_path);
// Path of the resumable training checkpoint: m.json -> m.ckpt.pt.
std::string train_checkpoint_path(const std::string& model_path);

// Training's quantised evaluation: runs the integer model from its reset state over `tokens`
// and scores the prediction read before each token, the same rule as `tritgate eval`
// (gen/bpc.hpp evaluate_bpc), with a sparse integer interpreter.
double quant_bpc(const Model& m, const std::vector<int>& tokens);

// Removes units whose output reaches neither the head nor any kept unit (exact: the logits do
// not change). Returns, per layer, the original indices of the kept units.
std::vector<std::vector<int>> prune_unread(Model& m);

}  // namespace tg::train
