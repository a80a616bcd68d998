// The `tritgate train` subcommand (torch-free: the work is in train.cpp).
#include <fmt/format.h>

#include <boost/program_options.hpp>
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "command.hpp"
#include "train.hpp"
#include "util.hpp"

namespace po = boost::program_options;

namespace tg {
namespace {

int cmd_train(const std::vector<std::string>& args, const std::string& full) {
  train::Options o;
  po::options_description d("train options");
  d.add_options()("corpus", po::value(&o.corpus)->required(), "training text (bytes): first 90% train, last 10% val")(
      "output,o", po::value(&o.output)->required(), "model file to write (the float checkpoint goes beside it, .pt)")(
      "hidden", po::value(&o.hidden)->default_value(o.hidden), "units per layer")(
      "fanin", po::value(&o.fanin)->default_value(o.fanin), "nonzero recurrent weights per unit")(
      "head-fanin", po::value(&o.head_fanin)->default_value(o.head_fanin), "nonzero head weights per logit")(
      "cell", po::value(&o.cell)->default_value(o.cell), "elman or gated")(
      "layers", po::value(&o.layers)->default_value(o.layers), "stacked layers")(
      "minutes", po::value(&o.minutes)->default_value(0), "training time budget (wall clock of the training loop)")(
      "steps", po::value(&o.steps)->default_value(0), "or a fixed number of steps (reproducible)")(
      "seed", po::value(&o.seed)->default_value(o.seed), "random seed")(
      "resume", po::bool_switch(&o.resume), "continue from the checkpoint of an interrupted run (m.ckpt.pt)")(
      "batch", po::value(&o.batch)->default_value(o.batch), "parallel streams per step")(
      "bptt", po::value(&o.bptt)->default_value(o.bptt), "truncated back-propagation length")(
      "lr", po::value(&o.lr)->default_value(o.lr), "Adam learning rate (float stage)")(
      "qat-lr", po::value(&o.qat_lr)->default_value(o.qat_lr), "learning rate of the quantised stages (0: lr/3)")(
      "distill", po::value(&o.distill)->default_value(o.distill), "weight of the float teacher's soft targets in QAT")(
      "float-frac", po::value(&o.float_frac)->default_value(o.float_frac), "share of the budget for the float stage")(
      "delta", po::value(&o.delta)->default_value(o.delta), "ternary threshold ratio")(
      "soft-frac", po::value(&o.soft_frac)->default_value(o.soft_frac), "share of the budget for the ternary-weight soft-state stage")(
      "tau-end", po::value(&o.tau_end)->default_value(o.tau_end), "soft-state temperature at the end of the ternary stage")(
      "quant-ramp", po::value(&o.quant_ramp)->default_value(o.quant_ramp),
      "share of the ternary stage that blends float into quantised values (0: none)")(
      "clip-latent", po::value(&o.clip_latent)->default_value(o.clip_latent),
      "quantised stages: clamp latent ternary weights to +-C x their scale (0: off)")(
      "weight-ema", po::value(&o.weight_ema)->default_value(o.weight_ema),
      "binary stage: export a running average of the weights with this decay per step (0: off)")(
      "stop-after", po::value(&o.stop_after)->default_value(0),
      "save the resumable checkpoint after N steps and stop (branch runs with --resume)")(
      "stochastic", po::bool_switch(&o.stochastic), "soft-state stage: sample the state bits (straight-through)")(
      "levels", po::value(&o.levels)->default_value(o.levels), "thresholds per unit (1: binary state; 2, 3: thermometer)")(
      "head-token", po::value(&o.head_token)->default_value(o.head_token),
      "the head also reads the last token: an integer table with entries in [-N, N] (0: off)")(
      "head-context", po::value(&o.head_context)->default_value(o.head_context),
      "the head also reads the last two tokens: a table on the F most frequent characters' logits (0: off)")(
      "context-range", po::value(&o.context_range)->default_value(o.context_range),
      "--head-context: its entries lie in [-N, N]")(
      "surrogate-tau", po::value(&o.surrogate_tau)->default_value(o.surrogate_tau), "temperature of the binary surrogate gradient")(
      "surrogate", po::value(&o.surrogate)->default_value(o.surrogate), "binary surrogate units: alpha or int")(
      "threads", po::value(&o.threads)->default_value(o.threads), "torch threads")(
      "no-prune", po::bool_switch(), "keep units nothing reads")(
      "quiet,q", po::bool_switch(&o.quiet), "no progress lines");
  po::variables_map vm;
  if (!parse_options("train", args, d, {}, vm, "--corpus FILE -o m.json [options]")) return 0;
  o.prune = !vm["no-prune"].as<bool>();
  // libgomp (ATen's thread pool) spin-waits by default; on 2 cores its spinning threads fight
  // OpenBLAS's and training runs ~10x slower (measured: 1.4k vs 16k tokens/s at H=128). The
  // policy is read when libgomp loads, so re-run this command once with it set.
  if (!std::getenv("OMP_WAIT_POLICY")) {
    ::setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
    std::vector<std::string> av = {"tritgate", "train"};
    av.insert(av.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : av) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv("/proc/self/exe", argv.data());  // returns only on failure: then continue as we are
  }
  o.command = full;
  auto r = train::train(o);
  if (r.stopped) {
    std::cout << fmt::format("{}: stopped after {} steps ({:.2f} min); checkpoint {}\n", o.output, r.steps, r.minutes,
                             train::train_checkpoint_path(o.output));
    return 0;
  }
  std::cout << fmt::format("{}: val {:.6f} bpc (integer model), {:.6f} bpc (float), {} steps, {:.2f} min\n", o.output,
                           r.val_bpc, r.val_bpc_float, r.steps, r.minutes);
  return 0;
}

}  // namespace

std::vector<Command> train_commands() {
  return {{"train", "train a ternary/binary model on a text file (float, then quantisation-aware)", cmd_train}};
}

}  // namespace tg
