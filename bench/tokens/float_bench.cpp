// Tokens per second of the float model (libtorch, the training module's LM in its float stage):
// greedy generation, batch 1, one thread, one token per forward call (the way a recurrent
// model generates). Built by `make -C BUILD tg_bench_float` (needs the training module).
// usage: tg_bench_float --hidden H --vocab V [--cell gated|elman] [--layers L] [--tokens N]
//        tg_bench_float --model m.json --float m.pt [--tokens N]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "lm.hpp"
#include "model.hpp"
#include "util.hpp"

int main(int argc, char** argv) {
  tg::train::LMConfig c;
  c.gated = true;
  std::string model, ckpt;
  long N = 20000;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--hidden") c.hidden = std::atoi(v.c_str());
    else if (k == "--vocab") c.vocab = std::atoi(v.c_str());
    else if (k == "--cell") c.gated = v == "gated";
    else if (k == "--layers") c.layers = std::atoi(v.c_str());
    else if (k == "--tokens") N = std::atol(v.c_str());
    else if (k == "--model") model = v;
    else if (k == "--float") ckpt = v;
    else {
      std::fprintf(stderr, "tg_bench_float: unknown option %s\n", k.c_str());
      return 2;
    }
  }
  torch::set_num_threads(1);
  torch::NoGradGuard ng;
  try {
    tg::train::LM lm = nullptr;
    if (!model.empty()) {
      tg::Model m = tg::load_model(model);
      lm = tg::train::load_float_model(ckpt.empty() ? model.substr(0, model.rfind('.')) + ".pt" : ckpt, m);
    } else {
      lm = tg::train::LM(c);
      lm->eval();
    }
    auto h = lm->zero_state(1);
    torch::Tensor x = torch::zeros({1, 1}, torch::kLong);
    torch::Tensor prev;  // head.context code of the token before x (undefined without a table)
    // Warm-up, then the timed run.
    for (int i = 0; i < 200; ++i) {
      auto o = lm->forward(x, h, false, prev);
      h = o.h;
      prev = o.last;
      x = o.logits.argmax(2);
    }
    auto t0 = std::chrono::steady_clock::now();
    for (long i = 0; i < N; ++i) {
      auto o = lm->forward(x, h, false, prev);
      h = o.h;
      prev = o.last;
      x = o.logits.argmax(2);
    }
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    // Baseline: a plain torch::nn::GRUCell of the same size with an embedding and a linear
    // head, the usual float reference point for a recurrent character model.
    const int H = lm->cfg.hidden, V = lm->cfg.vocab;
    torch::nn::Embedding emb(V, H);
    torch::nn::GRUCell cell(H, H);
    torch::nn::Linear head(H, V);
    torch::Tensor g = torch::zeros({1, H}), y = torch::zeros({1}, torch::kLong);
    for (int i = 0; i < 200; ++i) {
      g = cell(emb(y), g);
      y = head(g).argmax(1);
    }
    t0 = std::chrono::steady_clock::now();
    for (long i = 0; i < N; ++i) {
      g = cell(emb(y), g);
      y = head(g).argmax(1);
    }
    double sg = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("float_tok_s %.0f\nfloat_hidden %d\nfloat_stage %d\ngru_tok_s %.0f\n", double(N) / s, H, lm->stage,
                double(N) / sg);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tg_bench_float: %s\n", e.what());
    return 1;
  }
  return 0;
}
