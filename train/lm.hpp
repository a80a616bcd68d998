// The trainable model (libtorch): the same topology as the hardware cell, in four stages.
//   kFloat   : float weights, sigmoid state in (0,1)          (the float model, saved as m.pt)
//   kSparse  : float weights under top-|w| fan-in masks (gradual magnitude pruning)
//   kTernary : ternary weights (STE), per-unit scale alpha, integer token table and bias
//              (round with STE), still a sigmoid state
//   kBinary  : as kTernary with a binary state: forward step(s >= 0), backward sigmoid'(alpha(s+1/2))
// In kBinary the forward pass is exactly the integer model that export_model() writes.
// Include this header only where the float module is needed (it pulls in torch).
#pragma once
#include <torch/torch.h>

#include <string>
#include <vector>

#include "model.hpp"

namespace tg::train {

enum Stage : int { kFloat = 0, kSparse = 1, kTernary = 2, kBinary = 3 };

struct LMConfig {
  int vocab = 2, hidden = 16, layers = 1, fanin = 4, head_fanin = 4;
  int levels = 1;  // thresholds (state bits) per candidate unit: thermometer code, bit u*levels + k
  int head_token = 0;  // > 0: the logits add E[last token] with integer entries in [-head_token, head_token]
  // > 0: the logits of head_context columns (ctx_cols) add C[c_prev * (V + 1) + c_last] with integer
  // entries in [-context_range, context_range]: the model file's head.context (codes: 0 = none,
  // token + 1)
  int head_context = 0, context_range = 0;
  bool gated = false;
  double delta = 0.4;  // ternary threshold ratio
};

// One bank of threshold units (a layer's candidate or its update gate).
struct Bank {
  torch::Tensor win;        // layer 0: token table [V, H]; layer l > 0: [H, H_below]
  torch::Tensor wrec;       // [H, H]
  torch::Tensor bias;       // [H]   (minus the threshold, in float units; level 0)
  torch::Tensor gap;        // [H, levels-1] (candidate bank, levels > 1): level k's bias is
                            // bias - sum_{j<k} softplus(gap_j), so the thresholds never decrease
  torch::Tensor log_alpha;  // [H]   per-unit scale of the ternary weights
  torch::Tensor min, mrec;  // fan-in masks (buffers, 0/1)
};

// The quantised view of a bank for one forward pass: integer-valued tensors (exact in float32)
// carrying straight-through gradients to the latent parameters.
struct QBank {
  torch::Tensor tin, trec, tb, alpha;  // tb = -threshold, [H, levels] (the gate: [H, 1])
};

class LMImpl : public torch::nn::Module {
 public:
  explicit LMImpl(const LMConfig& c);
  LMConfig cfg;
  std::vector<std::vector<Bank>> banks;  // [layer][0 = candidate, 1 = gate]
  torch::Tensor head_w, head_b, log_scale, head_mask;
  torch::Tensor head_e;  // head_token > 0: [V, V] float table, row = the token just read, column = logit
  torch::Tensor head_c;    // head_context > 0: [(V + 1)^2, head_context] float table of the last two tokens
  torch::Tensor ctx_cols;  // head_context > 0: [head_context] long buffer, the logits it adds to
  int stage = kFloat;
  double delta_now = 0.4;  // ternary threshold ratio in use (ramped in kTernary)
  double tau_now = 1.0;    // temperature of the soft state in kTernary (annealed 1 -> tau_end)
  bool surrogate_int = false;  // kBinary backward in integer units: d/ds sigmoid((s + 1/2) / surrogate_tau)
  double surrogate_tau = 1.0;  // kBinary backward: d/ds sigmoid(alpha (s + 1/2) / surrogate_tau)
  bool stochastic = false;     // kTernary: sample the state bits (Bernoulli of the soft state, straight-through)
  // kTernary: share of the quantised values in the forward pass (ramped 0 -> 1 by --quant-ramp):
  // every weight, table entry and bias is mix * quantised + (1 - mix) * float (in the unit's
  // alpha units), the +1/2 offset is mix/2 and a sampled state bit is mix * sample + (1 - mix) * soft,
  // so at mix = 0 the forward pass is the float model's and the stage starts where it left off.
  double mix_now = 1.0;

  struct Out {
    torch::Tensor logits;             // [B, T, V] (float; logit_scale * z when quantised)
    std::vector<torch::Tensor> h;     // final state per layer [B, H*levels]
    std::vector<torch::Tensor> states;  // record: per layer [B, T, H*levels], state after each token
    torch::Tensor z;                  // record (quantised stages): integer logits [B, T, V]
    torch::Tensor last;               // [B] long: head.context code of x[:, T-1] (token + 1)
  };
  // x: [B, T] token ids; h: state per layer [B, H*levels]. Logits at t read the state after token t.
  // prev: [B] long, the head.context code of the token before x[:, 0] (undefined: none, 0); pass
  // the previous chunk's out.last to continue a stream.
  Out forward(const torch::Tensor& x, std::vector<torch::Tensor> h, bool record = false,
              const torch::Tensor& prev = {});
  std::vector<torch::Tensor> zero_state(int64_t batch) const;

  // Top-|w| masks: k_rec nonzeros per recurrent/inter-layer row, k_head per logit.
  void update_masks(int k_rec, int k_head);
  // Clamps every latent ternary weight (recurrent, inter-layer, head) to +-c times its unit's
  // scale alpha (the head's: its logit scale), so weights stay within reach of a sign flip.
  void clip_latent(double c);
  // Initialise the scales (alpha per unit, the head's logit scale) from the current weights.
  void init_quant();
  QBank quant_bank(int layer, int b) const;
  // Float biases of a bank per level, [H, levels] (the gate: [H, 1]).
  torch::Tensor level_bias(int layer, int b) const;
  struct QHead {
    torch::Tensor w, b, scale;  // ternary weights [V, H], integer bias [V], logit scale [1]
    torch::Tensor e;            // head_token > 0: integer token table [V (token), V (logit)]
    torch::Tensor c;            // head_context > 0: integer table [(V + 1)^2, head_context]
  };
  QHead quant_head() const;
  // Logits of states hs [B, T, H*levels] in the current stage, read before any token (no token
  // table term; the head.context row of (none, none): the reset state's prediction).
  torch::Tensor head_logits(const torch::Tensor& hs);
  // head_context > 0: the context term of every position, [B, T, head_context], from the codes
  // of each position's last two tokens; `quant`: the integer table, else the float one.
  torch::Tensor context_term(const torch::Tensor& x, const torch::Tensor& prev, bool quant) const;
  // The integer model of the kBinary forward pass (units not pruned). With head_token > 0 layer 0
  // gains token-only units after the hidden ones: for logit v, sign s and k = 1..head_token, a unit
  // whose token table is [s E[x][v] >= k] (threshold 1, no recurrent weights, its gate always
  // on), read by the head with weight s; all-zero ones are left out. Needs one layer, levels 1.
  Model export_model(const std::vector<uint8_t>& vocab) const;
};
TORCH_MODULE(LM);

// Saves the float module with its shape and vocabulary (libtorch archive).
void save_float_checkpoint(LM& lm, const std::vector<uint8_t>& vocab, const std::string& path);
// Rebuilds the float module from a checkpoint written by `tritgate train` (m.pt beside m.json).
// Throws tg::Error naming the file when its vocabulary, hidden size, layers or cell do not match
// the model file (hidden: provenance.hidden when the file's units were pruned).
//   tg::Model m = tg::load_model("m.json");
//   tg::train::LM f = tg::train::load_float_model("m.pt", m);   // float stage (kSparse: with its fan-in masks)
//   auto out = f->forward(tokens_BxT, f->zero_state(B));         // out.logits: float logits
LM load_float_model(const std::string& path, const Model& m);

}  // namespace tg::train
