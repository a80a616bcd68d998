// Probes of a trained integer model's binary state (a benchmark program, not a test): how much
// does the state know about the next character, and how much of it does the model's head read?
//
// The bit-exact reference (tg::ModelSim) runs the model over the corpus from its reset state (at
// the start of the train split and again at the start of the val split, the `tritgate eval`
// rule) and records the state read before each prediction. Readouts of growing power are then
// fitted on the train split's states (float weights, Adam, fixed seed) and scored on the val
// split, in bits per character:
//
//   model            the model's own integer head (equals `tritgate eval`)
//   bias+scale       its ternary weights kept, per-logit float scale and float bias refitted
//   linear           a dense float linear head on the state bits
//   linear+token     the same plus a one-hot of the last token read
//   binary-N         N binary units (step, straight-through sigmoid gradient) on the state bits,
//                    then a linear head on those N bits and the state bits
//   mlp-256          a ReLU hidden layer of 256 float units: a rough bound on what the state holds
//
// With --rows context, other rows instead: the model's own logits plus tables of more context
// than the last token (what a head table on the token before it, or on a state bit, would add):
//   + table          per-logit scale and bias refitted, plus a float table of the last token
//   + gated table    a second table of the last token, multiplied by one bit of the previous
//                    state per logit (a softmax choice among the hidden bits, then fixed)
//   + C classes      a table of (last token, class of the token before it), C learned classes
//   + two tokens     a table of the last two tokens (the order-2 n-gram's context)
// With --rows two-token: the first and last of those rows, and between them the table of the last
// two tokens on the logits of the 8, 16 and 32 most frequent characters only.
// With --rows two-token-int: the model's own integer logits plus an INTEGER table of the last two
// tokens (entries in [-N, N] of its integer logit units) on the F most frequent characters' logits,
// nothing else refitted: what a model file with such a table would score, exactly.
//
// usage: tg_state_probe --model m.json --corpus FILE [--steps N] [--batch B] [--threads T]
//                       [--rows all|context|two-token|two-token-int]
// Built by `cmake --build build --target tg_state_probe` (needs the training module).
#include <fmt/format.h>
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>

#include "bpc.hpp"
#include "model.hpp"
#include "util.hpp"

namespace {

using torch::Tensor;
using torch::indexing::Slice;

struct Data {
  Tensor bits;    // [N, S] float 0/1: the state read before predicting token t
  Tensor logits;  // [N, V] float: the model's integer logits at that state
  Tensor target;  // [N] long: token t
  Tensor last;    // [N] long: the token read before t (V at a reset)
  int64_t n_train = 0, n = 0;
};

Data collect(const tg::Model& m, const std::string& text, const std::string& origin) {
  std::string tr = tg::split_text(text, "train"), va = tg::split_text(text, "val");
  auto t1 = tg::tokenize(m, tr, origin + " (train split)");
  auto t2 = tg::tokenize(m, va, origin + " (val split)");
  const int S = m.state_bits(), V = m.vocab_size();
  Data d;
  d.n_train = int64_t(t1.size());
  d.n = d.n_train + int64_t(t2.size());
  d.bits = torch::zeros({d.n, S});
  d.logits = torch::zeros({d.n, V});
  d.target = torch::zeros({d.n}, torch::kLong);
  d.last = torch::full({d.n}, int64_t(V), torch::kLong);
  auto bits = d.bits.accessor<float, 2>();
  auto lg = d.logits.accessor<float, 2>();
  auto tgt = d.target.accessor<int64_t, 1>();
  auto last = d.last.accessor<int64_t, 1>();
  tg::ModelSim sim(m);
  int64_t row = 0;
  for (const auto* toks : {&t1, &t2}) {
    sim.reset();
    int prev = V;
    for (int tok : *toks) {
      auto st = sim.flat_state();
      for (int j = 0; j < S; ++j) bits[row][j] = float(st[size_t(j)]);
      auto z = sim.logits();
      for (int v = 0; v < V; ++v) lg[row][v] = float(z[size_t(v)]);
      tgt[row] = tok;
      last[row] = prev;
      sim.step(tok);
      prev = tok;
      ++row;
    }
  }
  return d;
}

double val_bits(const Data& d, const std::function<Tensor(const Tensor&)>& f) {
  torch::NoGradGuard ng;
  double nll = 0;
  for (int64_t a = d.n_train; a < d.n; a += 65536) {
    Tensor idx = torch::arange(a, std::min(d.n, a + 65536));
    nll += torch::nn::functional::cross_entropy(f(idx), d.target.index({idx}),
                                                torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
               .item<double>();
  }
  return nll / double(d.n - d.n_train) / std::log(2.0);
}

// Fits `params` of the readout f on random train rows, then scores it on the val split.
double fit(const Data& d, const std::function<Tensor(const Tensor&)>& f, std::vector<Tensor> params, int steps,
           int batch) {
  torch::optim::Adam opt(params, torch::optim::AdamOptions(3e-2));
  for (int it = 0; it < steps; ++it) {
    double lr = 3e-2 * (it < steps / 2 ? 1.0 : 0.1 + 0.9 * 2.0 * (steps - it) / steps);  // decay over the 2nd half
    for (auto& g : opt.param_groups()) static_cast<torch::optim::AdamOptions&>(g.options()).lr(lr);
    Tensor idx = torch::randint(d.n_train, {batch}, torch::kLong);
    Tensor loss = torch::nn::functional::cross_entropy(f(idx), d.target.index({idx}));
    opt.zero_grad();
    loss.backward();
    opt.step();
  }
  return val_bits(d, f);
}

}  // namespace

int main(int argc, char** argv) {
  std::string model_path, corpus;
  int steps = 1500, batch = 8192, threads = 1;
  std::string rows = "all";
  for (int i = 1; i < argc; i += 2) {
    std::string k = argv[i], v = i + 1 < argc ? argv[i + 1] : "";
    if (v.empty()) {
      std::fprintf(stderr, "tg_state_probe: %s expects a value\n", k.c_str());
      return 2;
    }
    if (k == "--model") model_path = v;
    else if (k == "--corpus") corpus = v;
    else if (k == "--steps") steps = std::atoi(v.c_str());
    else if (k == "--batch") batch = std::atoi(v.c_str());
    else if (k == "--threads") threads = std::atoi(v.c_str());
    else if (k == "--rows") rows = v;
    else {
      std::fprintf(stderr, "tg_state_probe: unknown option %s\n", k.c_str());
      return 2;
    }
  }
  if (model_path.empty() || corpus.empty() || steps < 1 || batch < 1 || threads < 1 ||
      (rows != "all" && rows != "context" && rows != "two-token" && rows != "two-token-int")) {
    std::fprintf(stderr,
                 "usage: tg_state_probe --model m.json --corpus FILE [--steps N>0] [--batch B>0] [--threads T>0] "
                 "[--rows all|context|two-token|two-token-int]\n");
    return 2;
  }
  try {
    torch::set_num_threads(threads);
    tg::Model m = tg::load_model(model_path);
    auto t0 = std::chrono::steady_clock::now();
    Data d = collect(m, tg::read_file(corpus), corpus);
    const int S = m.state_bits(), V = m.vocab_size();
    const double s = m.head.logit_scale;
    std::printf("# %s on %s: %d state bits, vocab %d, %lld train / %lld val positions; %d steps of %d rows per fit\n\n",
                model_path.c_str(), corpus.c_str(), S, V, (long long)d.n_train, (long long)(d.n - d.n_train), steps,
                batch);
    std::printf("| readout of the binary state | trained parameters | val BPC |\n|---|---:|---:|\n");
    auto row = [&](const std::string& name, int64_t params, double bpc) {
      std::printf("| %s | %lld | %.4f |\n", name.c_str(), (long long)params, bpc);
      std::fflush(stdout);
    };
    row("model (its integer head)", 0, val_bits(d, [&](const Tensor& i) { return s * d.logits.index({i}); }));
    // The head's weighted sum without its bias: the model's logits minus the bias.
    Tensor bias = torch::zeros({V});
    for (int v = 0; v < V; ++v) bias[v] = float(m.head.bias[size_t(v)]);
    torch::manual_seed(1);
    if (rows == "two-token-int") {
      // What the hardware could add exactly: an INTEGER table of the last two tokens on the logits
      // of the F most frequent characters, entries in [-N, N] of the model's own integer logit
      // units, added to its integer logits; the model's logit scale unchanged and nothing else
      // refitted. Argmax and BPC of these rows are those of a model file with such a table.
      Tensor last2 = torch::cat({torch::full({1}, int64_t(V), torch::kLong), d.last.index({Slice(0, d.n - 1)})});
      Tensor start = torch::zeros({d.n}, torch::kBool);
      start[0] = true;
      start[d.n_train] = true;
      last2.index_put_({start}, int64_t(V));
      last2.index_put_({torch::cat({torch::zeros({1}, torch::kBool), start.index({Slice(0, d.n - 1)})})}, int64_t(V));
      Tensor freq = torch::bincount(d.target.index({Slice(0, d.n_train)}), {}, V);
      for (auto [F, N] : std::vector<std::pair<int, int>>{{8, 7}, {16, 3}, {16, 7}, {V, 7}}) {
        Tensor top = std::get<1>(freq.topk(F));
        Tensor T = torch::zeros({(V + 1) * (V + 1), F}).requires_grad_();
        auto f = [&](const Tensor& i) {
          Tensor t = T.index({last2.index({i}) * (V + 1) + d.last.index({i})});
          Tensor q = t + (t.detach().round().clamp(-N, N) - t.detach());  // integer entries, straight-through
          return s * d.logits.index({i}).index_add(1, top, q);
        };
        row(fmt::format("+ an integer table of the last two tokens on the {} most frequent characters' logits, entries in [-{}, {}]", F, N, N),
            int64_t(V + 1) * (V + 1) * F, fit(d, f, {T}, steps, batch));
      }
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      std::printf("\n%.0f s\n", secs);
      return 0;
    }
    if (rows == "context" || rows == "two-token") {
      const bool all_context = rows == "context";
      // What a table of the last token conditioned on a little more context would add to the
      // model's own head (its logits, per-logit scale and bias refitted): the previous state's
      // bits (the state before the last token was read; zero after a reset) and the token before
      // the last one.
      const int H = std::min(S, m.provenance.value("hidden", S));  // hidden units come first
      Tensor start = torch::zeros({d.n}, torch::kBool);
      start[0] = true;
      start[d.n_train] = true;
      auto prev_bits = [&](const Tensor& i) {
        Tensor p = d.bits.index({(i - 1).clamp_min(0), Slice(0, H)});
        return p * (~start.index({i})).to(torch::kFloat).unsqueeze(1);
      };
      Tensor last2 = torch::cat({torch::full({1}, int64_t(V), torch::kLong), d.last.index({Slice(0, d.n - 1)})});
      last2.index_put_({start}, int64_t(V));
      last2.index_put_({torch::cat({torch::zeros({1}, torch::kBool), start.index({Slice(0, d.n - 1)})})}, int64_t(V));
      // sc, b and E are shared by every row below: each row refits them, starting where the
      // previous row left them (the first row fits them alone).
      Tensor sc = torch::full({V}, float(s)).requires_grad_(), b = torch::zeros({V}).requires_grad_();
      Tensor E = torch::zeros({V + 1, V}).requires_grad_();
      auto base = [&](const Tensor& i) { return d.logits.index({i}) * sc + b + E.index({d.last.index({i})}); };
      row("model logits, per-logit scale and bias, + a float table of the last token", int64_t(V + 3) * V,
          fit(d, base, {sc, b, E}, steps, batch));
      // One previous-state bit per logit, chosen by a softmax relaxation, then fixed and refitted.
      if (all_context) {
        Tensor A = torch::zeros({V, H}).requires_grad_(), G = torch::zeros({V + 1, V}).requires_grad_();
        auto soft = [&](const Tensor& i) {
          Tensor sel = torch::matmul(prev_bits(i), torch::softmax(A * 4.0, 1).t());  // [B, V]
          return base(i) + G.index({d.last.index({i})}) * sel;
        };
        row(fmt::format("+ a second table of the last token, gated by one of {} previous-state bits per logit (soft choice)", H),
            int64_t(V + 1) * V + int64_t(V) * H, fit(d, soft, {sc, b, E, A, G}, steps, batch));
        Tensor pick = A.detach().argmax(1);  // [V]
        {
          Tensor counts = torch::bincount(pick, {}, H);
          std::printf("  chosen bits: %lld distinct\n", (long long)(counts > 0).sum().item<int64_t>());
        }
        Tensor G2 = torch::zeros({V + 1, V}).requires_grad_();
        auto hard = [&](const Tensor& i) {
          Tensor sel = prev_bits(i).index({Slice(), pick});  // [B, V]
          return base(i) + G2.index({d.last.index({i})}) * sel;
        };
        row("+ a second table of the last token, gated by one fixed previous-state bit per logit",
            int64_t(V + 1) * V, fit(d, hard, {sc, b, E, G2}, steps, batch));
      }
      // The token before the last one reduced to C learned classes (a softmax assignment per token,
      // then the argmax fixed and the tables refitted): a table of (last token, class) per logit.
      for (int C : {2, 4, 8}) {
        if (!all_context) break;  // --rows two-token: only the rows below
        Tensor Q = (torch::randn({V + 1, C}) * 0.1).requires_grad_();
        Tensor TC = torch::zeros({C, V + 1, V}).requires_grad_();
        auto softc = [&](const Tensor& i) {
          Tensor p = torch::softmax(Q.index({last2.index({i})}) * 4.0, 1);     // [B, C]
          Tensor t = TC.index({Slice(), d.last.index({i})});                    // [C, B, V]
          return base(i) + (p.t().unsqueeze(2) * t).sum(0);
        };
        double soft_bpc = fit(d, softc, {sc, b, E, Q, TC}, steps, batch);
        Tensor cls = Q.detach().argmax(1);  // [V + 1]
        Tensor TH = torch::zeros({C * (V + 1), V}).requires_grad_();
        auto hardc = [&](const Tensor& i) {
          return base(i) + TH.index({cls.index({last2.index({i})}) * (V + 1) + d.last.index({i})});
        };
        row(fmt::format("+ a float table of (last token, one of {} learned classes of the token before it); soft assignment {:.4f}",
                        C, soft_bpc),
            int64_t(C) * (V + 1) * V, fit(d, hardc, {sc, b, E, TH}, steps, batch));
      }
      // --rows two-token: the table of the last two tokens on the F most frequent characters only
      // (F logits x 4 bits is what F / 4 16-bit memories read in one clock; the UP5K's 4 SPRAMs:
      // F = 16). Not in --rows context, whose rows stay as they were measured.
      if (!all_context) {
        Tensor freq = torch::bincount(d.target.index({Slice(0, d.n_train)}), {}, V);
        for (int F : {8, 16, 32}) {
          Tensor top = std::get<1>(freq.topk(F));  // [F]
          Tensor TF = torch::zeros({(V + 1) * (V + 1), F}).requires_grad_();
          auto trif = [&](const Tensor& i) {
            return base(i).index_add(1, top, TF.index({last2.index({i}) * (V + 1) + d.last.index({i})}));
          };
          row(fmt::format("+ a float table of the last two tokens on the {} most frequent characters' logits", F),
              int64_t(V + 1) * (V + 1) * F, fit(d, trif, {sc, b, E, TF}, steps, batch));
        }
      }
      Tensor T = torch::zeros({(V + 1) * (V + 1), V}).requires_grad_();
      auto tri = [&](const Tensor& i) { return base(i) + T.index({last2.index({i}) * (V + 1) + d.last.index({i})}); };
      row("+ a float table of the last two tokens", int64_t(V + 1) * (V + 1) * V, fit(d, tri, {sc, b, E, T}, steps, batch));
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      std::printf("\n%.0f s\n", secs);
      return 0;
    }
    {
      Tensor sc = torch::full({V}, float(s)).requires_grad_(), b = (s * bias).clone().requires_grad_();
      auto f = [&](const Tensor& i) { return (d.logits.index({i}) - bias) * sc + b; };
      row("its ternary weights, per-logit float scale and bias", 2 * V, fit(d, f, {sc, b}, steps, batch));
    }
    // The head's own sparsity pattern (its nonzero weights), with other arithmetic on it.
    Tensor tern = torch::zeros({S, V});
    for (int v = 0; v < V; ++v)
      for (int j = 0; j < S; ++j) tern[j][v] = float(m.head.weights.at(v, j));
    Tensor mask = (tern != 0).to(torch::kFloat);
    const int64_t nnz = mask.sum().item<int64_t>();
    {
      Tensor sc = torch::full({V}, float(s)).requires_grad_(), b = (s * bias).clone().requires_grad_();
      Tensor E = torch::zeros({V + 1, V}).requires_grad_();
      auto f = [&](const Tensor& i) { return (d.logits.index({i}) - bias) * sc + b + E.index({d.last.index({i})}); };
      row("its ternary weights, per-logit scale and bias, + a float table of the last token", int64_t(V + 3) * V,
          fit(d, f, {sc, b, E}, steps, batch));
    }
    for (bool table : {false, true}) {
      Tensor W = (s * tern).clone().requires_grad_(), b = (s * bias).clone().requires_grad_();
      Tensor E = torch::zeros({V + 1, V}).requires_grad_();
      auto f = [&](const Tensor& i) {
        Tensor z = torch::matmul(d.bits.index({i}), W * mask) + b;
        return table ? z + E.index({d.last.index({i})}) : z;
      };
      if (table)
        row("its nonzero pattern, float weights, + a float table of the last token", nnz + int64_t(V + 2) * V,
            fit(d, f, {W, b, E}, steps, batch));
      else
        row("its nonzero pattern, float weights and bias", nnz + V, fit(d, f, {W, b}, steps, batch));
    }
    {
      Tensor W = torch::zeros({S, V}).requires_grad_(), b = torch::zeros({V}).requires_grad_();
      auto f = [&](const Tensor& i) { return torch::matmul(d.bits.index({i}), W) + b; };
      row("linear (dense float)", int64_t(S + 1) * V, fit(d, f, {W, b}, steps, batch));
    }
    {
      Tensor W = torch::zeros({S, V}).requires_grad_(), E = torch::zeros({V + 1, V}).requires_grad_(),
             b = torch::zeros({V}).requires_grad_();
      auto f = [&](const Tensor& i) { return torch::matmul(d.bits.index({i}), W) + E.index({d.last.index({i})}) + b; };
      row("linear + the last token (one-hot)", int64_t(S + V + 2) * V, fit(d, f, {W, E, b}, steps, batch));
    }
    for (int nh : {64, 128}) {
      Tensor W1 = (torch::randn({S, nh}) * 0.3).requires_grad_(), b1 = torch::zeros({nh}).requires_grad_();
      Tensor W = torch::zeros({nh + S, V}).requires_grad_(), b = torch::zeros({V}).requires_grad_();
      auto f = [&](const Tensor& i) {
        Tensor x = d.bits.index({i});
        Tensor a = torch::matmul(x, W1) + b1;
        Tensor soft = torch::sigmoid(2 * a);
        Tensor bit = (a.detach() >= 0).to(torch::kFloat) + (soft - soft.detach());
        return torch::matmul(torch::cat({bit, x}, 1), W) + b;
      };
      row(fmt::format("{} binary units, then linear on them and the state", nh), int64_t(S + 1) * nh + int64_t(nh + S + 1) * V,
          fit(d, f, {W1, b1, W, b}, steps, batch));
    }
    {
      const int nh = 256;
      Tensor W1 = (torch::randn({S, nh}) * 0.1).requires_grad_(), b1 = torch::zeros({nh}).requires_grad_();
      Tensor W = torch::zeros({nh, V}).requires_grad_(), b = torch::zeros({V}).requires_grad_();
      auto f = [&](const Tensor& i) { return torch::matmul(torch::relu(torch::matmul(d.bits.index({i}), W1) + b1), W) + b; };
      row("MLP, 256 ReLU units (what the state holds, roughly)", int64_t(S + 1) * nh + int64_t(nh + 1) * V,
          fit(d, f, {W1, b1, W, b}, steps, batch));
    }
    {
      Tensor E = torch::zeros({V + 1, V}).requires_grad_(), b = torch::zeros({V}).requires_grad_();
      auto f = [&](const Tensor& i) { return E.index({d.last.index({i})}) + b; };
      row("no state: the last token only (bigram)", int64_t(V + 2) * V, fit(d, f, {E, b}, steps, batch));
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("\n%.0f s\n", secs);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tg_state_probe: %s\n", e.what());
    return 1;
  }
  return 0;
}
