// Tests of training (issue 3): loss goes down, export round trip, the exported integer model is
// bit-exact with training's quantised forward pass, gradients reach every latent weight,
// training's evaluation equals `tritgate eval`'s, determinism, the float checkpoint, errors.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <functional>
#include <fstream>
#include <map>
#include <random>

#include "bpc.hpp"
#include "ir.hpp"
#include "lm.hpp"
#include "model.hpp"
#include "passes.hpp"
#include "train.hpp"
#include "util.hpp"

namespace fs = std::filesystem;
using namespace tg;
using namespace tg::train;

namespace {

std::string tmpdir() {
  static std::string d = [] {
    std::string p = (fs::temp_directory_path() / ("tg_train_test_" + std::to_string(::getpid()))).string();
    fs::create_directories(p);
    return p;
  }();
  return d;
}

std::string write_tmp(const std::string& name, const std::string& data) {
  std::string p = tmpdir() + "/" + name;
  std::ofstream(p, std::ios::binary) << data;
  return p;
}

// A small, learnable text: words from a short list, with a seeded choice.
std::string make_corpus(size_t n, uint32_t seed = 7) {
  static const char* words[] = {"the ", "cat ", "sat ", "on ", "a ", "mat. ", "dog ", "ran ", "to ", "it. "};
  std::mt19937 rng(seed);
  std::string s;
  while (s.size() < n) s += words[rng() % 10];
  return s;
}

double unigram_bits(const std::string& text) {
  std::vector<double> c(256, 0);
  for (unsigned char ch : text) c[ch] += 1;
  double h = 0;
  for (double x : c)
    if (x > 0) h -= x / text.size() * std::log2(x / text.size());
  return h;
}

Options tiny_options(const std::string& corpus, const std::string& out) {
  Options o;
  o.corpus = corpus;
  o.output = out;
  o.hidden = 24;
  o.fanin = 6;
  o.head_fanin = 8;
  o.steps = 400;
  o.batch = 16;
  o.bptt = 32;
  o.lr = 1e-2;
  o.quiet = true;
  o.command = "test";
  return o;
}

// One trained tiny model shared by several tests (seconds of training).
struct Trained {
  std::string corpus, path;
  Result r;
};
const Trained& trained() {
  static Trained t = [] {
    Trained x;
    x.corpus = write_tmp("corpus.txt", make_corpus(30000));
    x.path = tmpdir() + "/tiny.json";
    x.r = train::train(tiny_options(x.corpus, x.path));
    return x;
  }();
  return t;
}

LMConfig small_cfg(bool gated, int layers, int levels = 1) {
  LMConfig c;
  c.levels = levels;
  c.vocab = 11;
  c.hidden = 20;
  c.layers = layers;
  c.fanin = 5;
  c.head_fanin = 6;
  c.gated = gated;
  return c;
}

// A model in the binary stage, with masks and scales set from its random weights, a few biases
// moved so that thresholds are not all zero.
LM binary_lm(const LMConfig& c, uint64_t seed) {
  torch::manual_seed(seed);
  LM lm(c);
  {
    torch::NoGradGuard ng;
    for (auto& l : lm->banks)
      for (auto& b : l) {
        b.bias.copy_(torch::randn_like(b.bias) * 0.5);
        if (b.gap.defined()) b.gap.copy_(torch::randn_like(b.gap));  // thresholds 0.3..3 apart
      }
    lm->head_b.copy_(torch::randn_like(lm->head_b) * 2);
  }
  lm->update_masks(c.fanin, c.head_fanin);
  lm->delta_now = 0.4;
  lm->init_quant();
  lm->stage = kBinary;
  return lm;
}

// A seconds-long run on trained()'s corpus: 150 steps, hidden 16, written to tmpdir()/name.
Options short_run_options(const std::string& name) {
  Options o = tiny_options(trained().corpus, tmpdir() + "/" + name);
  o.steps = 150;
  o.hidden = 16;
  return o;
}

// The val-split BPC that `tritgate eval` computes: the optimised netlist's integer logits.
double tool_val_bpc(const Model& m, const std::string& corpus) {
  auto toks = tokenize(m, split_text(read_file(corpus), "val"), "val");
  ir::Netlist n = ir::from_model(m);
  nlohmann::json rep;
  passes::run(n, passes::default_pipeline(), rep);
  return evaluate_bpc(n, toks).bpc;
}

}  // namespace

TEST(Train, LossGoesDown) {
  const auto& t = trained();
  std::string text = read_file(t.corpus);
  std::string val = split_text(text, "val");
  double uni = unigram_bits(val);
  double uniform = std::log2(double(load_model(t.path).vocab_size()));
  // Training starts from the unigram prediction (head bias = log frequencies): both models must
  // do clearly better than that.
  EXPECT_LT(t.r.val_bpc_float, 0.8 * uni) << "float " << t.r.val_bpc_float << " unigram " << uni;
  EXPECT_LT(t.r.val_bpc, 0.9 * uni) << "quantised " << t.r.val_bpc << " unigram " << uni;
  EXPECT_LT(uni, uniform);
  EXPECT_EQ(t.r.steps, 400);
}

TEST(Train, TrainingEvalEqualsToolEval) {
  const auto& t = trained();
  Model m = load_model(t.path);
  auto toks = tokenize(m, split_text(read_file(t.corpus), "val"), "val");
  double bpc = tool_val_bpc(m, t.corpus);
  EXPECT_NEAR(bpc, t.r.val_bpc, 1e-6);
  EXPECT_NEAR(quant_bpc(m, toks), bpc, 1e-6);
  EXPECT_NEAR(m.provenance["val_bpc"].get<double>(), bpc, 1e-6);
}

// A seconds-long levels-2 run (thermometer units, exported as the format's levels = 2): training's
// quantised evaluation equals `tritgate eval`'s, and the float checkpoint reloads (or is refused
// for a model file with other levels).
TEST(Train, Levels2TrainingEvalEqualsToolEval) {
  const auto& t = trained();  // its corpus
  Options o = short_run_options("lv2.json");
  o.levels = 2;
  Result r = train::train(o);
  Model m = load_model(o.output);
  ASSERT_EQ(m.layers[0].levels, 2);
  for (const auto& th : m.layers[0].cand.thresholds) EXPECT_LE(th[0], th[1]);
  std::string val = split_text(read_file(t.corpus), "val");
  double bpc = tool_val_bpc(m, t.corpus);
  EXPECT_NEAR(bpc, r.val_bpc, 1e-6);
  EXPECT_NEAR(m.provenance["val_bpc"].get<double>(), bpc, 1e-6);
  EXPECT_LT(r.val_bpc, 0.9 * unigram_bits(val));
  LM f = load_float_model(float_checkpoint_path(o.output), m);
  EXPECT_EQ(f->cfg.levels, 2);
  Model one = m;
  one.layers[0].levels = 1;
  EXPECT_THROW(load_float_model(float_checkpoint_path(o.output), one), Error);
}

TEST(Train, ProvenanceAndFloatCheckpoint) {
  const auto& t = trained();
  Model m = load_model(t.path);
  for (const char* k : {"command", "seed", "corpus", "corpus_sha256", "steps", "minutes", "val_bpc_float", "val_bpc"})
    EXPECT_TRUE(m.provenance.contains(k)) << k;
  EXPECT_EQ(m.provenance["corpus_sha256"], sha256_hex(read_file(t.corpus)));
  EXPECT_LE(m.layers[0].units, 24);
  for (int u = 0; u < m.layers[0].units; ++u) EXPECT_LE(m.layers[0].cand.recurrent.row_nonzeros(u), 6);
  for (int v = 0; v < m.vocab_size(); ++v) EXPECT_LE(m.head.weights.row_nonzeros(v), 8);
  // The float module rebuilds from its checkpoint and predicts better than uniform.
  LM f = load_float_model(float_checkpoint_path(t.path), m);
  EXPECT_EQ(f->cfg.hidden, 24);
  std::string val = split_text(read_file(t.corpus), "val");
  auto toks = tokenize(m, val.substr(0, 400), "val");
  torch::Tensor x = torch::tensor(std::vector<int64_t>(toks.begin(), toks.end())).view({1, -1});
  torch::NoGradGuard ng;
  auto out = f->forward(x.slice(1, 0, x.size(1) - 1), f->zero_state(1));
  double ce = torch::nn::functional::cross_entropy(out.logits.reshape({-1, m.vocab_size()}),
                                                   x.slice(1, 1).reshape({-1}))
                  .item<double>() / std::log(2.0);
  EXPECT_LT(ce, std::log2(double(m.vocab_size())) * 0.7);
  // A model file with another vocabulary is refused, naming the checkpoint.
  Model other = m;
  other.vocab.pop_back();
  try {
    load_float_model(float_checkpoint_path(t.path), other);
    FAIL() << "expected tg::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("vocabulary"), std::string::npos) << e.what();
  }
  Model wide = m;
  wide.provenance["hidden"] = 99;
  EXPECT_THROW(load_float_model(float_checkpoint_path(t.path), wide), Error);
}

TEST(Train, ExportRoundTrip) {
  for (bool gated : {false, true}) {
    LM lm = binary_lm(small_cfg(gated, 2), 3);
    std::vector<uint8_t> vocab;
    for (int i = 0; i < 11; ++i) vocab.push_back(uint8_t('a' + i));
    Model m = lm->export_model(vocab);
    validate_model(m, "export");
    std::string p = tmpdir() + (gated ? "/rt_g.json" : "/rt_e.json");
    save_model(m, p);
    Model back = load_model(p);
    EXPECT_EQ(model_to_json(back), model_to_json(m));
    ModelSim a(m), b(back);
    for (int t : {0, 3, 10, 10, 2, 7, 1, 11, 4}) {
      a.step(t);
      b.step(t);
      EXPECT_EQ(a.flat_state(), b.flat_state());
      EXPECT_EQ(a.logits(), b.logits());
    }
  }
}

TEST(Train, ExportIsBitExactWithQuantisedForward) {
  for (int levels : {1, 2, 3})
  for (int layers : {1, 2})
    for (bool gated : {false, true}) {
      LMConfig c = small_cfg(gated, layers, levels);
      LM lm = binary_lm(c, 11 + layers + 2 * gated + 4 * levels);
      std::vector<uint8_t> vocab;
      for (int i = 0; i < c.vocab; ++i) vocab.push_back(uint8_t('a' + i));
      Model m = lm->export_model(vocab);
      validate_model(m, "export");
      ASSERT_EQ(m.layers[0].levels, levels);
      const int B = 4, T = 60;
      torch::manual_seed(5);
      torch::Tensor x = torch::randint(0, c.vocab, {B, T}, torch::kLong);
      torch::NoGradGuard ng;
      auto out = lm->forward(x, lm->zero_state(B), /*record=*/true);
      int flips = 0;
      for (int b = 0; b < B; ++b) {
        ModelSim sim(m);
        std::vector<uint8_t> prev = sim.flat_state();
        for (int t = 0; t < T; ++t) {
          sim.step(int(x[b][t].item<int64_t>()));
          std::vector<uint8_t> want;
          for (int l = 0; l < layers; ++l)
            for (int u = 0; u < c.hidden * levels; ++u)
              want.push_back(uint8_t(out.states[size_t(l)][b][t][u].item<float>()));
          ASSERT_EQ(sim.flat_state(), want) << "levels " << levels << " layers " << layers << " gated " << gated << " b "
                                            << b << " t " << t;
          std::vector<int> z;
          for (int v = 0; v < c.vocab; ++v) z.push_back(int(out.z[b][t][v].item<float>()));
          ASSERT_EQ(sim.logits(), z) << "b " << b << " t " << t;
          flips += sim.flat_state() != prev;
          prev = sim.flat_state();
        }
      }
      EXPECT_GT(flips, 10) << "the state should change over the sequence";
      if (levels > 1) {  // the levels of a unit differ somewhere (not just copies of one bit)
        int differ = 0;
        torch::Tensor st = out.states[0].view({B, T, c.hidden, levels});
        differ = (st.select(3, 0) != st.select(3, levels - 1)).sum().item<int>();
        EXPECT_GT(differ, 10);
      }
      // Pruning unread units keeps the logits (and the integer interpreter agrees with ModelSim).
      Model pr = m;
      prune_unread(pr);
      validate_model(pr, "pruned");
      ModelSim s1(m), s2(pr);
      for (int t = 0; t < T; ++t) {
        s1.step(int(x[0][t].item<int64_t>()));
        s2.step(int(x[0][t].item<int64_t>()));
        ASSERT_EQ(s1.logits(), s2.logits());
      }
      std::vector<int> toks;
      for (int t = 0; t < T; ++t) toks.push_back(int(x[0][t].item<int64_t>()));
      ir::Netlist n = ir::from_model(pr);
      EXPECT_NEAR(quant_bpc(pr, toks), evaluate_bpc(n, toks).bpc, 1e-9);
      EXPECT_NEAR(quant_bpc(m, toks), quant_bpc(pr, toks), 1e-9);
    }
}

// --head-token: the head's integer token table becomes token-only units of layer 0. The exported
// model's logits equal the quantised forward pass's on every position (so the table term is
// exactly E[last token]), the new units have no recurrent weights and are read with +-1, and
// pruning keeps them.
TEST(Train, HeadTokenTableIsExactAsStateUnits) {
  for (bool gated : {false, true})
    for (int n : {1, 3}) {
      LMConfig c = small_cfg(gated, 1);
      c.head_token = n;
      LM lm = binary_lm(c, 31 + n + 2 * gated);
      {
        torch::NoGradGuard ng;  // entries spread over [-n, n] in the head's integer units
        lm->head_e.copy_(torch::randn_like(lm->head_e) * (0.8 * n) * lm->log_scale.exp());
      }
      std::vector<uint8_t> vocab;
      for (int i = 0; i < c.vocab; ++i) vocab.push_back(uint8_t('a' + i));
      Model m = lm->export_model(vocab);
      validate_model(m, "export");
      const Layer& l = m.layers[0];
      ASSERT_GT(l.units, c.hidden);
      ASSERT_LE(l.units, c.hidden + 2 * n * c.vocab);
      auto head_readers = [&](const Model& mm, int u) {
        int r = 0;
        for (int v = 0; v < c.vocab; ++v) r += mm.head.weights.at(v, u) != 0;
        return r;
      };
      for (int u = c.hidden; u < l.units; ++u) {
        EXPECT_EQ(l.cand.recurrent.row_nonzeros(u), 0);
        EXPECT_EQ(l.cand.thresholds[size_t(u)][0], 1);
        EXPECT_EQ(head_readers(m, u), 1) << "unit " << u;
      }
      const torch::Tensor qe = lm->quant_head().e;
      EXPECT_GT((qe.abs() == n).sum().item<int>(), 0) << "the table should reach its largest entry";
      const int B = 3, T = 50;
      torch::manual_seed(6);
      torch::Tensor x = torch::randint(0, c.vocab, {B, T}, torch::kLong);
      torch::NoGradGuard ng;
      auto out = lm->forward(x, lm->zero_state(B), /*record=*/true);
      Model pr = m;
      prune_unread(pr);
      for (const Model* mm : {&m, &pr}) {
        for (int b = 0; b < B; ++b) {
          ModelSim sim(*mm);
          for (int t = 0; t < T; ++t) {
            sim.step(int(x[b][t].item<int64_t>()));
            std::vector<int> z;
            for (int v = 0; v < c.vocab; ++v) z.push_back(int(out.z[b][t][v].item<float>()));
            ASSERT_EQ(sim.logits(), z) << "gated " << gated << " n " << n << " b " << b << " t " << t;
          }
        }
      }
      int token_units = 0;  // every token unit is read by the head, so pruning keeps them all
      for (int u = 0; u < pr.layers[0].units; ++u)
        token_units += pr.layers[0].cand.recurrent.row_nonzeros(u) == 0 && head_readers(pr, u) == 1;
      EXPECT_GE(token_units, l.units - c.hidden);
      // The reset state reads no token: the logits there are the bias alone plus the hidden state's.
      ModelSim s0(m);
      torch::Tensor l0 = lm->head_logits(lm->zero_state(1).back().unsqueeze(1)).squeeze(1).squeeze(0);
      for (int v = 0; v < c.vocab; ++v)
        EXPECT_NEAR(s0.logits()[size_t(v)] * m.head.logit_scale, l0[v].item<double>(), 1e-4);
    }
}

// A seconds-long --head-token run: training's quantised evaluation equals `tritgate eval`'s, the
// float checkpoint reloads with its table, and the table gets gradients in every stage.
TEST(Train, HeadTokenTrainsAndEvalAgrees) {
  const auto& t = trained();
  Options o = short_run_options("ht.json");
  o.head_token = 2;
  Result r = train::train(o);
  Model m = load_model(o.output);
  int token_units = 0;  // kept units numbered after the hidden ones
  for (int u : m.provenance["kept_units"][0].get<std::vector<int>>()) token_units += u >= o.hidden;
  EXPECT_GT(token_units, 0);
  EXPECT_EQ(m.provenance["head_token"].get<int>(), 2);
  EXPECT_NEAR(tool_val_bpc(m, t.corpus), r.val_bpc, 1e-6);
  EXPECT_LT(r.val_bpc, 0.9 * unigram_bits(split_text(read_file(t.corpus), "val")));
  LM f = load_float_model(float_checkpoint_path(o.output), m);
  EXPECT_EQ(f->cfg.head_token, 2);
  EXPECT_GT(f->head_e.abs().sum().item<double>(), 0);
  for (int stage : {kSparse, kTernary, kBinary}) {
    LMConfig c = small_cfg(true, 1);
    c.head_token = 1;
    LM lm = binary_lm(c, 41);
    lm->stage = stage;
    torch::manual_seed(3);
    torch::Tensor x = torch::randint(0, c.vocab, {8, 40}, torch::kLong);
    auto out = lm->forward(x.slice(1, 0, 39), lm->zero_state(8));
    torch::nn::functional::cross_entropy(out.logits.reshape({-1, c.vocab}), x.slice(1, 1).reshape({-1})).backward();
    ASSERT_TRUE(lm->head_e.grad().defined()) << "stage " << stage;
    EXPECT_GT(lm->head_e.grad().abs().sum().item<double>(), 0) << "stage " << stage;
  }
}

// --head-context: the exported head.context table equals the quantised forward pass's term on
// every position, across a chunk boundary (the code of the token before a chunk carried in
// `prev`) and at the reset state (row (none, none)); with --head-token beside it.
TEST(Train, HeadContextIsExactAcrossChunks) {
  for (bool gated : {false, true}) {
    LMConfig c = small_cfg(gated, 1);
    c.head_context = 4;
    c.context_range = 3;
    c.head_token = gated ? 1 : 0;
    LM lm = binary_lm(c, 51 + gated);
    {
      torch::NoGradGuard ng;
      lm->head_c.copy_(torch::randn_like(lm->head_c) * 2.0 * lm->log_scale.exp());
      lm->ctx_cols.copy_(torch::tensor(std::vector<int64_t>{1, 4, 5, 9}));
      if (gated) lm->head_e.copy_(torch::randn_like(lm->head_e) * lm->log_scale.exp());
    }
    std::vector<uint8_t> vocab;
    for (int i = 0; i < c.vocab; ++i) vocab.push_back(uint8_t('a' + i));
    Model m = lm->export_model(vocab);
    validate_model(m, "export");
    ASSERT_TRUE(m.head.has_context());
    EXPECT_EQ(m.head.context_logits, (std::vector<int>{1, 4, 5, 9}));
    EXPECT_GT((lm->quant_head().c.abs() == 3).sum().item<int>(), 0) << "the table should reach its largest entry";
    const int B = 3, T = 60, cut = 23;
    torch::manual_seed(8);
    torch::Tensor x = torch::randint(0, c.vocab, {B, T}, torch::kLong);
    torch::NoGradGuard ng;
    auto o1 = lm->forward(x.slice(1, 0, cut), lm->zero_state(B), true);
    auto o2 = lm->forward(x.slice(1, cut, T), o1.h, true, o1.last);
    torch::Tensor z = torch::cat({o1.z, o2.z}, 1);
    Model pr = m;
    prune_unread(pr);
    for (const Model* mm : {&m, &pr})
      for (int b = 0; b < B; ++b) {
        ModelSim sim(*mm);
        for (int t = 0; t < T; ++t) {
          sim.step(int(x[b][t].item<int64_t>()));
          std::vector<int> want;
          for (int v = 0; v < c.vocab; ++v) want.push_back(int(z[b][t][v].item<float>()));
          ASSERT_EQ(sim.logits(), want) << "gated " << gated << " b " << b << " t " << t;
        }
      }
    ModelSim s0(m);  // the reset prediction: row 0 of the table
    torch::Tensor l0 = lm->head_logits(lm->zero_state(1).back().unsqueeze(1)).squeeze(1).squeeze(0);
    for (int v = 0; v < c.vocab; ++v)
      EXPECT_NEAR(s0.logits()[size_t(v)] * m.head.logit_scale, l0[v].item<double>(), 1e-4);
    std::vector<int> toks;
    for (int t = 0; t < T; ++t) toks.push_back(int(x[0][t].item<int64_t>()));
    nlohmann::json rep;
    ir::Netlist n = ir::from_model(pr);
    passes::run(n, passes::default_pipeline(), rep);
    EXPECT_NEAR(quant_bpc(pr, toks), evaluate_bpc(n, toks).bpc, 1e-9);
  }
}

// A seconds-long --head-context run: training's evaluation equals `tritgate eval`'s, the float
// checkpoint reloads with its table, a resume mid-run gives the same file, and the table gets
// gradients in every stage.
TEST(Train, HeadContextTrainsAndEvalAgrees) {
  const auto& t = trained();
  Options o = short_run_options("hc.json");
  o.head_context = 5;
  Result r = train::train(o);
  Model m = load_model(o.output);
  ASSERT_TRUE(m.head.has_context());
  EXPECT_EQ(m.head.context_logits.size(), 5u);
  EXPECT_EQ(m.provenance["head_context"].get<int>(), 5);
  EXPECT_NEAR(tool_val_bpc(m, t.corpus), r.val_bpc, 1e-6);
  EXPECT_LT(r.val_bpc, 0.9 * unigram_bits(split_text(read_file(t.corpus), "val")));
  LM f = load_float_model(float_checkpoint_path(o.output), m);
  EXPECT_EQ(f->cfg.head_context, 5);
  EXPECT_GT(f->head_c.abs().sum().item<double>(), 0);
  {  // interrupted after 90 steps, resumed: the same model file
    Options a = short_run_options("hc_r.json");
    a.head_context = 5;
    a.stop_after = 90;
    train::train(a);
    a.stop_after = 0;
    a.resume = true;
    train::train(a);
    EXPECT_EQ(load_model(a.output).head.context.w, m.head.context.w);
    EXPECT_EQ(load_model(a.output).head.weights.w, m.head.weights.w);
  }
  for (int stage : {kSparse, kTernary, kBinary}) {
    LMConfig c = small_cfg(true, 1);
    c.head_context = 3;
    c.context_range = 2;
    LM lm = binary_lm(c, 43);
    lm->stage = stage;
    torch::manual_seed(3);
    torch::Tensor x = torch::randint(0, c.vocab, {8, 40}, torch::kLong);
    auto out = lm->forward(x.slice(1, 0, 39), lm->zero_state(8));
    torch::nn::functional::cross_entropy(out.logits.reshape({-1, c.vocab}), x.slice(1, 1).reshape({-1})).backward();
    ASSERT_TRUE(lm->head_c.grad().defined()) << "stage " << stage;
    EXPECT_GT(lm->head_c.grad().abs().sum().item<double>(), 0) << "stage " << stage;
  }
}

TEST(Train, GradientsReachEveryLatentWeight) {
  for (int levels : {1, 2})
  for (int stage : {kSparse, kTernary, kBinary}) {
    LMConfig c = small_cfg(true, 2, levels);
    LM lm = binary_lm(c, 21);
    lm->stage = stage;
    lm->tau_now = 0.5;
    torch::manual_seed(2);
    torch::Tensor x = torch::randint(0, c.vocab, {8, 40}, torch::kLong);
    auto out = lm->forward(x.slice(1, 0, 39), lm->zero_state(8));
    torch::Tensor loss = torch::nn::functional::cross_entropy(out.logits.reshape({-1, c.vocab}),
                                                              x.slice(1, 1).reshape({-1}));
    loss.backward();
    for (const auto& p : lm->named_parameters()) {
      bool quant_only = p.key().find("log_alpha") != std::string::npos || p.key() == "log_scale";
      if (stage == kSparse && quant_only) continue;  // scales exist only in the quantised stages
      ASSERT_TRUE(p.value().grad().defined()) << p.key() << " stage " << stage;
      EXPECT_GT(p.value().grad().abs().sum().item<double>(), 0) << p.key() << " stage " << stage << " levels " << levels;
    }
  }
}

// --quant-ramp: at mix 0 the ternary stage's forward pass (temperature 1, no sampling) is the
// float model's under its fan-in masks, so quantisation starts where the float stages ended; at
// mix 1 it is the plain ternary stage; in between, gradients still reach every parameter.
TEST(Train, QuantRampStartsAtTheFloatModel) {
  for (bool gated : {false, true})
    for (int levels : {1, 2}) {
      LMConfig c = small_cfg(gated, 2, levels);
      LM lm = binary_lm(c, 31 + levels);
      torch::manual_seed(3);
      torch::Tensor x = torch::randint(0, c.vocab, {4, 30}, torch::kLong);
      auto run = [&](int stage, double mix) {
        torch::NoGradGuard ng;
        lm->stage = stage;
        lm->mix_now = mix;
        lm->tau_now = 1;
        return lm->forward(x, lm->zero_state(4)).logits;
      };
      torch::Tensor fl = run(kSparse, 1), q0 = run(kTernary, 0), q1 = run(kTernary, 1), qh = run(kTernary, 0.5);
      EXPECT_LT((fl - q0).abs().max().item<double>(), 1e-4) << "gated " << gated << " levels " << levels;
      EXPECT_GT((fl - q1).abs().max().item<double>(), 1e-2) << "quantisation should change the logits";
      EXPECT_GT((qh - q0).abs().max().item<double>(), 1e-3);
      EXPECT_GT((qh - q1).abs().max().item<double>(), 1e-3);
      lm->stage = kTernary;
      lm->mix_now = 0.5;
      lm->stochastic = true;
      lm->train();
      auto out = lm->forward(x.slice(1, 0, 29), lm->zero_state(4));
      torch::nn::functional::cross_entropy(out.logits.reshape({-1, c.vocab}), x.slice(1, 1).reshape({-1})).backward();
      for (const auto& p : lm->named_parameters()) {
        ASSERT_TRUE(p.value().grad().defined()) << p.key();
        EXPECT_GT(p.value().grad().abs().sum().item<double>(), 0) << p.key() << " gated " << gated;
      }
    }
}

// --clip-latent: every latent ternary weight ends within +-c of its unit's scale (the head's:
// its logit scale), the ones inside are untouched, and the signs are kept.
TEST(Train, ClipLatentBoundsEveryTernaryWeight) {
  LMConfig c = small_cfg(true, 2);
  LM lm = binary_lm(c, 41);
  {
    torch::NoGradGuard ng;
    for (auto& p : lm->named_parameters())
      if (p.key().find("wrec") != std::string::npos || p.key().find("win") != std::string::npos || p.key() == "head_w")
        p.value().mul_(5);
  }
  std::map<std::string, torch::Tensor> before;
  for (const auto& p : lm->named_parameters()) before[p.key()] = p.value().detach().clone();
  const double k = 1.5;
  lm->clip_latent(k);
  auto check = [&](const std::string& name, const torch::Tensor& w, const torch::Tensor& bound) {
    torch::Tensor b0 = before[name];
    EXPECT_TRUE((w.abs() <= bound + 1e-6).all().item<bool>()) << name;
    torch::Tensor inside = b0.abs() <= bound;
    EXPECT_TRUE(torch::equal(w.masked_select(inside), b0.masked_select(inside))) << name;
    EXPECT_TRUE((w.sign() == b0.sign()).all().item<bool>()) << name;
    EXPECT_GT((~inside).sum().item<int64_t>(), 0) << name << ": the test should clip something";
  };
  for (int l = 0; l < c.layers; ++l)
    for (int b = 0; b < 2; ++b) {
      const Bank& k2 = lm->banks[size_t(l)][size_t(b)];
      torch::Tensor bound = k * k2.log_alpha.exp().unsqueeze(1).expand_as(k2.wrec);
      check(fmt::format("l{}_{}_wrec", l, b == 0 ? "c" : "g"), k2.wrec, bound);
      if (l > 0) check(fmt::format("l{}_{}_win", l, b == 0 ? "c" : "g"), k2.win, bound);
      else  // the layer-0 token table is integer, not ternary: not clipped
        EXPECT_TRUE(torch::equal(k2.win, before[fmt::format("l0_{}_win", b == 0 ? "c" : "g")]));
    }
  check("head_w", lm->head_w, (k * lm->log_scale.exp()).expand_as(lm->head_w));
}

TEST(Train, SameSeedSameModel) {
  std::string corpus = write_tmp("det.txt", make_corpus(8000, 3));
  Options o = tiny_options(corpus, tmpdir() + "/d1.json");
  o.steps = 30;
  train::train(o);
  o.output = tmpdir() + "/d2.json";
  train::train(o);
  Model a = load_model(tmpdir() + "/d1.json"), b = load_model(tmpdir() + "/d2.json");
  a.provenance = b.provenance = nlohmann::json::object();
  a.name = b.name;
  EXPECT_EQ(model_to_json(a), model_to_json(b));
}

TEST(Train, ResumeContinuesExactly) {
  std::string corpus = write_tmp("res.txt", make_corpus(8000, 5));
  Options o = tiny_options(corpus, tmpdir() + "/r1.json");
  o.steps = 40;
  train::train(o);
  o.output = tmpdir() + "/r2.json";
  o.stop_after = 23;  // interrupted in the ternary stage
  Result part = train::train(o);
  EXPECT_EQ(part.steps, 23);
  EXPECT_FALSE(fs::exists(o.output));
  EXPECT_TRUE(fs::exists(train_checkpoint_path(o.output)));
  o.stop_after = 0;
  o.resume = true;
  Result full = train::train(o);
  EXPECT_EQ(full.steps, 40);
  EXPECT_FALSE(fs::exists(train_checkpoint_path(o.output)));
  Model a = load_model(tmpdir() + "/r1.json"), b = load_model(o.output);
  EXPECT_EQ(b.provenance.value("resumed_at_step", -1), 23);
  EXPECT_FALSE(a.provenance.contains("resumed_at_step"));
  a.provenance = b.provenance = nlohmann::json::object();
  a.name = b.name;
  EXPECT_EQ(model_to_json(a), model_to_json(b));
}

// --weight-ema: the model file is the average of the binary stage's weights. It differs from the
// last step's model, it is what training scored (training's eval equals the tool's), and an
// interruption in the binary stage loses nothing (the averages travel in the checkpoint).
TEST(Train, WeightEmaExportsTheAverageAndResumes) {
  std::string corpus = write_tmp("ema.txt", make_corpus(8000, 7));
  Options o = tiny_options(corpus, tmpdir() + "/e0.json");
  o.steps = 60;  // binary stage from step 36
  train::train(o);
  o.weight_ema = 0.9;
  o.output = tmpdir() + "/e1.json";
  Result r = train::train(o);
  o.output = tmpdir() + "/e2.json";
  o.stop_after = 45;  // interrupted in the binary stage
  train::train(o);
  o.stop_after = 0;
  o.resume = true;
  train::train(o);
  Model last = load_model(tmpdir() + "/e0.json"), a = load_model(tmpdir() + "/e1.json"), b = load_model(o.output);
  EXPECT_EQ(a.provenance["weight_ema"].get<double>(), 0.9);
  EXPECT_NEAR(tool_val_bpc(a, corpus), r.val_bpc, 1e-6);
  for (Model* m : {&last, &a, &b}) {
    m->provenance = nlohmann::json::object();
    m->name = "x";
  }
  EXPECT_NE(model_to_json(last), model_to_json(a)) << "the average should differ from the last step";
  EXPECT_EQ(model_to_json(a), model_to_json(b)) << "resuming in the binary stage should keep the averages";
}

namespace {
void expect_error(const Options& o, const std::string& needle) {
  try {
    train::train(o);
    FAIL() << "expected tg::Error mentioning " << needle;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}
}  // namespace

TEST(Train, Errors) {
  std::string good = write_tmp("good.txt", make_corpus(2000));
  Options o = tiny_options(good, tmpdir() + "/err.json");
  o.corpus = tmpdir() + "/missing.txt";
  expect_error(o, "missing.txt");
  o.corpus = write_tmp("empty.txt", "");
  expect_error(o, "empty");
  o.corpus = write_tmp("binary.bin", std::string("abc\0def", 7) + make_corpus(200));
  expect_error(o, "binary");
  o.corpus = write_tmp("single.txt", std::string(500, 'x'));
  expect_error(o, "single distinct symbol");
  // Options that make no model: each on otherwise good options.
  const std::vector<std::pair<std::function<void(Options&)>, std::string>> bad = {
      {[](Options& x) { x.fanin = 25; }, "--fanin"},
      {[](Options& x) { x.head_fanin = 30; }, "--head-fanin"},
      {[](Options& x) { x.steps = 0, x.minutes = 0; }, "--minutes"},
      {[](Options& x) { x.quant_ramp = 1.5; }, "--quant-ramp"},
      {[](Options& x) { x.clip_latent = -1; }, "--clip-latent"},
      {[](Options& x) { x.weight_ema = 1; }, "--weight-ema"},
      {[](Options& x) { x.head_token = 9; }, "--head-token"},
      {[](Options& x) { x.head_token = 1, x.layers = 2; }, "--head-token: needs --layers 1"},
      {[](Options& x) { x.resume = true; }, "--resume"},
      {[](Options& x) { x.head_context = 500; }, "--head-context: expected a number of logits 0..256"},
      {[](Options& x) { x.head_context = 200; }, "--head-context: 200 logits asked"},
      {[](Options& x) { x.head_context = 2, x.context_range = 0; }, "--context-range"},
  };
  for (const auto& [set, needle] : bad) {
    o = tiny_options(good, tmpdir() + "/err.json");
    set(o);
    expect_error(o, needle);
  }
  EXPECT_FALSE(fs::exists(tmpdir() + "/err.json"));
}
