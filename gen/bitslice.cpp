#include "bitslice.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <stdexcept>

#include <fmt/format.h>

#include "bpc.hpp"
#include "emit.hpp"
#include "model.hpp"
#include "util.hpp"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define TG_HAVE_X86 1
#endif

namespace tg::bitslice {

namespace {

enum Code : uint8_t { kAnd, kOr, kXor, kAndn, kNot, kMux, kCopy, kLookup };
constexpr int kZero = 0, kOne = 1;

int bits_for(int v) {  // bits to hold 0..v
  int b = 1;
  while ((1LL << b) <= v) ++b;
  return b;
}

// Emits word operations with constant folding; signals are allocated by a bump allocator whose
// top can be rewound to reuse scratch space.
struct Builder {
  std::vector<Engine::Op>* prog;
  int top;
  int high = 0;
  int alloc(int k = 1) {
    int s = top;
    top += k;
    high = std::max(high, top);
    return s;
  }
  int op(Code c, int a, int b = 0, int x = 0) {
    int d = alloc();
    prog->push_back({uint8_t(c), d, a, b, x});
    return d;
  }
  int not_(int a) { return a == kZero ? kOne : a == kOne ? kZero : op(kNot, a); }
  int and_(int a, int b) {
    if (a == kZero || b == kZero) return kZero;
    if (a == kOne) return b;
    if (b == kOne || a == b) return a;
    return op(kAnd, a, b);
  }
  int or_(int a, int b) {
    if (a == kOne || b == kOne) return kOne;
    if (a == kZero) return b;
    if (b == kZero || a == b) return a;
    return op(kOr, a, b);
  }
  int xor_(int a, int b) {
    if (a == kZero) return b;
    if (b == kZero) return a;
    if (a == kOne) return not_(b);
    if (b == kOne) return not_(a);
    if (a == b) return kZero;
    return op(kXor, a, b);
  }
  int andn_(int a, int b) {  // a & ~b
    if (a == kZero || b == kOne) return kZero;
    if (b == kZero) return a;
    if (a == kOne) return not_(b);
    if (a == b) return kZero;
    return op(kAndn, a, b);
  }
  int mux(int s, int a, int b) {  // s ? a : b
    if (s == kOne || a == b) return a;
    if (s == kZero) return b;
    if (a == kOne && b == kZero) return s;
    if (a == kZero && b == kOne) return not_(s);
    if (b == kZero) return and_(s, a);
    if (a == kOne) return or_(s, b);
    return op(kMux, s, a, b);
  }
  size_t mark() const { return prog->size(); }
  // Writes value v into persistent signal d; retargets the op that made v when that op is the
  // last one and was emitted after `since` (so nothing else reads v).
  void place(int d, int v, size_t since) {
    if (prog->size() > since && prog->back().d == v && v >= 2) {
      prog->back().d = d;
      return;
    }
    prog->push_back({kCopy, d, v, 0, 0});
  }
  // Population count of `ins` plus the constant `extra` (>= 0), as bit planes, LSB first:
  // a carry-save tree of full adders (xor, xor, mux) and half adders per column.
  // `weighted`: further inputs of weight 2^j (plane j of an unsigned value).
  std::vector<int> count(const std::vector<int>& ins, int extra, const std::vector<int>& weighted = {}) {
    std::vector<std::deque<int>> col(std::max<size_t>(1, weighted.size()));
    for (int x : ins)
      if (x != kZero) col[0].push_back(x);
    for (size_t j = 0; j < weighted.size(); ++j)
      if (weighted[j] != kZero) col[j].push_back(weighted[j]);
    for (int k = 0; extra >> k; ++k) {
      if (size_t(k) >= col.size()) col.resize(size_t(k) + 1);
      if ((extra >> k) & 1) col[size_t(k)].push_back(kOne);
    }
    std::vector<int> planes;
    for (size_t k = 0; k < col.size(); ++k) {
      auto& c = col[k];
      auto carry_to = [&](int v) {
        if (v == kZero) return;
        if (col.size() <= k + 1) col.resize(k + 2);
        col[k + 1].push_back(v);
      };
      while (c.size() >= 3) {
        int a = c.front(); c.pop_front();
        int b = c.front(); c.pop_front();
        int x = c.front(); c.pop_front();
        int t = xor_(a, b);
        c.push_back(xor_(t, x));
        carry_to(mux(t, x, a));  // a != b: carry = x; else carry = a (= b)
      }
      if (c.size() == 2) {
        int a = c[0], b = c[1];
        c.clear();
        c.push_back(xor_(a, b));
        carry_to(and_(a, b));
      }
      planes.push_back(c.empty() ? kZero : c[0]);
    }
    return planes;
  }
};

#if TG_HAVE_X86
__attribute__((target("avx512f,avx512bw,avx512vbmi"))) void lookup_vbmi(const uint8_t* tab, const uint8_t* toks,
                                                                         int words, int tb, int q, uint64_t* out) {
  const __m512i t0 = _mm512_loadu_si512(tab), t1 = _mm512_loadu_si512(tab + 64);
  const __m512i t2 = _mm512_loadu_si512(tab + 128), t3 = _mm512_loadu_si512(tab + 192);
  for (int w = 0; w < words; ++w) {
    __m512i idx = _mm512_loadu_si512(toks + 64 * w), v;
    if (tb <= 7) v = _mm512_permutex2var_epi8(t0, idx, t1);  // codes < 128
    else {
      __m512i lo = _mm512_permutex2var_epi8(t0, idx, t1), hi = _mm512_permutex2var_epi8(t2, idx, t3);
      v = _mm512_mask_blend_epi8(_mm512_movepi8_mask(idx), lo, hi);
    }
    for (int j = 0; j < q; ++j) out[size_t(j) * size_t(words) + size_t(w)] = _mm512_test_epi8_mask(v, _mm512_set1_epi8(char(1 << j)));
  }
}
bool g_allow_simd = true;
bool have_vbmi() {
  if (!g_allow_simd) return false;
  static const bool b = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                        __builtin_cpu_supports("avx512vbmi");
  return b;
}
#else
bool g_allow_simd = true;
bool have_vbmi() { return false; }
#endif

void lookup_scalar(const uint8_t* tab, const uint8_t* toks, int words, int q, uint64_t* out) {
  for (int w = 0; w < words; ++w) {
    uint64_t planes[8] = {};
    for (int s = 0; s < 64; s += 8) {
      uint64_t x = 0;
      for (int i = 0; i < 8; ++i) x |= uint64_t(tab[toks[64 * w + s + i]]) << (8 * i);
      // Gathers bit j of each byte into one byte (byte i -> bit i).
      for (int j = 0; j < q; ++j) planes[j] |= ((((x >> j) & 0x0101010101010101ULL) * 0x0102040810204080ULL) >> 56) << s;
    }
    for (int j = 0; j < q; ++j) out[size_t(j) * size_t(words) + size_t(w)] = planes[j];
  }
}

}  // namespace

void Engine::allow_simd(bool on) { g_allow_simd = on; }
const char* Engine::lookup_impl() { return have_vbmi() ? "avx512vbmi" : "scalar"; }

Engine::Engine(const ir::Netlist& n, int words) : n_(n), words_(words) {
  if (words < 1) throw Error("bitslice: need at least one word of streams");
  if (n.vocab > 256 || n.token_bits > 8) throw Error("bitslice: vocabularies up to 256 entries only");
  const int R = int(n.regs.size());
  const int NB = int(n.bits.size());
  const int TSIZE = 1 << n.token_bits;
  // Persistent signals: 0/1 constants, registers, the bits, then logit and index planes.
  int top = 2;
  reg_sig_.resize(size_t(R));
  for (int r = 0; r < R; ++r) reg_sig_[size_t(r)] = top++;
  std::vector<int> bit_sig(size_t(NB), kZero);
  for (int i = 0; i < NB; ++i) {
    const auto& b = n.bits[size_t(i)];
    if (b.kind == ir::Bit::Kind::Const) bit_sig[size_t(i)] = b.a ? kOne : kZero;
    else if (b.kind == ir::Bit::Kind::State) bit_sig[size_t(i)] = reg_sig_[size_t(b.a)];
    else bit_sig[size_t(i)] = top++;
  }
  next_buf_ = top;
  top += R;
  // Logits as unsigned planes: u_v = z_v - zmin.
  zmin_ = INT32_MAX;
  int umax = 0;
  const int NV = int(n.logits.size());
  for (int v = 0; v < NV; ++v) zmin_ = std::min(zmin_, int32_t(n.logit_range(v).first));
  if (n.logits.empty()) zmin_ = 0;
  for (int v = 0; v < NV; ++v) umax = std::max(umax, n.logit_range(v).second - zmin_);
  const int P = bits_for(umax);
  logit_planes_.assign(n.logits.size(), {});
  for (auto& lp : logit_planes_) {
    for (int j = 0; j < P; ++j) lp.push_back(top++);
  }
  // head.context: per column, the entry of each stream's row shifted by the column's smallest
  // entry, as persistent input planes of the logit program (filled before it runs).
  if (n.has_context()) {
    const int rows = (n.vocab + 1) * (n.vocab + 1);
    for (int i = 0; i < int(n.context_logits.size()); ++i) {
      auto [lo, hi] = n.context_column_range(i);
      ctx_min_.push_back(lo);
      std::vector<uint8_t> col(static_cast<size_t>(rows));
      for (int r = 0; r < rows; ++r) col[size_t(r)] = uint8_t(n.context.at(r, i) - lo);
      ctx_val_.push_back(std::move(col));
      std::vector<int> planes;
      for (int j = 0; j < bits_for(hi - lo); ++j) planes.push_back(top++);
      ctx_planes_.push_back(std::move(planes));
    }
  }
  for (int j = 0; j < n.token_bits; ++j) idx_planes_.push_back(top++);
  const int scratch = top;

  // Which comparators read each sum, so that a sum is counted once for all its levels.
  std::vector<std::vector<int>> readers(n.sums.size());
  for (int i = 0; i < NB; ++i)
    if (n.bits[size_t(i)].kind == ir::Bit::Kind::Cmp) readers[size_t(n.bits[size_t(i)].a)].push_back(i);
  std::vector<uint8_t> done(n.sums.size(), 0);

  Builder b{&step_prog_, scratch};
  int high = scratch;
  auto literals = [&](const ir::Sum& sm, int& nneg) {
    std::vector<int> ins;
    nneg = 0;
    for (const auto& t : sm.terms) {
      if (t.weight == 0) continue;
      int s = bit_sig[size_t(t.bit)];
      if (t.weight > 0) ins.push_back(s);
      else {
        ins.push_back(b.not_(s));
        ++nneg;
      }
    }
    return ins;
  };
  for (int i = 0; i < NB; ++i) {
    const auto& bit = n.bits[size_t(i)];
    if (bit.kind == ir::Bit::Kind::Mux) {
      b.top = scratch;
      size_t mk = b.mark();
      int v = b.mux(bit_sig[size_t(bit.a)], bit_sig[size_t(bit.b)], bit_sig[size_t(bit.c)]);
      b.place(bit_sig[size_t(i)], v, mk);
      continue;
    }
    if (bit.kind != ir::Bit::Kind::Cmp || done[size_t(bit.a)]) continue;
    const int si = bit.a;
    done[size_t(si)] = 1;
    const ir::Sum& sm = n.sums[size_t(si)];
    b.top = scratch;
    int nneg;
    std::vector<int> ins = literals(sm, nneg);
    const int nt = int(ins.size());
    std::vector<int> c = b.count(ins, 0);
    for (int ci : readers[size_t(si)]) {
      const int thr = n.bits[size_t(ci)].b;
      const int base = thr - sm.offset + nneg;  // c >= base - T[token]
      std::vector<uint8_t> kt(256, 0);
      bool varies = false;
      for (int v = 0; v < 256; ++v) {
        int tv = (sm.table >= 0 && v < TSIZE && v < n.vocab) ? n.tables[size_t(sm.table)][size_t(v)] : 0;
        kt[size_t(v)] = uint8_t(std::clamp(base - tv, 0, nt + 1));
        if (v < TSIZE) varies |= kt[size_t(v)] != kt[0];
      }
      int r;
      size_t mk = b.mark();
      if (!varies) {
        const int K = kt[0];
        if (K == 0) r = kOne;
        else if (K > nt) r = kZero;
        else {
          r = kOne;
          for (size_t j = 0; j < c.size(); ++j) r = ((K >> j) & 1) ? b.and_(c[j], r) : b.or_(c[j], r);
        }
      } else {
        // Unused table entries (codes >= 2^token_bits) never occur: tokens are masked.
        const int q = bits_for(nt + 1);
        const int kp = b.alloc(q);
        ktab_.push_back(kt);
        step_prog_.push_back({kLookup, kp, int32_t(ktab_.size() - 1), q, 0});
        r = kOne;
        for (int j = 0; j < std::max<int>(q, int(c.size())); ++j) {
          int cj = j < int(c.size()) ? c[size_t(j)] : kZero, kj = j < q ? kp + j : kZero;
          r = b.mux(b.xor_(cj, kj), cj, r);
        }
      }
      if (r == kZero || r == kOne) step_prog_.push_back({kCopy, bit_sig[size_t(ci)], r, 0, 0});
      else b.place(bit_sig[size_t(ci)], r, mk);
    }
    high = std::max(high, b.high);
  }
  // Register update: next values that are other registers go through a buffer first.
  next_sig_.resize(size_t(R));
  for (int r = 0; r < R; ++r) {
    int s = bit_sig[size_t(n.regs[size_t(r)].next)];
    if (s >= 2 && s < 2 + R) {
      step_prog_.push_back({kCopy, next_buf_ + r, s, 0, 0});
      s = next_buf_ + r;
    }
    next_sig_[size_t(r)] = s;
  }
  for (int r = 0; r < R; ++r) step_prog_.push_back({kCopy, reg_sig_[size_t(r)], next_sig_[size_t(r)], 0, 0});

  // Logits: u_v = popcount + (offset - #negative terms - zmin).
  Builder lb{&logit_prog_, scratch};
  for (size_t v = 0; v < n.logits.size(); ++v) {
    const ir::Sum& sm = n.sums[size_t(n.logits[v])];
    if (sm.table >= 0) throw Error("bitslice: a logit reads the token table");
    lb.top = scratch;
    std::vector<int> ins;
    int nneg = 0;
    for (const auto& t : sm.terms) {
      if (t.weight == 0) continue;
      int s = bit_sig[size_t(t.bit)];
      if (t.weight > 0) ins.push_back(s);
      else {
        ins.push_back(lb.not_(s));
        ++nneg;
      }
    }
    const int ci = n.context_column(int(v));
    std::vector<int> u = ci < 0 ? lb.count(ins, sm.offset - nneg - zmin_)
                                : lb.count(ins, sm.offset - nneg - zmin_ + ctx_min_[size_t(ci)], ctx_planes_[size_t(ci)]);
    for (int j = 0; j < P; ++j) {
      int x = j < int(u.size()) ? u[size_t(j)] : kZero;
      logit_prog_.push_back({kCopy, logit_planes_[v][size_t(j)], x, 0, 0});
    }
    high = std::max(high, lb.high);
  }
  // Argmax tournament: a later logit replaces the best only when strictly greater. The running
  // best and index live in two alternating banks so that the scratch stays bounded.
  Builder ab{&argmax_prog_, scratch};
  const int TB = n.token_bits;
  if (!n.logits.empty()) {
    std::vector<int> best = logit_planes_[0], idx(size_t(TB), kZero);
    const int bank[2] = {ab.alloc(P + TB), ab.alloc(P + TB)};
    for (size_t v = 1; v < n.logits.size(); ++v) {
      ab.top = scratch + 2 * (P + TB);
      const auto& a = logit_planes_[v];
      int gt = kZero;  // a > best, decided from the LSB up
      for (int j = 0; j < P; ++j) gt = ab.mux(ab.xor_(a[size_t(j)], best[size_t(j)]), a[size_t(j)], gt);
      const int out = bank[v & 1];
      for (int j = 0; j < P; ++j) {
        size_t mk = ab.mark();
        ab.place(out + j, ab.mux(gt, a[size_t(j)], best[size_t(j)]), mk);
      }
      for (int j = 0; j < TB; ++j) {
        size_t mk = ab.mark();
        int x = ((v >> j) & 1) ? ab.or_(gt, idx[size_t(j)]) : ab.andn_(idx[size_t(j)], gt);
        ab.place(out + P + j, x, mk);
      }
      for (int j = 0; j < P; ++j) best[size_t(j)] = out + j;
      for (int j = 0; j < TB; ++j) idx[size_t(j)] = out + P + j;
    }
    for (int j = 0; j < TB; ++j) argmax_prog_.push_back({kCopy, idx_planes_[size_t(j)], idx[size_t(j)], 0, 0});
  } else {
    for (int j = 0; j < TB; ++j) argmax_prog_.push_back({kCopy, idx_planes_[size_t(j)], kZero, 0, 0});
  }
  high = std::max(high, ab.high);
  mem_.assign(size_t(high) * size_t(words_), 0);
  std::fill(sig(kOne), sig(kOne) + words_, ~uint64_t(0));
  tokens_.assign(size_t(streams()), 0);
  if (n.has_context()) ctx_row_.assign(size_t(streams()), 0);
  reset();
}

void Engine::fill_context() {
  const int S = streams();
  for (size_t i = 0; i < ctx_planes_.size(); ++i) {
    const uint8_t* col = ctx_val_[i].data();
    const auto& planes = ctx_planes_[i];
    for (int w = 0; w < words_; ++w) {
      uint64_t acc[8] = {};
      for (int b = 0; b < 64 && 64 * w + b < S; ++b) {
        const uint8_t x = col[ctx_row_[size_t(64 * w + b)]];
        for (size_t j = 0; j < planes.size(); ++j) acc[j] |= uint64_t((x >> j) & 1) << b;
      }
      for (size_t j = 0; j < planes.size(); ++j) sig(planes[j])[w] = acc[j];
    }
  }
}

void Engine::reset() {
  for (size_t r = 0; r < reg_sig_.size(); ++r)
    std::fill(sig(reg_sig_[r]), sig(reg_sig_[r]) + words_, n_.regs[r].reset ? ~uint64_t(0) : 0);
  std::fill(ctx_row_.begin(), ctx_row_.end(), uint16_t(0));
  logits_valid_ = false;
}

void Engine::reset_stream(int s) {
  const uint64_t m = uint64_t(1) << (s & 63);
  for (size_t r = 0; r < reg_sig_.size(); ++r) {
    uint64_t& w = sig(reg_sig_[r])[s >> 6];
    w = n_.regs[r].reset ? (w | m) : (w & ~m);
  }
  if (!ctx_row_.empty()) ctx_row_[size_t(s)] = 0;
  logits_valid_ = false;
}

bool Engine::reg(int s, int r) const { return (sig(reg_sig_[size_t(r)])[s >> 6] >> (s & 63)) & 1; }

namespace {

// The word-operation interpreter. For the common widths the word count is a compile-time
// constant and a signal is one GCC vector of W words, so that each operation is a handful of
// SIMD instructions; the AVX-512 build of the same body is selected at run time.
template <int W>
struct Vec {
  typedef uint64_t type __attribute__((vector_size(W * 8), aligned(8)));
};

struct LookupCtx {
  const std::vector<std::vector<uint8_t>>* ktab;
  const uint8_t* tokens;
  int words, token_bits;
};

void do_lookup(const LookupCtx& c, const Engine::Op& o, uint64_t* d) {
  const uint8_t* tab = (*c.ktab)[size_t(o.a)].data();
#if TG_HAVE_X86
  if (have_vbmi()) {
    lookup_vbmi(tab, c.tokens, c.words, c.token_bits, o.b, d);
    return;
  }
#endif
  lookup_scalar(tab, c.tokens, c.words, o.b, d);
}

template <int W>
[[gnu::always_inline]] inline void run_fixed(const Engine::Op* ops, size_t count, uint64_t* m, const LookupCtx& c) {
  using V = typename Vec<W>::type;
  for (size_t i = 0; i < count; ++i) {
    const Engine::Op& o = ops[i];
    V* d = reinterpret_cast<V*>(m + size_t(o.d) * W);
    const V a = *reinterpret_cast<const V*>(m + size_t(o.a) * W);
    switch (o.code) {
      case kAnd: *d = a & *reinterpret_cast<const V*>(m + size_t(o.b) * W); break;
      case kOr: *d = a | *reinterpret_cast<const V*>(m + size_t(o.b) * W); break;
      case kXor: *d = a ^ *reinterpret_cast<const V*>(m + size_t(o.b) * W); break;
      case kAndn: *d = a & ~*reinterpret_cast<const V*>(m + size_t(o.b) * W); break;
      case kNot: *d = ~a; break;
      case kMux: {
        const V b = *reinterpret_cast<const V*>(m + size_t(o.b) * W), x = *reinterpret_cast<const V*>(m + size_t(o.c) * W);
        *d = (a & b) | (~a & x);
        break;
      }
      case kCopy: *d = a; break;
      case kLookup: do_lookup(c, o, m + size_t(o.d) * W); break;
    }
  }
}

void run_generic(const Engine::Op* ops, size_t count, uint64_t* m, const LookupCtx& c) {
  const size_t W = size_t(c.words);
  for (size_t i = 0; i < count; ++i) {
    const Engine::Op& o = ops[i];
    uint64_t* __restrict d = m + size_t(o.d) * W;
    const uint64_t* a = m + size_t(o.a) * W;
    const uint64_t* b = m + size_t(o.b) * W;
    const uint64_t* x = m + size_t(o.c) * W;
    switch (o.code) {
      case kAnd: for (size_t w = 0; w < W; ++w) d[w] = a[w] & b[w]; break;
      case kOr: for (size_t w = 0; w < W; ++w) d[w] = a[w] | b[w]; break;
      case kXor: for (size_t w = 0; w < W; ++w) d[w] = a[w] ^ b[w]; break;
      case kAndn: for (size_t w = 0; w < W; ++w) d[w] = a[w] & ~b[w]; break;
      case kNot: for (size_t w = 0; w < W; ++w) d[w] = ~a[w]; break;
      case kMux: for (size_t w = 0; w < W; ++w) d[w] = (a[w] & b[w]) | (~a[w] & x[w]); break;
      case kCopy: for (size_t w = 0; w < W; ++w) d[w] = a[w]; break;
      case kLookup: do_lookup(c, o, d); break;
    }
  }
}

void run_portable(const Engine::Op* ops, size_t n, uint64_t* m, const LookupCtx& c) {
  switch (c.words) {
    case 1: run_fixed<1>(ops, n, m, c); break;
    case 2: run_fixed<2>(ops, n, m, c); break;
    case 4: run_fixed<4>(ops, n, m, c); break;
    case 8: run_fixed<8>(ops, n, m, c); break;
    default: run_generic(ops, n, m, c);
  }
}

#if TG_HAVE_X86
__attribute__((target("avx512f,avx512bw"))) void run_avx512(const Engine::Op* ops, size_t n, uint64_t* m,
                                                            const LookupCtx& c) {
  switch (c.words) {
    case 4: run_fixed<4>(ops, n, m, c); break;
    case 8: run_fixed<8>(ops, n, m, c); break;
    default: run_portable(ops, n, m, c);
  }
}
bool have_avx512() {
  static const bool b = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
  return b && g_allow_simd;
}
#endif

}  // namespace

void Engine::run(const std::vector<Op>& prog) {
  LookupCtx c{&ktab_, tokens_.data(), words_, n_.token_bits};
#if TG_HAVE_X86
  if (have_avx512()) {
    run_avx512(prog.data(), prog.size(), mem_.data(), c);
    return;
  }
#endif
  run_portable(prog.data(), prog.size(), mem_.data(), c);
}

void Engine::step(const uint8_t* tokens) {
  const uint8_t mask = uint8_t((1 << n_.token_bits) - 1);
  for (int s = 0; s < streams(); ++s) tokens_[size_t(s)] = tokens[s] & mask;
  if (!ctx_row_.empty()) {  // row = c_prev * (V + 1) + c_last; the new c_prev is the old c_last
    const int V1 = n_.vocab + 1;
    for (int s = 0; s < streams(); ++s) {
      const int t = tokens_[size_t(s)], code = t < n_.vocab ? t + 1 : 0;
      ctx_row_[size_t(s)] = uint16_t((ctx_row_[size_t(s)] % V1) * V1 + code);
    }
  }
  run(step_prog_);
  logits_valid_ = false;
}

void Engine::run_logits() {
  if (!ctx_row_.empty()) fill_context();
  run(logit_prog_);
}

void Engine::logits(std::vector<int32_t>& z) {
  if (!logits_valid_) run_logits();
  logits_valid_ = true;
  const int V = n_.vocab, S = streams();
  z.assign(size_t(S) * size_t(V), 0);
  int32_t u[64];
  for (int v = 0; v < V; ++v) {
    const auto& lp = logit_planes_[size_t(v)];
    for (int w = 0; w < words_; ++w) {
      for (int s = 0; s < 64; ++s) u[s] = zmin_;
      for (size_t j = 0; j < lp.size(); ++j) {
        const uint64_t x = sig(lp[j])[w];
        for (int s = 0; s < 64; ++s) u[s] += int32_t((x >> s) & 1) << j;
      }
      for (int s = 0; s < 64; ++s) z[size_t(64 * w + s) * size_t(V) + size_t(v)] = u[s];
    }
  }
}

void Engine::argmax(std::vector<uint8_t>& out) {
  if (!logits_valid_) run_logits();
  logits_valid_ = true;
  run(argmax_prog_);
  out.assign(size_t(streams()), 0);
  for (size_t j = 0; j < idx_planes_.size(); ++j) {
    const uint64_t* p = sig(idx_planes_[j]);
    for (int s = 0; s < streams(); ++s) out[size_t(s)] |= uint8_t(((p[s >> 6] >> (s & 63)) & 1) << j);
  }
}

std::string Engine::emit_cpp(const std::string& ns) const {
  const int W = words_, R = int(n_.regs.size()), TB = n_.token_bits;
  const int TSIZE = 1 << TB, TLEN = TB <= 7 ? 128 : 256;  // bytes the VBMI lookup reads
  const size_t nsig = mem_.size() / size_t(W);
  // Persistent signals: registers live in st[], logit and index planes in pl[]; the rest are
  // locals of the function that writes them.
  std::vector<int> pers(nsig, -1);
  int np = 0;
  for (const auto& lp : logit_planes_)
    for (int sg : lp) pers[size_t(sg)] = np++;
  std::vector<int> idx_pl;
  for (int sg : idx_planes_) idx_pl.push_back(pers[size_t(sg)] = np++);
  std::vector<std::vector<int>> ctx_pl;  // head.context input planes, filled by head()
  for (const auto& cp : ctx_planes_) {
    ctx_pl.emplace_back();
    for (int sg : cp) ctx_pl.back().push_back(pers[size_t(sg)] = np++);
  }
  const int F = int(ctx_planes_.size()), V1 = n_.vocab + 1;
  auto is_local = [&](int sg) { return sg >= 2 + R && pers[size_t(sg)] < 0; };
  auto name = [&](int sg) -> std::string {
    if (sg == kZero) return "kZ";
    if (sg == kOne) return "kO";
    if (sg < 2 + R) return fmt::format("st[{}]", sg - 2);
    if (pers[size_t(sg)] >= 0) return fmt::format("pl[{}]", pers[size_t(sg)]);
    return fmt::format("s{}", sg);
  };
  auto body = [&](const std::vector<Op>& prog, const char* what) {
    std::vector<uint8_t> written(nsig, 0);
    std::vector<int> locals;
    std::string code;
    auto rd = [&](int sg) {
      if (is_local(sg) && !written[size_t(sg)])
        throw Error(fmt::format("bitslice emit: {} program reads signal {} before writing it", what, sg));
      return name(sg);
    };
    auto wr = [&](int sg) {
      if (sg < 2 + R && sg >= 2 && std::string(what) != "step")
        throw Error(fmt::format("bitslice emit: {} program writes a register", what));
      if (is_local(sg) && !written[size_t(sg)]) locals.push_back(sg);
      written[size_t(sg)] = 1;
      return name(sg);
    };
    for (const Op& o : prog) {
      switch (o.code) {
        case kLookup: {
          code += fmt::format("    {{\n      V t[{}];\n      lookup<{}>(kK{}, tok, t);\n", o.b, o.b, o.a);
          for (int j = 0; j < o.b; ++j) code += fmt::format("      {} = t[{}];\n", wr(o.d + j), j);
          code += "    }\n";
          break;
        }
        case kNot: code += fmt::format("    {} = ~{};\n", name(o.d), rd(o.a)); wr(o.d); break;
        case kCopy: code += fmt::format("    {} = {};\n", name(o.d), rd(o.a)); wr(o.d); break;
        case kMux: {
          std::string a = rd(o.a), b = rd(o.b), c = rd(o.c);
          code += fmt::format("    {} = ({} & {}) | (~{} & {});\n", wr(o.d), a, b, a, c);
          break;
        }
        default: {
          const char* op = o.code == kAnd ? " & " : o.code == kOr ? " | " : o.code == kXor ? " ^ " : " & ~";
          std::string a = rd(o.a), b = rd(o.b);
          code += fmt::format("    {} = {}{}{};\n", wr(o.d), a, op, b);
        }
      }
    }
    std::string decl;
    for (size_t i = 0; i < locals.size(); ++i)
      decl += fmt::format("{}s{}{}", i % 16 ? ", " : "    [[maybe_unused]] V ", locals[i], i % 16 == 15 || i + 1 == locals.size() ? ";\n" : "");
    return decl + code;
  };

  std::string o = emit::header_comment(n_, "//");
  o += fmt::format(
      "// Bit-sliced evaluator as straight-line code (tritgate gen --bitslice-cpp): {} streams,\n"
      "// stream s in bit s % 64 of word s / 64 of every signal. step() is one clock edge of every\n"
      "// stream (tokens taken modulo 2^kTokenBits like the RTL port), argmax() the prediction of\n"
      "// every stream (lowest index on ties), logit() after head() the integer logits: bit-exact\n"
      "// with tg_ref.hpp and the RTL. Compile with -O2 -march=native: the word vector becomes\n"
      "// AVX-512 registers and the token tables are read with VBMI where the CPU has them.\n",
      64 * W);
  o += "#pragma once\n#include <cstdint>\n#include <cstring>\n#if defined(__AVX512VBMI__) && defined(__AVX512BW__)\n"
       "#include <immintrin.h>\n#define TG_BS_VBMI 1\n#endif\n\n";
  o += fmt::format("namespace {} {{\n\n", ns);
  o += "struct Engine {\n";
  o += fmt::format("  static constexpr int kWords = {};\n  static constexpr int kStreams = {};\n", W, 64 * W);
  o += fmt::format("  static constexpr int kVocab = {};\n  static constexpr int kTokenBits = {};\n", n_.vocab, TB);
  o += fmt::format("  static constexpr int kRegs = {};\n  static constexpr int32_t kLogitMin = {};\n", R, zmin_);
  o += fmt::format("  typedef uint64_t V __attribute__((vector_size({})));\n", 8 * W);
  o += "  // Per token-table comparator: the count threshold K[token] (count >= K means 1).\n";
  for (size_t t = 0; t < ktab_.size(); ++t) {
    o += fmt::format("  alignas(64) static constexpr uint8_t kK{}[{}] = {{", t, TLEN);
    for (int v = 0; v < TLEN; ++v) o += fmt::format("{}{}", v ? "," : "", v < TSIZE ? int(ktab_[t][size_t(v)]) : 0);
    o += "};\n";
  }
  if (F > 0) {
    o += fmt::format(
        "  // head.context: entry of column i for row c_prev * {} + c_last (codes: 0 none or out of the\n"
        "  // vocabulary, token + 1 otherwise), shifted by the column's smallest entry; kCtx[row * {} + i].\n"
        "  static constexpr uint8_t kCtx[{}] = {{",
        V1, F, V1 * V1 * F);
    for (int r = 0; r < V1 * V1; ++r)
      for (int i = 0; i < F; ++i) o += fmt::format("{}{}{}", r || i ? "," : "", (r * F + i) % 32 ? "" : "\n    ", int(ctx_val_[size_t(i)][size_t(r)]));
    o += "};\n";
  }
  o += fmt::format("\n  V st[{}];\n  V pl[{}];\n  alignas(64) uint8_t tok[kStreams];\n", std::max(1, R), std::max(1, np));
  if (F > 0) o += "  uint16_t row[kStreams];  // head.context row of every stream\n";
  o += "\n  Engine() { reset(); }\n  void reset() {\n    const V kZ = {}, kO = ~kZ;\n";
  if (F > 0) o += "    std::memset(row, 0, sizeof row);\n";
  for (int r = 0; r < R; ++r) o += fmt::format("    st[{}] = {};\n", r, n_.regs[size_t(r)].reset ? "kO" : "kZ");
  o += "    (void)kZ;\n    (void)kO;\n    std::memset(pl, 0, sizeof pl);\n  }\n";
  o += "  bool reg(int s, int r) const { return (st[r][s >> 6] >> (s & 63)) & 1; }\n\n";
  o += "  // Q planes of K[token] for every stream.\n  template <int Q>\n"
       "  static inline void lookup(const uint8_t* tab, const uint8_t* tk, V* out) {\n#ifdef TG_BS_VBMI\n"
       "    const __m512i t0 = _mm512_load_si512(tab), t1 = _mm512_load_si512(tab + 64);\n";
  if (TB > 7) o += "    const __m512i t2 = _mm512_load_si512(tab + 128), t3 = _mm512_load_si512(tab + 192);\n";
  o += "    for (int w = 0; w < kWords; ++w) {\n      const __m512i ix = _mm512_loadu_si512(tk + 64 * w);\n";
  if (TB > 7)
    o += "      const __m512i v = _mm512_mask_blend_epi8(_mm512_movepi8_mask(ix), _mm512_permutex2var_epi8(t0, ix, t1),\n"
         "                                               _mm512_permutex2var_epi8(t2, ix, t3));\n";
  else o += "      const __m512i v = _mm512_permutex2var_epi8(t0, ix, t1);\n";
  o += "      for (int j = 0; j < Q; ++j) out[j][w] = _mm512_test_epi8_mask(v, _mm512_set1_epi8(char(1 << j)));\n"
       "    }\n#else\n"
       "    for (int w = 0; w < kWords; ++w) {\n      uint64_t p[Q] = {};\n"
       "      for (int s = 0; s < 64; s += 8) {\n        uint64_t x = 0;\n"
       "        for (int i = 0; i < 8; ++i) x |= uint64_t(tab[tk[64 * w + s + i]]) << (8 * i);\n"
       "        for (int j = 0; j < Q; ++j) p[j] |= ((((x >> j) & 0x0101010101010101ULL) * 0x0102040810204080ULL) >> 56) << s;\n"
       "      }\n      for (int j = 0; j < Q; ++j) out[j][w] = p[j];\n    }\n#endif\n  }\n\n";
  o += fmt::format("  void step(const uint8_t* tokens) {{\n    for (int s = 0; s < kStreams; ++s) tok[s] = tokens[s] & {}u;\n",
                   TSIZE - 1);
  if (F > 0)
    o += fmt::format("    for (int s = 0; s < kStreams; ++s) row[s] = uint16_t((row[s] % {}) * {} + (tok[s] < kVocab ? tok[s] + 1 : 0));\n",
                     V1, V1);
  o += "    const V kZ = {}, kO = ~kZ;\n    (void)kZ;\n    (void)kO;\n" + body(step_prog_, "step") + "  }\n\n";
  o += "  // The head of the registered state: logit planes, then the argmax tournament.\n  void head() {\n";
  o += "    const V kZ = {}, kO = ~kZ;\n    (void)kZ;\n    (void)kO;\n";
  if (F > 0) {
    o += "    // head.context planes: every stream's entry of every column.\n"
         "    for (int w = 0; w < kWords; ++w) {\n";
    int q = 0;
    for (const auto& cp : ctx_pl) q = std::max(q, int(cp.size()));
    o += fmt::format("      uint64_t p[{}][{}] = {{}};\n      for (int b = 0; b < 64; ++b) {{\n"
                     "        const uint8_t* e = kCtx + size_t(row[64 * w + b]) * {};\n",
                     F, std::max(1, q), F);
    for (int i = 0; i < F; ++i)
      for (size_t j = 0; j < ctx_pl[size_t(i)].size(); ++j)
        o += fmt::format("        p[{}][{}] |= uint64_t((e[{}] >> {}) & 1) << b;\n", i, j, i, j);
    o += "      }\n";
    for (int i = 0; i < F; ++i)
      for (size_t j = 0; j < ctx_pl[size_t(i)].size(); ++j)
        o += fmt::format("      pl[{}][w] = p[{}][{}];\n", ctx_pl[size_t(i)][j], i, j);
    o += "    }\n";
  }
  o += "    {\n" + body(logit_prog_, "logits") +
       "    }\n    {\n" + body(argmax_prog_, "argmax") + "    }\n  }\n";
  o += "  // Integer logit v of stream s (after head()).\n  int32_t logit(int s, int v) const {\n";
  const int P = logit_planes_.empty() ? 0 : int(logit_planes_[0].size());
  o += fmt::format("    int32_t u = kLogitMin;\n    for (int j = 0; j < {}; ++j) u += int32_t((pl[v * {} + j][s >> 6] >> (s & 63)) & 1) << j;\n"
                   "    return u;\n  }}\n",
                   P, P);
  o += "  // Next token of every stream (kStreams bytes).\n  void argmax(uint8_t* out) {\n    head();\n";
  o += "#ifdef TG_BS_VBMI\n    for (int w = 0; w < kWords; ++w) {\n      __m512i b = _mm512_setzero_si512();\n";
  for (size_t j = 0; j < idx_pl.size(); ++j)
    o += fmt::format("      b = _mm512_or_si512(b, _mm512_maskz_set1_epi8(__mmask64(pl[{}][w]), char({})));\n", idx_pl[j], 1 << j);
  o += "      _mm512_storeu_si512(out + 64 * w, b);\n    }\n#else\n";
  o += "    for (int s = 0; s < kStreams; ++s) {\n      unsigned b = 0;\n";
  for (size_t j = 0; j < idx_pl.size(); ++j)
    o += fmt::format("      b |= unsigned((pl[{}][s >> 6] >> (s & 63)) & 1) << {};\n", idx_pl[j], j);
  o += "      out[s] = uint8_t(b);\n    }\n#endif\n  }\n};\n\n}  // namespace " + ns + "\n";
  return o;
}

CorpusBpc corpus_bpc(const ir::Netlist& n, const std::vector<int>& tokens, int chunks) {
  CorpusBpc r;
  if (chunks < 1) throw Error("bitslice: chunks must be at least 1");
  const size_t N = tokens.size();
  if (N == 0) return r;
  chunks = int(std::min<size_t>(size_t(chunks), N));
  r.chunks = chunks;
  Engine e(n, (chunks + 63) / 64);
  const int V = n.vocab;
  if (V < 1) throw Error("bitslice: empty vocabulary");
  std::vector<size_t> start(size_t(chunks) + 1);
  for (int c = 0; c <= chunks; ++c) start[size_t(c)] = N * size_t(c) / size_t(chunks);
  size_t longest = 0;
  for (int c = 0; c < chunks; ++c) longest = std::max(longest, start[size_t(c) + 1] - start[size_t(c)]);
  std::vector<uint8_t> tok(size_t(e.streams()), 0);
  std::vector<int32_t> z;
  // -log2 softmax(s z)[x] = -(s (z_x - max) - ln sum_v exp(-s (max - z_v))) / ln 2, with the
  // exponentials of the integer gaps max - z_v tabulated once.
  int32_t lo = INT32_MAX, hi = INT32_MIN;
  for (int v = 0; v < int(n.logits.size()); ++v) {
    lo = std::min(lo, int32_t(n.logit_range(v).first));
    hi = std::max(hi, int32_t(n.logit_range(v).second));
  }
  std::vector<double> ex(size_t(std::max(1, hi - lo + 1)));
  for (size_t d = 0; d < ex.size(); ++d) ex[d] = std::exp(-n.logit_scale * double(d));
  const double ln2 = std::log(2.0);
  double bits = 0;
  size_t hits = 0;
  for (size_t t = 0; t < longest; ++t) {
    e.logits(z);
    for (int c = 0; c < chunks; ++c) {
      size_t p = start[size_t(c)] + t;
      if (p >= start[size_t(c) + 1]) continue;
      const int32_t* zc = z.data() + size_t(c) * size_t(V);
      int best = 0;
      for (int v = 1; v < V; ++v)
        if (zc[v] > zc[best]) best = v;
      const int32_t mx = zc[best];
      double sum = 0;
      for (int v = 0; v < V; ++v) sum += ex[size_t(mx - zc[v])];
      bits -= (n.logit_scale * double(zc[tokens[p]] - mx) - std::log(sum)) / ln2;
      hits += best == tokens[p];
      tok[size_t(c)] = uint8_t(tokens[p]);
    }
    e.step(tok.data());
  }
  r.tokens = N;
  r.bpc = bits / double(N);
  r.top1 = double(hits) / double(N);
  return r;
}

std::vector<std::vector<int>> generate(const ir::Netlist& n, const std::vector<std::vector<int>>& prompts, int count) {
  std::vector<std::vector<int>> out(prompts.size());
  if (prompts.empty()) return out;
  Engine e(n, int((prompts.size() + 63) / 64));
  size_t longest = 0;
  for (const auto& p : prompts) longest = std::max(longest, p.size());
  // Prompts are right-aligned so that every stream starts generating at the same step; a
  // shorter prompt's stream is held in reset until its prompt begins.
  std::vector<uint8_t> tok(size_t(e.streams()), 0), am;
  for (size_t t = 0; t < longest; ++t) {
    for (size_t i = 0; i < prompts.size(); ++i) {
      size_t lead = longest - prompts[i].size();
      tok[i] = t >= lead ? uint8_t(prompts[i][t - lead]) : 0;
    }
    e.step(tok.data());
    for (size_t i = 0; i < prompts.size(); ++i)
      if (t < longest - prompts[i].size()) e.reset_stream(int(i));
  }
  for (int k = 0; k < count; ++k) {
    e.argmax(am);
    for (size_t i = 0; i < prompts.size(); ++i) out[i].push_back(am[i]);
    e.step(am.data());
  }
  return out;
}

}  // namespace tg::bitslice
