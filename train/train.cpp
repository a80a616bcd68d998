// The libtorch part of tritgate training: the staged model (lm.hpp), export to the integer model
// file, the float checkpoint, the training loop with checkpoints, and training's quantised
// evaluation. One translation unit on purpose: torch headers compile slowly.
#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <csignal>
#include <random>

#include "bpc.hpp"
#include "lm.hpp"
#include "train.hpp"
#include "util.hpp"

namespace fs = std::filesystem;
using torch::Tensor;

namespace tg::train {

// ---------------------------------------------------------------------------------------------
// Quantisers. Each returns exact integer values in the forward pass (x - x.detach() is exactly
// zero) and passes the gradient straight through to the latent float tensor.

namespace {

Tensor ste(const Tensor& forward_value, const Tensor& latent) { return forward_value + (latent - latent.detach()); }

Tensor round_ste(const Tensor& x) { return ste(x.detach().round(), x); }

// Ternary weights under a 0/1 mask: sign(w) where |w| > delta * mean|w| of the row's kept
// entries, else 0. Gradient: identity on kept entries.
Tensor ternary_ste(const Tensor& w, const Tensor& mask, double delta) {
  Tensor wm = w * mask;
  Tensor a = wm.detach().abs();
  Tensor cnt = mask.sum(1, true).clamp_min(1);
  Tensor thr = delta * a.sum(1, true) / cnt;
  Tensor q = wm.detach().sign() * (a > thr).to(torch::kFloat);
  return ste(q, wm);
}

Tensor topk_mask(const Tensor& w, int k) {
  int64_t cols = w.size(1);
  if (k >= cols) return torch::ones_like(w);
  Tensor idx = std::get<1>(w.detach().abs().topk(k, 1));
  return torch::zeros_like(w).scatter_(1, idx, 1.0);
}

std::string pname(int l, int b, const char* what) { return fmt::format("l{}_{}_{}", l, b == 0 ? "c" : "g", what); }

}  // namespace

// ---------------------------------------------------------------------------------------------
// The model.

LMImpl::LMImpl(const LMConfig& c) : cfg(c), delta_now(c.delta) {
  const int H = c.hidden, V = c.vocab, HL = c.hidden * c.levels;
  const double rs = 1.5 / std::sqrt(double(HL));
  banks.resize(size_t(c.layers));
  for (int l = 0; l < c.layers; ++l) {
    for (int b = 0; b < (c.gated ? 2 : 1); ++b) {
      Bank k;
      k.win = l == 0 ? register_parameter(pname(l, b, "win"), torch::randn({V, H}))
                     : register_parameter(pname(l, b, "win"), torch::randn({H, HL}) * rs);
      k.wrec = register_parameter(pname(l, b, "wrec"), torch::randn({H, HL}) * rs);
      k.bias = register_parameter(pname(l, b, "bias"), torch::zeros({H}));
      k.log_alpha = register_parameter(pname(l, b, "log_alpha"), torch::zeros({H}));
      k.min = register_buffer(pname(l, b, "min"), torch::ones_like(k.win));
      k.mrec = register_buffer(pname(l, b, "mrec"), torch::ones_like(k.wrec));
      // levels > 1: thresholds 1 apart in the sum's units at the start (softplus(0.5413) = 1)
      if (b == 0 && c.levels > 1)
        k.gap = register_parameter(pname(l, b, "gap"), torch::full({H, c.levels - 1}, 0.5413));
      banks[size_t(l)].push_back(k);
    }
  }
  head_w = register_parameter("head_w", torch::randn({V, HL}) / std::sqrt(double(HL)));
  head_b = register_parameter("head_b", torch::zeros({V}));
  log_scale = register_parameter("log_scale", torch::zeros({1}));
  head_mask = register_buffer("head_mask", torch::ones({V, HL}));
  if (c.head_token > 0) head_e = register_parameter("head_e", torch::zeros({V, V}));
  if (c.head_context > 0) {
    head_c = register_parameter("head_c", torch::zeros({(V + 1) * (V + 1), c.head_context}));
    ctx_cols = register_buffer("ctx_cols", torch::arange(c.head_context, torch::kLong));  // set by train()
  }
}

Tensor LMImpl::context_term(const Tensor& x, const Tensor& prev, bool quant) const {
  const int64_t B = x.size(0), T = x.size(1), V1 = cfg.vocab + 1;
  Tensor code = x + 1;  // token + 1 (training tokens are all in the vocabulary)
  Tensor p0 = prev.defined() ? prev.view({B, 1}).to(torch::kLong) : torch::zeros({B, 1}, torch::kLong);
  Tensor cprev = torch::cat({p0, code.slice(1, 0, T - 1)}, 1);
  Tensor row = (cprev * V1 + code).reshape({-1});
  Tensor table = quant ? quant_head().c : head_c;
  return table.index_select(0, row).view({B, T, cfg.head_context});
}

std::vector<Tensor> LMImpl::zero_state(int64_t batch) const {
  std::vector<Tensor> h;
  for (int l = 0; l < cfg.layers; ++l) h.push_back(torch::zeros({batch, cfg.hidden * cfg.levels}));
  return h;
}

Tensor LMImpl::level_bias(int l, int b) const {
  const Bank& k = banks[size_t(l)][size_t(b)];
  Tensor bl = k.bias.unsqueeze(1);  // [H, 1]
  if (b != 0 || cfg.levels == 1) return bl;
  Tensor steps = torch::nn::functional::softplus(k.gap).cumsum(1);  // [H, levels-1], increasing
  return torch::cat({bl, bl - steps}, 1);
}

namespace {
// mix * quantised + (1 - mix) * float; exactly the quantised tensor at mix = 1.
Tensor blend(double mix, const Tensor& quantised, const Tensor& float_units) {
  return mix >= 1 ? quantised : mix * quantised + (1 - mix) * float_units;
}
// Ternary weights under a mask, blended with the float weights in units of `scale`.
Tensor ternary_blend(double mix, const Tensor& w, const Tensor& mask, double delta, const Tensor& scale) {
  return blend(mix, ternary_ste(w, mask, delta), w * mask / scale);
}
}  // namespace

QBank LMImpl::quant_bank(int l, int b) const {
  const Bank& k = banks[size_t(l)][size_t(b)];
  QBank q;
  q.alpha = k.log_alpha.exp();
  Tensor ar = q.alpha.unsqueeze(1);  // rows are units
  q.trec = ternary_blend(mix_now, k.wrec, k.mrec, delta_now, ar);
  if (l == 0) {
    Tensor x = k.win / q.alpha.unsqueeze(0);  // [V, H] table: columns are units
    q.tin = blend(mix_now, torch::clamp(round_ste(x), -kMaxInputWeight, kMaxInputWeight), x);
  } else {
    q.tin = ternary_blend(mix_now, k.win, k.min, delta_now, ar);
  }
  Tensor bx = level_bias(l, b) / ar;
  q.tb = blend(mix_now, round_ste(bx), bx);
  return q;
}

LMImpl::Out LMImpl::forward(const Tensor& x, std::vector<Tensor> h, bool record, const Tensor& prev) {
  const int64_t B = x.size(0), T = x.size(1);
  const int H = cfg.hidden, L = cfg.layers, nb = cfg.gated ? 2 : 1, NL = cfg.levels;
  const bool quant = stage >= kTernary;
  std::vector<std::vector<QBank>> e(static_cast<size_t>(L));
  for (int l = 0; l < L; ++l)
    for (int b = 0; b < nb; ++b) {
      const Bank& k = banks[size_t(l)][size_t(b)];
      QBank q;
      if (quant) {
        q = quant_bank(l, b);
      } else {
        q.tin = (stage == kSparse && l > 0) ? k.win * k.min : k.win;
        q.trec = stage == kSparse ? k.wrec * k.mrec : k.wrec;
        q.tb = level_bias(l, b);
      }
      e[size_t(l)].push_back(q);
    }
  std::vector<Tensor> in0;
  Tensor xf = x.reshape({-1});
  for (int b = 0; b < nb; ++b) in0.push_back(e[0][size_t(b)].tin.index_select(0, xf).view({B, T, H}));
  std::vector<Tensor> tops;
  Out out;
  std::vector<std::vector<Tensor>> rec(static_cast<size_t>(L));
  for (int64_t t = 0; t < T; ++t) {
    Tensor below;
    for (int l = 0; l < L; ++l) {
      Tensor hl = h[size_t(l)];
      Tensor y[2];
      for (int b = 0; b < nb; ++b) {
        const QBank& q = e[size_t(l)][size_t(b)];
        Tensor in = l == 0 ? in0[size_t(b)].select(1, t) : torch::matmul(below, q.tin.t());
        Tensor s = torch::addmm(in, hl, q.trec.t());
        // one sum per unit, one comparison per level: [B, H, levels] (the gate: [B, H, 1])
        s = NL == 1 || q.tb.size(1) == 1 ? (s + q.tb.squeeze(1)).unsqueeze(2) : s.unsqueeze(2) + q.tb;
        if (!quant) {
          y[b] = torch::sigmoid(s);
        } else {
          Tensor pre = q.alpha.unsqueeze(1) * (s + 0.5 * mix_now);
          if (stage == kBinary) {
            // Surrogate: in integer units of the sum (sigmoid((s + 1/2) / tau)) or in the float
            // units of the unit's scale (sigmoid(alpha (s + 1/2) / tau)).
            Tensor soft = surrogate_int ? torch::sigmoid((s + 0.5) / surrogate_tau) : torch::sigmoid(pre / surrogate_tau);
            y[b] = ste((s.detach() >= 0).to(torch::kFloat), soft);
          } else {
            y[b] = torch::sigmoid(pre / tau_now);
            if (stochastic && is_training())
              y[b] = ste(blend(mix_now, torch::bernoulli(y[b].detach()), y[b].detach()), y[b]);
          }
        }
      }
      // the gate [B, H, 1] selects all levels of its unit
      Tensor hn = cfg.gated ? (y[1] * y[0] + (1 - y[1]) * hl.view({B, H, NL})).reshape({B, H * NL})
                            : y[0].reshape({B, H * NL});
      h[size_t(l)] = hn;
      below = hn;
      if (record) rec[size_t(l)].push_back(hn.detach());
    }
    tops.push_back(h[size_t(L - 1)]);
  }
  Tensor hs = torch::stack(tops, 1);  // [B, T, H]
  const int V = cfg.vocab;
  if (quant) {
    QHead q = quant_head();
    Tensor z = torch::matmul(hs, q.w.t()) + q.b;
    if (cfg.head_token > 0) z = z + q.e.index_select(0, xf).view({B, T, V});
    if (cfg.head_context > 0) z = z.index_add(2, ctx_cols, context_term(x, prev, true));
    out.logits = z * q.scale;
    if (record) out.z = z.detach();
  } else {
    Tensor w = stage == kSparse ? head_w * head_mask : head_w;
    out.logits = torch::matmul(hs, w.t()) + head_b;
    if (cfg.head_token > 0) out.logits = out.logits + head_e.index_select(0, xf).view({B, T, V});
    if (cfg.head_context > 0) out.logits = out.logits.index_add(2, ctx_cols, context_term(x, prev, false));
  }
  if (cfg.head_context > 0) out.last = x.select(1, T - 1) + 1;
  out.h = h;
  if (record)
    for (int l = 0; l < L; ++l) out.states.push_back(torch::stack(rec[size_t(l)], 1));
  return out;
}

LMImpl::QHead LMImpl::quant_head() const {
  QHead q;
  q.scale = log_scale.exp();
  q.w = ternary_blend(mix_now, head_w, head_mask, delta_now, q.scale);
  Tensor bx = head_b / q.scale;
  q.b = blend(mix_now, torch::clamp(round_ste(bx), -kMaxBias, kMaxBias), bx);
  if (cfg.head_token > 0) {
    Tensor ex = head_e / q.scale;
    q.e = blend(mix_now, torch::clamp(round_ste(ex), -cfg.head_token, cfg.head_token), ex);
  }
  if (cfg.head_context > 0) {
    Tensor cx = head_c / q.scale;
    q.c = blend(mix_now, torch::clamp(round_ste(cx), -cfg.context_range, cfg.context_range), cx);
  }
  return q;
}

Tensor LMImpl::head_logits(const Tensor& hs) {
  Tensor out;
  if (stage >= kTernary) {
    QHead q = quant_head();
    Tensor z = torch::matmul(hs, q.w.t()) + q.b;
    if (cfg.head_context > 0) z = z.index_add(-1, ctx_cols, q.c[0].expand({hs.size(0), hs.size(1), -1}));
    return z * q.scale;
  }
  Tensor w = stage == kSparse ? head_w * head_mask : head_w;
  out = torch::matmul(hs, w.t()) + head_b;
  if (cfg.head_context > 0) out = out.index_add(-1, ctx_cols, head_c[0].expand({hs.size(0), hs.size(1), -1}));
  return out;
}

void LMImpl::update_masks(int k_rec, int k_head) {
  torch::NoGradGuard ng;
  for (int l = 0; l < cfg.layers; ++l)
    for (auto& k : banks[size_t(l)]) {
      k.mrec.copy_(topk_mask(k.wrec, k_rec));
      if (l > 0) k.min.copy_(topk_mask(k.win, k_rec));
    }
  head_mask.copy_(topk_mask(head_w, k_head));
}

void LMImpl::init_quant() {
  torch::NoGradGuard ng;
  for (int l = 0; l < cfg.layers; ++l)
    for (auto& k : banks[size_t(l)]) {
      Tensor q = ternary_ste(k.wrec, k.mrec, delta_now).abs();
      Tensor num = (k.wrec.abs() * q).sum(1), den = q.sum(1);
      if (l > 0) {
        Tensor qi = ternary_ste(k.win, k.min, delta_now).abs();
        num += (k.win.abs() * qi).sum(1);
        den += qi.sum(1);
      }
      Tensor alpha = torch::where(den > 0, num / den.clamp_min(1), torch::full_like(num, 0.1)).clamp_min(1e-3);
      k.log_alpha.copy_(alpha.log());
    }
  Tensor q = ternary_ste(head_w, head_mask, delta_now).abs();
  double s = ((head_w.abs() * q).sum() / q.sum().clamp_min(1)).item<double>();
  log_scale.fill_(std::log(std::max(s, 1e-3)));
}

void LMImpl::clip_latent(double c) {
  torch::NoGradGuard ng;
  auto clip = [](Tensor& w, const Tensor& bound) { w.clamp_(-bound, bound); };  // bound broadcasts over rows
  for (int l = 0; l < cfg.layers; ++l)
    for (auto& k : banks[size_t(l)]) {
      Tensor bound = c * k.log_alpha.exp().unsqueeze(1);  // per unit (row)
      clip(k.wrec, bound);
      if (l > 0) clip(k.win, bound);
    }
  clip(head_w, c * log_scale.exp());
}

namespace {

Matrix to_matrix(const Tensor& t, bool transpose) {
  Tensor c = (transpose ? t.t() : t).detach().contiguous().to(torch::kInt32);
  Matrix m(int(c.size(0)), int(c.size(1)));
  std::copy(c.data_ptr<int32_t>(), c.data_ptr<int32_t>() + c.numel(), m.w.begin());
  return m;
}

// The head's token table E [token][logit] as units of layer 0 (one layer, levels 1): for each
// logit v, sign s and k = 1..n, the unit [s E[x][v] >= k] when it is not always 0, read by the
// head with weight s, so that the head's sum gains exactly E[x][v] after token x (0 at reset).
void append_token_units(Model& m, const Matrix& e, int n) {
  Layer& l = m.layers[0];
  const int V = e.rows;
  auto grow = [](Matrix& a, int rows, int cols) {
    Matrix r(rows, cols);
    for (int i = 0; i < a.rows; ++i)
      for (int j = 0; j < a.cols; ++j) r.at(i, j) = a.at(i, j);
    a = r;
  };
  std::vector<std::pair<int, int>> extra;  // (logit, +-k) per new unit
  for (int v = 0; v < V; ++v)
    for (int s : {1, -1})
      for (int k = 1; k <= n; ++k) {
        bool any = false;
        for (int x = 0; x < V && !any; ++x) any = s * e.at(x, v) >= k;
        if (any) extra.emplace_back(v, s * k);
      }
  const int U0 = l.units, U = U0 + int(extra.size());
  for (UnitBank* b : {&l.cand, &l.gate}) {
    if (b == &l.gate && !l.gated) continue;
    grow(b->input, U, V);
    grow(b->recurrent, U, U);
    b->thresholds.resize(size_t(U), {b == &l.cand ? 1 : 0});  // the gate: 0 >= 0, always on
  }
  for (size_t i = 0; i < extra.size(); ++i) {
    auto [v, sk] = extra[i];
    const int s = sk > 0 ? 1 : -1, k = sk * s;
    for (int x = 0; x < V; ++x) l.cand.input.at(U0 + int(i), x) = s * e.at(x, v) >= k ? 1 : 0;
  }
  l.units = U;
  l.reset.resize(size_t(U), 0);
  grow(m.head.weights, m.head.weights.rows, U);
  for (size_t i = 0; i < extra.size(); ++i) m.head.weights.at(extra[i].first, U0 + int(i)) = extra[i].second > 0 ? 1 : -1;
}

void fill_bank(UnitBank& ub, const QBank& q, int layer) {
  ub.input = to_matrix(q.tin, layer == 0);  // layer 0: [V, H] table -> units x V
  ub.recurrent = to_matrix(q.trec, false);
  Tensor tb = q.tb.detach().contiguous().to(torch::kInt64);  // [H, levels]
  ub.thresholds.assign(size_t(ub.recurrent.rows), {});
  for (int u = 0; u < ub.recurrent.rows; ++u) {
    auto [lo, hi] = unit_range(ub, u, layer == 0);
    for (int k = 0; k < tb.size(1); ++k) {  // -tb never decreases with k; clamping keeps that
      int64_t th = -tb[u][k].item<int64_t>();
      ub.thresholds[size_t(u)].push_back(int(std::clamp<int64_t>(th, lo, int64_t(hi) + 1)));
    }
  }
}

}  // namespace

Model LMImpl::export_model(const std::vector<uint8_t>& vocab) const {
  torch::NoGradGuard ng;
  Model m;
  m.vocab = vocab;
  m.cell = cfg.gated ? "gated" : "elman";
  m.fanin = cfg.fanin;
  for (int l = 0; l < cfg.layers; ++l) {
    Layer ly;
    ly.units = cfg.hidden;
    ly.levels = cfg.levels;
    ly.gated = cfg.gated;
    fill_bank(ly.cand, quant_bank(l, 0), l);
    if (cfg.gated) fill_bank(ly.gate, quant_bank(l, 1), l);
    ly.reset.assign(size_t(cfg.hidden * cfg.levels), 0);
    m.layers.push_back(std::move(ly));
  }
  QHead q = quant_head();
  m.head.weights = to_matrix(q.w, false);
  Tensor b = q.b.detach().to(torch::kInt64);
  for (int v = 0; v < cfg.vocab; ++v) m.head.bias.push_back(int(b[v].item<int64_t>()));
  m.head.logit_scale = q.scale.item<double>();
  if (cfg.head_token > 0) append_token_units(m, to_matrix(q.e, false), cfg.head_token);
  if (cfg.head_context > 0) {
    Tensor cols = ctx_cols.to(torch::kInt64);
    for (int i = 0; i < cfg.head_context; ++i) m.head.context_logits.push_back(int(cols[i].item<int64_t>()));
    m.head.context = to_matrix(q.c, false);
  }
  return m;
}

// ---------------------------------------------------------------------------------------------
// Checkpoints.

namespace {

Tensor meta_tensor(const LMConfig& c) {
  std::vector<int64_t> v = {1, c.vocab, c.hidden, c.layers, c.gated, c.fanin, c.head_fanin};
  const bool ctx = c.head_context > 0;
  if (c.levels != 1 || c.head_token > 0 || ctx) v.push_back(c.levels);  // absent: 1 (checkpoints written before levels)
  if (c.head_token > 0 || ctx) v.push_back(c.head_token);                // absent: 0
  if (ctx) v.insert(v.end(), {c.head_context, c.context_range});         // absent: no head.context
  return torch::tensor(v);
}

void atomic_save(torch::serialize::OutputArchive& ar, const std::string& path) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  ar.save_to(tmp);
  fs::rename(tmp, path);
}

}  // namespace

void save_float_checkpoint(LM& lm, const std::vector<uint8_t>& vocab, const std::string& path) {
  torch::serialize::OutputArchive ar;
  lm->save(ar);
  ar.write("tg_meta", meta_tensor(lm->cfg));
  ar.write("tg_vocab", torch::tensor(std::vector<int64_t>(vocab.begin(), vocab.end())));
  ar.write("tg_stage", torch::tensor(int64_t(lm->stage)));
  atomic_save(ar, path);
}

LM load_float_model(const std::string& path, const Model& m) {
  torch::serialize::InputArchive ar;
  Tensor meta, voc;
  try {
    ar.load_from(path);
    ar.read("tg_meta", meta);
    ar.read("tg_vocab", voc);
  } catch (const c10::Error& e) {
    throw Error(path + ": not a tritgate float checkpoint (" + std::string(e.what_without_backtrace()).substr(0, 200) +
                ")");
  }
  LMConfig c;
  c.vocab = int(meta[1].item<int64_t>());
  c.hidden = int(meta[2].item<int64_t>());
  c.layers = int(meta[3].item<int64_t>());
  c.gated = meta[4].item<int64_t>() != 0;
  c.fanin = int(meta[5].item<int64_t>());
  c.head_fanin = int(meta[6].item<int64_t>());
  c.levels = meta.numel() > 7 ? int(meta[7].item<int64_t>()) : 1;
  c.head_token = meta.numel() > 8 ? int(meta[8].item<int64_t>()) : 0;
  c.head_context = meta.numel() > 10 ? int(meta[9].item<int64_t>()) : 0;
  c.context_range = meta.numel() > 10 ? int(meta[10].item<int64_t>()) : 0;
  std::vector<uint8_t> vocab;
  for (int64_t i = 0; i < voc.numel(); ++i) vocab.push_back(uint8_t(voc[i].item<int64_t>()));
  if (vocab != m.vocab)
    throw Error(fmt::format("{}: vocabulary of the checkpoint ({} bytes) does not match the model file's ({} bytes)",
                            path, vocab.size(), m.vocab.size()));
  int hidden = m.provenance.contains("hidden") ? m.provenance["hidden"].get<int>() : m.layers[0].units;
  if (hidden != c.hidden)
    throw Error(fmt::format("{}: hidden size {} does not match the model file's {}", path, c.hidden, hidden));
  if (int(m.layers.size()) != c.layers)
    throw Error(fmt::format("{}: {} layer(s), the model file has {}", path, c.layers, m.layers.size()));
  if ((m.cell == "gated") != c.gated)
    throw Error(fmt::format("{}: cell {}, the model file has {}", path, c.gated ? "gated" : "elman", m.cell));
  if (m.layers[0].levels != c.levels)
    throw Error(fmt::format("{}: {} level(s) per unit, the model file has {}", path, c.levels, m.layers[0].levels));
  if (int(m.head.context_logits.size()) != c.head_context)
    throw Error(fmt::format("{}: a head.context table on {} logits, the model file has {}", path, c.head_context,
                            m.head.context_logits.size()));
  LM lm(c);
  try {
    lm->load(ar);
  } catch (const c10::Error& e) {
    throw Error(path + ": cannot read the float weights (" + std::string(e.what_without_backtrace()).substr(0, 200) + ")");
  }
  Tensor st;
  lm->stage = ar.try_read("tg_stage", st) ? int(st.item<int64_t>()) : int(kFloat);
  if (lm->stage > kSparse) lm->stage = kSparse;
  lm->eval();
  return lm;
}

std::string float_checkpoint_path(const std::string& model_path) {
  fs::path p(model_path);
  return p.replace_extension(".pt").string();
}
std::string train_checkpoint_path(const std::string& model_path) {
  fs::path p(model_path);
  return p.replace_extension(".ckpt.pt").string();
}

// ---------------------------------------------------------------------------------------------
// Corpus, options, evaluation.

Corpus load_corpus(const std::string& path) {
  if (path.empty()) throw Error("--corpus: expected a text file");
  if (!fs::exists(path)) throw Error(path + ": corpus file not found");
  if (fs::is_directory(path)) throw Error(path + ": expected a text file, got a directory");
  Corpus c;
  c.path = path;
  c.text = read_file(path);
  if (c.text.empty()) throw Error(path + ": the corpus is empty (expected text)");
  size_t nul = c.text.find('\0');
  if (nul != std::string::npos)
    throw Error(fmt::format("{}: looks binary (a NUL byte at offset {}); expected a text file", path, nul));
  std::vector<bool> seen(256, false);
  for (unsigned char ch : c.text) seen[ch] = true;
  for (int b = 0; b < 256; ++b)
    if (seen[size_t(b)]) c.vocab.push_back(uint8_t(b));
  if (c.vocab.size() < 2)
    throw Error(fmt::format("{}: a single distinct symbol (byte {}); expected at least two to learn anything", path,
                            int(c.vocab[0])));
  if (c.text.size() < 64)
    throw Error(fmt::format("{}: {} bytes is too small; expected at least 64 bytes of text", path, c.text.size()));
  c.sha256 = sha256_hex(c.text);
  return c;
}

void check_options(const Options& o) {
  if (o.output.empty()) throw Error("train: missing -o model.json");
  if (o.hidden < 1 || o.hidden > 4096) throw Error(fmt::format("--hidden: expected 1..4096, got {}", o.hidden));
  const int bits = o.hidden * std::clamp(o.levels, 1, 3);  // state bits per layer
  if (o.fanin < 1 || o.fanin > bits)
    throw Error(fmt::format("--fanin: expected 1..{} (at most --hidden x --levels), got {}", bits, o.fanin));
  if (o.head_fanin < 1 || o.head_fanin > bits)
    throw Error(fmt::format("--head-fanin: expected 1..{} (at most --hidden x --levels), got {}", bits, o.head_fanin));
  if (o.cell != "elman" && o.cell != "gated") throw Error("--cell: expected elman or gated, got '" + o.cell + "'");
  if (o.layers < 1 || o.layers > 8) throw Error(fmt::format("--layers: expected 1..8, got {}", o.layers));
  if (o.steps < 0) throw Error("--steps: expected a positive number of steps");
  if (!(o.minutes >= 0)) throw Error("--minutes: expected a positive number of minutes");
  if (o.steps == 0 && o.minutes <= 0)
    throw Error("--minutes: expected a positive training time (or give --steps N)");
  if (o.steps > 0 && o.minutes > 0) throw Error("train: give either --minutes or --steps, not both");
  if (o.batch < 1 || o.bptt < 1) throw Error("--batch/--bptt: expected positive values");
  if (!(o.lr > 0)) throw Error("--lr: expected a positive learning rate");
  if (!(o.qat_lr >= 0)) throw Error("--qat-lr: expected a positive learning rate (or 0: --lr / 3)");
  if (o.distill < 0 || o.distill > 1) throw Error("--distill: expected a weight in [0, 1]");
  if (o.float_frac < 0.05 || o.float_frac > 0.85) throw Error("--float-frac: expected 0.05..0.85");
  if (!(o.soft_frac > 0) || o.float_frac + o.soft_frac > 0.95)
    throw Error(fmt::format("--soft-frac: expected a share > 0 with --float-frac + --soft-frac <= 0.95, got {}", o.soft_frac));
  if (!(o.quant_ramp >= 0 && o.quant_ramp <= 1))
    throw Error(fmt::format("--quant-ramp: expected a share of the ternary stage in [0, 1], got {}", o.quant_ramp));
  if (!(o.clip_latent >= 0)) throw Error("--clip-latent: expected a positive multiple of the scale (or 0: off)");
  if (!(o.weight_ema >= 0 && o.weight_ema < 1))
    throw Error(fmt::format("--weight-ema: expected a decay per step in [0, 1) (0: off), got {}", o.weight_ema));
  if (o.stop_after < 0) throw Error("--stop-after: expected a positive number of steps");
  if (o.levels < 1 || o.levels > 3) throw Error(fmt::format("--levels: expected 1, 2 or 3, got {}", o.levels));
  if (o.head_context < 0 || o.head_context > 256)
    throw Error(fmt::format("--head-context: expected a number of logits 0..256 (0: off), got {}", o.head_context));
  if (o.context_range < 1 || o.context_range > kMaxInputWeight)
    throw Error(fmt::format("--context-range: expected 1..{}, got {}", kMaxInputWeight, o.context_range));
  if (o.head_token < 0 || o.head_token > 8)
    throw Error(fmt::format("--head-token: expected the table's largest entry 0..8 (0: off), got {}", o.head_token));
  if (o.head_token > 0 && (o.layers != 1 || o.levels != 1))
    throw Error(fmt::format("--head-token: needs --layers 1 and --levels 1 (the table becomes layer-0 units the head "
                            "reads), got --layers {} --levels {}", o.layers, o.levels));
  if (o.threads < 1) throw Error("--threads: expected at least 1");
  if (!(o.tau_end > 0 && o.tau_end <= 1)) throw Error("--tau-end: expected a temperature in (0, 1]");
  if (!(o.surrogate_tau > 0)) throw Error("--surrogate-tau: expected a positive temperature");
  if (o.surrogate != "int" && o.surrogate != "alpha") throw Error("--surrogate: expected int or alpha, got '" + o.surrogate + "'");
}

double quant_bpc(const Model& m, const std::vector<int>& tokens) {
  struct Row {
    std::vector<std::pair<int, int>> rec, in;  // (column, weight)
    std::vector<int> th;                       // one threshold per level
  };
  auto rows = [](const UnitBank& b, bool table) {
    std::vector<Row> r(size_t(b.recurrent.rows));
    for (int u = 0; u < b.recurrent.rows; ++u) {
      for (int j = 0; j < b.recurrent.cols; ++j)
        if (int w = b.recurrent.at(u, j)) r[size_t(u)].rec.emplace_back(j, w);
      if (!table)
        for (int j = 0; j < b.input.cols; ++j)
          if (int w = b.input.at(u, j)) r[size_t(u)].in.emplace_back(j, w);
      r[size_t(u)].th = b.thresholds[size_t(u)];
    }
    return r;
  };
  const int V = m.vocab_size();
  std::vector<std::vector<Row>> cand, gate;
  for (size_t li = 0; li < m.layers.size(); ++li) {
    cand.push_back(rows(m.layers[li].cand, li == 0));
    gate.push_back(m.layers[li].gated ? rows(m.layers[li].gate, li == 0) : std::vector<Row>{});
  }
  std::vector<std::vector<std::pair<int, int>>> head(static_cast<size_t>(V));
  for (int v = 0; v < V; ++v)
    for (int j = 0; j < m.head.weights.cols; ++j)
      if (int w = m.head.weights.at(v, j)) head[size_t(v)].emplace_back(j, w);
  std::vector<std::vector<uint8_t>> h;
  for (const auto& l : m.layers) h.push_back(l.reset);
  std::vector<int> z(static_cast<size_t>(V));
  double bits = 0;
  std::vector<uint8_t> nw;
  int c_last = 0, c_prev = 0;  // head.context codes
  for (int tok : tokens) {
    const auto& hl = h.back();
    for (int v = 0; v < V; ++v) {
      int s = m.head.bias[size_t(v)];
      for (auto [j, w] : head[size_t(v)]) s += w * hl[size_t(j)];
      z[size_t(v)] = s;
    }
    if (m.head.has_context()) {
      const int row = c_prev * (V + 1) + c_last;
      for (size_t i = 0; i < m.head.context_logits.size(); ++i)
        z[size_t(m.head.context_logits[i])] += m.head.context.at(row, int(i));
    }
    c_prev = c_last;
    c_last = m.context_code(tok);
    bits += nll_bits(z, m.head.logit_scale, tok);
    for (size_t li = 0; li < m.layers.size(); ++li) {
      const Layer& l = m.layers[li];
      const auto& old = h[li];
      auto sum = [&](const Row& r, const UnitBank& b, int u) {
        int s = 0;
        for (auto [j, w] : r.rec) s += w * old[size_t(j)];
        if (li == 0) {
          if (tok >= 0 && tok < V) s += b.input.at(u, tok);
        } else {
          for (auto [j, w] : r.in) s += w * h[li - 1][size_t(j)];
        }
        return s;
      };
      nw.assign(old.size(), 0);
      const size_t NL = size_t(l.levels);
      for (int u = 0; u < l.units; ++u) {
        bool g = !l.gated || sum(gate[li][size_t(u)], l.gate, u) >= gate[li][size_t(u)].th[0];
        const Row& c = cand[li][size_t(u)];
        int sc = g ? sum(c, l.cand, u) : 0;
        for (size_t k = 0; k < NL; ++k)
          nw[size_t(u) * NL + k] = g ? uint8_t(sc >= c.th[k]) : old[size_t(u) * NL + k];
      }
      h[li] = nw;
    }
  }
  return tokens.empty() ? 0 : bits / double(tokens.size());
}

std::vector<std::vector<int>> prune_unread(Model& m) {
  const size_t L = m.layers.size();
  std::vector<std::vector<uint8_t>> alive(L);
  for (size_t l = 0; l < L; ++l) alive[l].assign(size_t(m.layers[l].units), 0);
  // columns address state bits: bit j belongs to unit j / levels
  const int NLh = m.layers[L - 1].levels;
  for (int v = 0; v < m.head.weights.rows; ++v)
    for (int j = 0; j < m.head.weights.cols; ++j)
      if (m.head.weights.at(v, j)) alive[L - 1][size_t(j / NLh)] = 1;
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t l = 0; l < L; ++l) {
      const Layer& ly = m.layers[l];
      const int NL = ly.levels, NLb = l > 0 ? m.layers[l - 1].levels : 1;
      for (int u = 0; u < ly.units; ++u) {
        if (!alive[l][size_t(u)]) continue;
        for (const UnitBank* b : {&ly.cand, &ly.gate}) {
          if (b == &ly.gate && !ly.gated) continue;
          for (int j = 0; j < b->recurrent.cols; ++j)
            if (b->recurrent.at(u, j) && !alive[l][size_t(j / NL)]) alive[l][size_t(j / NL)] = 1, changed = true;
          if (l > 0)
            for (int j = 0; j < b->input.cols; ++j)
              if (b->input.at(u, j) && !alive[l - 1][size_t(j / NLb)]) alive[l - 1][size_t(j / NLb)] = 1, changed = true;
        }
      }
    }
  }
  std::vector<std::vector<int>> kept(L);
  for (size_t l = 0; l < L; ++l) {
    for (int u = 0; u < m.layers[l].units; ++u)
      if (alive[l][size_t(u)]) kept[l].push_back(u);
    if (kept[l].empty()) kept[l].push_back(0);  // a layer keeps at least one unit
  }
  auto select = [](const Matrix& a, const std::vector<int>& rows, const std::vector<int>* cols) {
    int nc = cols ? int(cols->size()) : a.cols;
    Matrix r(int(rows.size()), nc);
    for (size_t i = 0; i < rows.size(); ++i)
      for (int j = 0; j < nc; ++j) r.at(int(i), j) = a.at(rows[i], cols ? (*cols)[size_t(j)] : j);
    return r;
  };
  // the state bits of the kept units, per layer
  std::vector<std::vector<int>> kept_bits(L);
  for (size_t l = 0; l < L; ++l)
    for (int u : kept[l])
      for (int k = 0; k < m.layers[l].levels; ++k) kept_bits[l].push_back(u * m.layers[l].levels + k);
  for (size_t l = 0; l < L; ++l) {
    Layer& ly = m.layers[l];
    const auto& k = kept[l];
    for (UnitBank* b : {&ly.cand, &ly.gate}) {
      if (b == &ly.gate && !ly.gated) continue;
      b->recurrent = select(b->recurrent, k, &kept_bits[l]);
      b->input = select(b->input, k, l == 0 ? nullptr : &kept_bits[l - 1]);
      std::vector<std::vector<int>> th;
      for (int u : k) th.push_back(b->thresholds[size_t(u)]);
      b->thresholds = th;
    }
    std::vector<uint8_t> reset;
    for (int j : kept_bits[l]) reset.push_back(ly.reset[size_t(j)]);
    ly.reset = reset;
    ly.units = int(k.size());
  }
  std::vector<int> all_rows(size_t(m.head.weights.rows));
  for (size_t i = 0; i < all_rows.size(); ++i) all_rows[i] = int(i);
  m.head.weights = select(m.head.weights, all_rows, &kept_bits[L - 1]);
  return kept;
}

namespace {

std::vector<int64_t> to_ids(const std::string& text, const std::vector<uint8_t>& vocab) {
  std::vector<int> map(256, -1);
  for (size_t i = 0; i < vocab.size(); ++i) map[vocab[i]] = int(i);
  std::vector<int64_t> ids;
  ids.reserve(text.size());
  for (unsigned char c : text) ids.push_back(map[c]);
  return ids;
}

// Float validation BPC: `streams` contiguous chunks of the split, each from the reset state,
// scoring every position (the first from the reset state); the last n mod streams tokens are
// not scored.
double float_bpc(LM& lm, const std::vector<int64_t>& ids, int streams) {
  torch::NoGradGuard ng;
  int64_t n = int64_t(ids.size());
  streams = int(std::max<int64_t>(1, std::min<int64_t>(streams, n / 4)));
  int64_t len = n / streams;
  Tensor all = torch::tensor(ids).slice(0, 0, len * streams).view({streams, len});
  auto h = lm->zero_state(streams);
  double nll = 0;
  // position 0: the reset state's prediction
  Tensor l0 = lm->head_logits(h.back().unsqueeze(1)).squeeze(1);
  nll += torch::nn::functional::cross_entropy(l0, all.select(1, 0),
                                               torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
             .item<double>();
  const int64_t W = 256;
  Tensor prev;  // head.context code of the token before the chunk (undefined: none)
  for (int64_t t0 = 0; t0 + 1 < len; t0 += W) {
    int64_t t1 = std::min(len - 1, t0 + W);
    auto o = lm->forward(all.slice(1, t0, t1), h, false, prev);
    h = o.h;
    prev = o.last;
    Tensor tgt = all.slice(1, t0 + 1, t1 + 1);
    nll += torch::nn::functional::cross_entropy(o.logits.reshape({-1, lm->cfg.vocab}), tgt.reshape({-1}),
                                                 torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
               .item<double>();
  }
  return nll / double(len * streams) / std::log(2.0);
}

volatile std::sig_atomic_t g_interrupted = 0;
extern "C" void on_sigint(int) { g_interrupted = 1; }

const char* stage_name(int s) {
  static const char* n[] = {"float", "sparse", "ternary", "binary"};
  return n[s];
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// The training loop.

Result train(const Options& o) {
  check_options(o);
  Corpus corpus = load_corpus(o.corpus);
  torch::set_num_threads(o.threads);
  torch::manual_seed(o.seed);
  const std::string train_text = split_text(corpus.text, "train"), val_text = split_text(corpus.text, "val");
  const auto train_ids = to_ids(train_text, corpus.vocab), val_ids = to_ids(val_text, corpus.vocab);
  const int B = o.batch;
  const int T = int(std::min<int64_t>(o.bptt, int64_t(train_ids.size()) - 2));
  if (T < 1 || val_ids.size() < 2) throw Error(o.corpus + ": too small to split into train and validation");
  const int H = o.hidden, V = int(corpus.vocab.size());

  LMConfig cfg;
  cfg.vocab = V;
  cfg.hidden = H;
  cfg.layers = o.layers;
  cfg.fanin = o.fanin;
  cfg.head_fanin = o.head_fanin;
  cfg.gated = o.cell == "gated";
  cfg.delta = o.delta;
  cfg.levels = o.levels;
  cfg.head_token = o.head_token;
  if (o.head_context > V)
    throw Error(fmt::format("--head-context: {} logits asked, the corpus {} has {} symbols", o.head_context, o.corpus, V));
  cfg.head_context = o.head_context;
  cfg.context_range = o.head_context > 0 ? o.context_range : 0;
  LM lm(cfg);
  if (cfg.head_context > 0) {  // the table's logits: the most frequent characters of the train split (lowest id on ties)
    std::vector<int64_t> cnt(size_t(V), 0);
    for (auto id : train_ids) ++cnt[size_t(id)];
    std::vector<int> order(static_cast<size_t>(V));
    for (int v = 0; v < V; ++v) order[size_t(v)] = v;
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return cnt[size_t(a)] > cnt[size_t(b)]; });
    std::vector<int64_t> cols(order.begin(), order.begin() + cfg.head_context);
    std::sort(cols.begin(), cols.end());
    lm->ctx_cols.copy_(torch::tensor(cols));
  }
  lm->stochastic = o.stochastic;
  {  // head bias: log unigram frequencies of the training split
    torch::NoGradGuard ng;
    std::vector<double> cnt(size_t(V), 1.0);
    for (auto id : train_ids) cnt[size_t(id)] += 1;
    double tot = 0;
    for (double c : cnt) tot += c;
    for (int v = 0; v < V; ++v) lm->head_b[v] = std::log(cnt[size_t(v)] / tot);
    if (cfg.gated)
      for (auto& layer : lm->banks) layer[1].bias.fill_(-1.0);  // gates start mostly closed
  }
  const std::string float_pt = float_checkpoint_path(o.output), ckpt = train_checkpoint_path(o.output),
                    ckpt_opt = ckpt + ".opt";
  const std::string model_dir = fs::path(o.output).parent_path().string();
  if (!model_dir.empty() && !fs::is_directory(model_dir))
    throw Error(fmt::format("-o {}: directory {} does not exist", o.output, model_dir));

  long step = 0, resumed_at = -1;  // resumed_at: the step a --resume started from
  double elapsed = 0;  // seconds of training (this run and resumed ones)
  double float_val = std::nan("");
  auto h = lm->zero_state(B);
  Tensor prev_code = torch::zeros({B}, torch::kLong);  // head.context code before each stream's next chunk
  std::vector<Tensor> th;  // teacher state (distillation)
  LM teacher{nullptr};
  std::unique_ptr<torch::optim::Adam> opt;
  // --weight-ema: running average of every parameter over the binary stage (empty: off, or
  // not there yet); the model file is exported from it.
  std::vector<Tensor> avg;
  auto start_avg = [&]() {
    avg.clear();
    for (const auto& p : lm->parameters()) avg.push_back(p.detach().clone());
  };
  auto new_opt = [&](double lr) {
    opt = std::make_unique<torch::optim::Adam>(lm->parameters(), torch::optim::AdamOptions(lr));
  };
  new_opt(o.lr);

  const double ff = o.float_frac, sf = o.soft_frac;
  const double qlr = o.qat_lr > 0 ? o.qat_lr : o.lr / 3;
  auto frac_now = [&]() { return o.steps > 0 ? double(step) / double(o.steps) : elapsed / (o.minutes * 60); };
  // Budget shares: dense float [0, fd), float under fan-in masks (gradual magnitude pruning over
  // the first 60% of it) [fd, ff), ternary weights with a soft state [ff, ff + sf), binary rest.
  const double fd = 0.2 * ff;
  auto stage_of = [&](double f) { return f < fd ? kFloat : f < ff ? kSparse : f < ff + sf ? kTernary : kBinary; };
  auto stage_start = [&](int s) { return s == kFloat ? 0.0 : s == kSparse ? fd : s == kTernary ? ff : ff + sf; };
  auto stage_len = [&](int s) { return s == kFloat ? fd : s == kSparse ? ff - fd : s == kTernary ? sf : 1 - ff - sf; };

  auto enter = [&](int s) {  // actions when stage s starts
    if (s == kTernary) {
      lm->update_masks(o.fanin, o.head_fanin);
      float_val = float_bpc(lm, val_ids, 16);
      save_float_checkpoint(lm, corpus.vocab, float_pt);
      if (!o.quiet)
        std::cerr << fmt::format("train: float stages done at step {}: val {:.4f} bpc (float, fan-in masks), saved {}\n", step,
                                 float_val, float_pt);
    }
    if (s == kTernary && o.distill > 0) {
      Model probe;
      probe.vocab = corpus.vocab;
      probe.cell = o.cell;
      probe.layers.resize(size_t(o.layers));
      probe.layers[0].units = H;
      probe.layers[0].levels = o.levels;
      probe.head.context_logits.resize(size_t(o.head_context));
      teacher = load_float_model(float_pt, probe);
      th = teacher->zero_state(B);
    }
    if (s == kTernary) {
      lm->delta_now = 0;
      lm->tau_now = 1;
      lm->init_quant();
    }
    if (s == kBinary) {
      lm->delta_now = o.delta;
      lm->mix_now = 1;
      lm->surrogate_tau = o.surrogate_tau;
      lm->surrogate_int = o.surrogate == "int";
      h = lm->zero_state(B);
      prev_code.zero_();
      if (o.weight_ema > 0) start_avg();
    }
    lm->stage = s;
    new_opt(s <= kSparse ? o.lr : qlr);
  };

  if (o.resume) {
    if (!fs::exists(ckpt))
      throw Error(fmt::format("--resume: no training checkpoint {} (expected one left by an interrupted run)", ckpt));
    torch::serialize::InputArchive ar;
    Tensor meta, st;
    try {
      ar.load_from(ckpt);
      ar.read("tg_meta", meta);
      ar.read("tg_state", st);
    } catch (const c10::Error& e) {
      throw Error(ckpt + ": cannot read the training checkpoint");
    }
    if (!torch::equal(meta, meta_tensor(cfg)))
      throw Error(ckpt + ": the checkpoint was made with other --hidden/--fanin/--head-fanin/--layers/--cell or corpus");
    lm->load(ar);
    step = long(st[0].item<double>());
    resumed_at = step;
    elapsed = st[1].item<double>();
    float_val = st[2].item<double>();
    lm->stage = int(st[3].item<double>());
    lm->delta_now = st[4].item<double>();
    lm->tau_now = st[5].item<double>();
    lm->surrogate_tau = o.surrogate_tau;
    lm->surrogate_int = o.surrogate == "int";
    for (int l = 0; l < o.layers; ++l) ar.read(fmt::format("tg_h{}", l), h[size_t(l)]);
    if (cfg.head_context > 0) ar.read("tg_prev", prev_code);
    if (o.weight_ema > 0 && lm->stage == kBinary) {
      start_avg();  // a checkpoint without averages (another recipe's): start them here
      for (size_t i = 0; i < avg.size(); ++i) ar.try_read(fmt::format("tg_avg{}", i), avg[i]);
    }
    new_opt(lm->stage <= kSparse ? o.lr : qlr);
    if (fs::exists(ckpt_opt)) torch::load(*opt, ckpt_opt);
    if (o.distill > 0 && lm->stage >= kTernary) {
      Model probe;
      probe.vocab = corpus.vocab;
      probe.cell = o.cell;
      probe.layers.resize(size_t(o.layers));
      probe.layers[0].units = H;
      probe.layers[0].levels = o.levels;
      probe.head.context_logits.resize(size_t(o.head_context));
      teacher = load_float_model(float_pt, probe);
      th = teacher->zero_state(B);
    }
    if (!o.quiet)
      std::cerr << fmt::format("train: resumed {} at step {} ({:.1f} min done, stage {})\n", ckpt, step, elapsed / 60,
                               stage_name(lm->stage));
  }
  auto save_ckpt = [&]() {
    torch::serialize::OutputArchive ar;
    lm->save(ar);
    ar.write("tg_meta", meta_tensor(cfg));
    ar.write("tg_state", torch::tensor({double(step), elapsed, float_val, double(lm->stage), lm->delta_now,
                                        lm->tau_now}, torch::kFloat64));
    for (int l = 0; l < o.layers; ++l) ar.write(fmt::format("tg_h{}", l), h[size_t(l)].detach());
    if (cfg.head_context > 0) ar.write("tg_prev", prev_code);
    for (size_t i = 0; i < avg.size(); ++i) ar.write(fmt::format("tg_avg{}", i), avg[i]);
    torch::save(*opt, ckpt_opt + ".tmp");
    fs::rename(ckpt_opt + ".tmp", ckpt_opt);
    atomic_save(ar, ckpt);
  };

  // Streams: B positions spread over the training split, advancing T tokens per step.
  const int64_t N = int64_t(train_ids.size());
  const int64_t span = std::max<int64_t>(1, N - T - 1);
  std::mt19937_64 rng(o.seed);
  const int64_t offset0 = int64_t(rng() % uint64_t(span));
  std::vector<int64_t> xb(size_t(B) * size_t(T + 1));
  auto batch_at = [&](long k) {
    for (int b = 0; b < B; ++b) {
      int64_t start = (offset0 + int64_t(b) * (span / B) + int64_t(k) * T) % span;
      for (int t = 0; t <= T; ++t) xb[size_t(b) * size_t(T + 1) + size_t(t)] = train_ids[size_t(start + t)];
    }
    return torch::tensor(xb).view({B, T + 1});
  };

  using clock = std::chrono::steady_clock;
  auto t_start = clock::now();
  double elapsed0 = elapsed;
  auto last_print = t_start, last_ckpt = t_start;
  double ema = std::nan("");
  long steps_this_run = 0;
  g_interrupted = 0;
  std::signal(SIGINT, on_sigint);  // Ctrl-C: save a checkpoint, then stop
  while (frac_now() < 1.0) {
    int target = stage_of(frac_now());
    while (lm->stage < target) enter(lm->stage + 1);
    const int s = lm->stage;
    const double p = std::clamp((frac_now() - stage_start(s)) / stage_len(s), 0.0, 1.0);
    double lr;
    if (s <= kSparse) {
      lr = o.lr * (0.2 + 0.8 * 0.5 * (1 + std::cos(M_PI * std::min(1.0, frac_now() / ff))));
      if (s == kSparse) {
        double pp = std::min(1.0, p / 0.6);
        int keff = o.fanin + int(std::lround((H - o.fanin) * std::pow(1 - pp, 3)));
        int kheff = o.head_fanin + int(std::lround((H - o.head_fanin) * std::pow(1 - pp, 3)));
        if (step % 10 == 0 || pp >= 1) lm->update_masks(keff, kheff);
      }
    } else {
      double q = std::clamp((frac_now() - ff) / (1 - ff), 0.0, 1.0);
      lr = qlr * (1 - 0.9 * q);
      if (s == kTernary) {
        lm->delta_now = o.delta * std::min(1.0, 2 * p);
        lm->tau_now = 1 - (1 - o.tau_end) * p;  // 1 -> tau_end, linear
        lm->mix_now = o.quant_ramp > 0 ? std::min(1.0, p / o.quant_ramp) : 1.0;
        if (step % 25 == 0) lm->update_masks(o.fanin, o.head_fanin);
      }
    }
    for (auto& g : opt->param_groups()) static_cast<torch::optim::AdamOptions&>(g.options()).lr(lr);

    Tensor xy = batch_at(step);
    Tensor x = xy.slice(1, 0, T), y = xy.slice(1, 1, T + 1);
    auto out = lm->forward(x, h, false, prev_code);
    Tensor ce = torch::nn::functional::cross_entropy(out.logits.reshape({-1, V}), y.reshape({-1}));
    Tensor loss = ce;
    if (teacher && s >= kTernary) {  // distillation: KL(teacher || student) on the float teacher's soft targets
      Tensor tlog;
      {
        torch::NoGradGuard ng;
        auto to = teacher->forward(x, th, false, prev_code);
        th = to.h;
        tlog = torch::log_softmax(to.logits.reshape({-1, V}), 1);
      }
      Tensor ls = torch::log_softmax(out.logits.reshape({-1, V}), 1);
      Tensor kl = (tlog.exp() * (tlog - ls)).sum(1).mean();
      loss = (1 - o.distill) * ce + o.distill * kl;
    }
    opt->zero_grad();
    loss.backward();
    torch::nn::utils::clip_grad_norm_(lm->parameters(), 1.0);
    opt->step();
    if (s >= kTernary && o.clip_latent > 0) lm->clip_latent(o.clip_latent);
    if (s == kBinary && !avg.empty()) {
      torch::NoGradGuard ng;
      auto ps = lm->parameters();
      for (size_t i = 0; i < avg.size(); ++i) avg[i].mul_(o.weight_ema).add_(ps[i].detach(), 1 - o.weight_ema);
    }
    for (auto& t : out.h) t = t.detach();
    h = out.h;
    if (cfg.head_context > 0) prev_code = out.last;
    ++step;
    ++steps_this_run;
    auto now = clock::now();
    elapsed = elapsed0 + std::chrono::duration<double>(now - t_start).count();
    double bpc = ce.item<double>() / std::log(2.0);
    ema = std::isnan(ema) ? bpc : 0.95 * ema + 0.05 * bpc;
    if (!o.quiet && (std::chrono::duration<double>(now - last_print).count() > 5 || frac_now() >= 1.0)) {
      last_print = now;
      double tps = double(steps_this_run) * B * T / std::chrono::duration<double>(now - t_start).count();
      std::string left = o.steps > 0 ? fmt::format("step {}/{}", step, o.steps) : fmt::format("step {}", step);
      double secs_left = o.steps > 0 ? (o.steps - step) * (std::chrono::duration<double>(now - t_start).count() /
                                                           double(steps_this_run))
                                     : o.minutes * 60 - elapsed;
      std::cerr << fmt::format("train: {} {:<7} loss {:.4f} bpc {:.3f} (avg {:.3f}) | {:.0f} tok/s | {:.1f} min left\n",
                               left, stage_name(s), ce.item<double>(), bpc, ema, tps, std::max(0.0, secs_left) / 60);
    }
    if (std::chrono::duration<double>(now - last_ckpt).count() > o.checkpoint_seconds) {
      last_ckpt = now;
      save_ckpt();
    }
    if (g_interrupted || (o.stop_after > 0 && step >= o.stop_after)) {
      save_ckpt();
      std::signal(SIGINT, SIG_DFL);
      if (g_interrupted)
        throw Error(fmt::format("train: interrupted at step {}; checkpoint {} saved, continue with --resume", step, ckpt));
      Result r;
      r.steps = step;
      r.minutes = elapsed / 60;
      r.stopped = true;
      if (!o.quiet)
        std::cerr << fmt::format("train: stopped after step {} as asked; checkpoint {} saved, continue with --resume\n",
                                 step, ckpt);
      return r;
    }
  }
  std::signal(SIGINT, SIG_DFL);
  double train_secs = std::chrono::duration<double>(clock::now() - t_start).count();
  while (lm->stage < kBinary) enter(lm->stage + 1);

  Result r;
  r.steps = step;
  r.minutes = elapsed / 60;
  r.tokens_per_s = steps_this_run > 0 ? double(steps_this_run) * B * T / train_secs : 0;
  r.val_bpc_float = float_val;
  if (!avg.empty()) {  // export the averaged weights
    torch::NoGradGuard ng;
    auto ps = lm->parameters();
    for (size_t i = 0; i < avg.size(); ++i) ps[i].copy_(avg[i]);
  }
  Model m = lm->export_model(corpus.vocab);
  validate_model(m, o.output + " (export)");
  std::vector<std::vector<int>> kept;
  if (o.prune) kept = prune_unread(m);
  std::vector<int> val_tok(val_ids.begin(), val_ids.end());
  r.val_bpc = quant_bpc(m, val_tok);
  for (const auto& l : m.layers) r.units += l.units;
  m.name = fs::path(o.output).stem().string();
  m.provenance = {{"generator", fmt::format("tritgate {} train", kVersion)},
                  {"command", o.command},
                  {"seed", o.seed},
                  {"corpus", o.corpus},
                  {"corpus_sha256", corpus.sha256},
                  {"steps", step},
                  {"minutes", std::round(r.minutes * 100) / 100},
                  {"val_bpc_float", float_val},
                  {"val_bpc", r.val_bpc},
                  {"hidden", H},
                  {"fanin", o.fanin},
                  {"head_fanin", o.head_fanin},
                  {"layers", o.layers},
                  {"batch", B},
                  {"bptt", T},
                  {"lr", o.lr},
                  {"qat_lr", qlr},
                  {"distill", o.distill},
                  {"levels", o.levels},
                  {"head_token", o.head_token},
                  {"float_frac", o.float_frac},
                  {"soft_frac", o.soft_frac},
                  {"tau_end", o.tau_end},
                  {"quant_ramp", o.quant_ramp},
                  {"clip_latent", o.clip_latent},
                  {"weight_ema", o.weight_ema},
                  {"surrogate", o.surrogate},
                  {"stochastic", o.stochastic},
                  {"tokens_per_s", std::round(r.tokens_per_s)},
                  {"float_checkpoint", fs::path(float_pt).filename().string()},
                  {"float_val_rule", "16 contiguous streams of the val split, each from reset"}};
  if (o.prune) m.provenance["kept_units"] = kept;
  if (o.head_context > 0) {
    m.provenance["head_context"] = o.head_context;
    m.provenance["context_range"] = o.context_range;
  }
  // the command above made only the steps after this one; the earlier ones were made by the
  // interrupted (or --stop-after) run with the same shape, possibly other quantisation options
  if (resumed_at >= 0) m.provenance["resumed_at_step"] = resumed_at;
  validate_model(m, o.output);
  save_model(m, o.output);
  std::error_code ec;
  fs::remove(ckpt, ec);
  fs::remove(ckpt_opt, ec);
  if (!o.quiet) {
    // Units of index H and above in layer 0 are --head-token's token units.
    int hidden_kept = std::min(r.units, H * o.layers);
    if (o.prune) {
      hidden_kept = 0;
      for (const auto& k : kept)
        for (int u : k) hidden_kept += u < H;
    }
    const int token_units = r.units - hidden_kept;
    std::cerr << fmt::format(
        "train: wrote {} ({} of {} units kept{}) and {}: val {:.4f} bpc quantised, {:.4f} float; {} steps, {:.2f} min, "
        "{:.0f} tok/s\n",
        o.output, hidden_kept, H * o.layers, token_units > 0 ? fmt::format(", + {} token units", token_units) : "",
        float_pt, r.val_bpc, r.val_bpc_float, r.steps, r.minutes, r.tokens_per_s);
  }
  return r;
}

}  // namespace tg::train
