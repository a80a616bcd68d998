// C++ reference emitter: a header-only, bit-exact model of the netlist, written as straight-line
// code that touches only each unit's nonzero inputs.
//
// Layout: the registered state is packed into 64-bit words h[]; every computed bit (comparator or
// mux) gets a position in a second packed array x[] that step() fills. A sum is the population
// count of its +1 inputs minus that of its -1 inputs, one AND-and-popcount per source word, plus
// its token-table entry and offset. Positions are chosen so that runs of gated-cell muxes and of
// next-state bits line up: the muxes' select bits, their "1" inputs and the muxes themselves each
// occupy consecutive positions in mux order, so a run of up to 64 muxes (and the copy of the next
// state into h) is a handful of word operations instead of one expression per bit.
#include <fmt/format.h>

#include <map>
#include <sstream>

#include "emit.hpp"
#include "util.hpp"

namespace tg::emit {

using ir::Bit;

namespace {

// Where a bit lives in the generated code: a constant, state word array h or computed array x.
struct Loc {
  char arr = 'c';  // 'h', 'x' or 'c' (constant)
  int pos = 0;     // bit position in the array, or the constant's value
  bool follows(const Loc& prev) const {
    return arr == prev.arr && (arr == 'c' ? pos == prev.pos : pos == prev.pos + 1);
  }
};

class RefLayout {
 public:
  explicit RefLayout(const ir::Netlist& n) : n_(n), pos_(n.bits.size(), -1) {
    // Regions, concatenated in this order: mux selects, mux "1" inputs, mux "0" inputs, muxes,
    // then every other computed bit. Each region lists its bits in mux order (or bit order).
    std::vector<int> sel, one, zero, mux, rest;
    std::vector<bool> placed(n.bits.size(), false);
    auto take = [&](std::vector<int>& region, int b) {
      if (computed(b) && !placed[size_t(b)]) {
        placed[size_t(b)] = true;
        region.push_back(b);
      }
    };
    for (size_t i = 0; i < n.bits.size(); ++i)
      if (n.bits[i].kind == Bit::Kind::Mux) {
        take(sel, n.bits[i].a);
        take(one, n.bits[i].b);
        take(zero, n.bits[i].c);
        take(mux, int(i));
      }
    for (size_t i = 0; i < n.bits.size(); ++i) take(rest, int(i));
    int p = 0;
    for (const auto* region : {&sel, &one, &zero, &mux, &rest}) {
      if (region->size() > 1) p = (p + 63) / 64 * 64;  // runs start on a word
      for (int b : *region) pos_[size_t(b)] = p++;
    }
    computed_bits_ = p;
  }
  bool computed(int b) const {
    auto k = n_.bits[size_t(b)].kind;
    return k == Bit::Kind::Cmp || k == Bit::Kind::Mux;
  }
  Loc loc(int b) const {
    const Bit& x = n_.bits[size_t(b)];
    if (x.kind == Bit::Kind::Const) return {'c', x.a ? 1 : 0};
    if (x.kind == Bit::Kind::State) return {'h', x.a};
    return {'x', pos_[size_t(b)]};
  }
  int words() const { return std::max(1, (computed_bits_ + 63) / 64); }

 private:
  const ir::Netlist& n_;
  std::vector<int> pos_;
  int computed_bits_ = 0;
};

// `len` bits of `l` and the following bits of its array, as a uint64_t expression (LSB first).
std::string field(const Loc& l, int len) {
  if (l.arr == 'c') return l.pos ? fmt::format("0x{:x}ull", len == 64 ? ~0ull : (1ull << len) - 1) : "0ull";
  return fmt::format("fld({}, {}, {})", l.arr, l.pos, len);
}

std::string hex(uint64_t m) { return fmt::format("0x{:x}ull", m); }

}  // namespace

std::string cpp_reference(const ir::Netlist& n, const std::string& ns) {
  Widths w = widths(n);
  const int R = int(n.regs.size());
  const int NW = std::max(1, (R + 63) / 64);
  const int TSIZE = 1 << n.token_bits;
  RefLayout lay(n);
  const int NX = lay.words();
  std::ostringstream o;
  o << header_comment(n, "//");
  o << "// Bit-exact reference: step() is one clock edge with in_valid = 1; logits() and argmax()\n"
       "// are the combinational outputs of the registered state. Tokens are taken modulo\n"
       "// 2^kTokenBits like the RTL port; tokens >= kVocab contribute nothing.\n"
       "// The state is packed in h[] (bit r of the register file is bit r % 64 of h[r / 64]); step()\n"
       "// packs every computed bit into x[] and evaluates each sum as popcounts of masked words.\n"
       "// Build with hardware popcount (-mpopcnt or -march=native) for speed.\n";
  o << "// Three renderings of the same sums, chosen by the compile flags: with AVX-512 (VPOPCNTDQ,\n"
       "// BW, VL: -march=native on a CPU that has them) eight comparators or logits at a time\n"
       "// (TG_REF_SIMD); with a popcount instruction (-mpopcnt) popcounts of masked state words;\n"
       "// otherwise one term at a time. -DTG_REF_SCALAR turns the AVX-512 rendering off. All are\n"
       "// bit-exact.\n";
  o << "#pragma once\n#include <cstdint>\n#include <cstring>\n";
  o << "#if defined(__AVX512F__) && defined(__AVX512VPOPCNTDQ__) && defined(__AVX512BW__) && defined(__AVX512VL__) && \\\n"
       "    !defined(TG_REF_SCALAR)\n#include <immintrin.h>\n#define TG_REF_SIMD 1\n#endif\n\n";
  o << fmt::format("namespace {} {{\n\n", ns);
  o << "struct Model {\n";
  o << fmt::format("  static constexpr int kVocab = {};\n  static constexpr int kTokenBits = {};\n", n.vocab, n.token_bits);
  o << fmt::format("  static constexpr int kRegs = {};\n  static constexpr int kModelStateBits = {};\n", R, n.model_state_bits);
  o << fmt::format("  static constexpr int kLogitBits = {};\n", w.logit_bits);
  o << fmt::format("  static constexpr double kLogitScale = {};\n", fmt::format("{:.17g}", n.logit_scale));
  o << fmt::format("  static constexpr const char* kModelHash = \"{}\";\n", n.model_hash);
  o << "  static constexpr uint8_t kVocabBytes[" << n.vocab << "] = {";
  for (int v = 0; v < n.vocab; ++v) o << (v ? ", " : "") << int(n.vocab_bytes[size_t(v)]);
  o << "};\n";
  o << "  // Model-file state bit that each register holds.\n";
  o << "  static constexpr int kRegOrigin[" << std::max(1, R) << "] = {";
  for (int r = 0; r < R; ++r) o << (r ? ", " : "") << n.regs[size_t(r)].origin;
  if (R == 0) o << "-1";
  o << "};\n";
  for (size_t t = 0; t < n.tables.size(); ++t) {
    o << fmt::format("  static constexpr int16_t kT{}[{}] = {{", t, TSIZE);
    for (int v = 0; v < TSIZE; ++v) o << (v ? ", " : "") << (v < n.vocab ? n.tables[t][size_t(v)] : 0);
    o << "};\n";
  }
  const int F = int(n.context_logits.size());
  if (n.has_context()) {
    o << "  // head.context: logit kCtxCols[i] adds kCtx[code before * (kVocab + 1) + last code][i]; codes are\n"
         "  // 0 after reset or an out-of-vocabulary token, else the token + 1.\n";
    o << fmt::format("  static constexpr int kCtxColumns = {};\n  static constexpr int kCtxCols[{}] = {{", F, F);
    for (int i = 0; i < F; ++i) o << (i ? ", " : "") << n.context_logits[size_t(i)];
    o << "};\n";
    o << fmt::format("  static constexpr int8_t kCtx[{}][{}] = {{\n", n.context.rows, F);
    for (int r = 0; r < n.context.rows; ++r) {
      o << "    {";
      for (int i = 0; i < F; ++i) o << (i ? ", " : "") << n.context.at(r, i);
      o << "},\n";
    }
    o << "  };\n";
  }
  o << fmt::format("\n  uint64_t h[{}];\n", NW);
  if (n.has_context()) o << "  unsigned ctx_last = 0, ctx_prev = 0;  // head.context codes\n";
  o << "\n  Model() { reset(); }\n";
  o << "  void reset() {\n    std::memset(h, 0, sizeof h);\n";
  if (n.has_context()) o << "    ctx_last = ctx_prev = 0;\n";
  for (int r = 0; r < R; ++r)
    if (n.regs[size_t(r)].reset) o << fmt::format("    h[{}] |= uint64_t(1) << {};\n", r / 64, r % 64);
  o << "  }\n";
  o << "  bool reg(int r) const { return (h[r >> 6] >> (r & 63)) & 1; }\n\n";
  o << "  static int pc(uint64_t v) { return __builtin_popcountll(v); }\n"
       "  // len (1..64) bits of v starting at bit pos, LSB first; constant-folded at each call.\n"
       "  static uint64_t fld(const uint64_t* v, int pos, int len) {\n"
       "    const int s = pos & 63;\n"
       "    uint64_t r = v[pos >> 6] >> s;\n"
       "    if (s && s + len > 64) r |= v[(pos >> 6) + 1] << (64 - s);\n"
       "    return len == 64 ? r : r & ((uint64_t(1) << len) - 1);\n"
       "  }\n";

  // Calls fn(weight, location) for each nonzero term whose bit is not constant; returns the
  // sum's offset with the constant bits' contributions folded in.
  auto live_terms = [&](const ir::Sum& sm, auto&& fn) {
    int off = sm.offset;
    for (const auto& t : sm.terms) {
      if (t.weight == 0) continue;
      Loc l = lay.loc(t.bit);
      if (l.arr == 'c')
        off += t.weight * l.pos;
      else
        fn(t.weight, l);
    }
    return off;
  };
  // e + the token-table entry + the offset (constant bits folded in), or the offset alone.
  auto with_table_and_offset = [](std::string e, int table, int off) {
    if (table >= 0) e += fmt::format("{}kT{}[tok]", e.empty() ? "" : " + ", table);
    if (off != 0 || e.empty()) e += e.empty() ? fmt::format("{}", off) : fmt::format(" {} {}", off < 0 ? "-" : "+", std::abs(off));
    return e;
  };
  // offset + popcounts of the masked words (+ table entry); `x` names the computed-bit array.
  // A sum as per-word masks of its +1 and -1 inputs and an offset (constant bits folded in).
  struct Lane {
    std::map<std::pair<char, int>, std::pair<uint64_t, uint64_t>> masks;  // (arr, word) -> (+, -)
    int off = 0;
  };
  auto lane_of = [&](int s) {
    Lane ln;
    ln.off = live_terms(n.sums[size_t(s)], [&](int wt, Loc l) {
      auto& m = ln.masks[{l.arr, l.pos / 64}];
      (wt > 0 ? m.first : m.second) |= uint64_t(1) << (l.pos % 64);
    });
    return ln;
  };
  auto sum_expr = [&](int s) {
    const ir::Sum& sm = n.sums[size_t(s)];
    const Lane ln = lane_of(s);
    std::string e;
    for (const auto& [key, m] : ln.masks) {
      std::string word = fmt::format("{}[{}]", key.first, key.second);
      if (m.first) e += fmt::format("{}pc({} & {})", e.empty() ? "" : " + ", word, hex(m.first));
      if (m.second) e += fmt::format("{}pc({} & {})", e.empty() ? "-" : " - ", word, hex(m.second));
    }
    return with_table_and_offset(e, sm.table, ln.off);
  };

  // The same sum one term at a time (targets without a popcount instruction, where
  // __builtin_popcountll is a library call): offset + each input bit +-1 + table entry.
  auto term_expr = [&](int s) {
    const ir::Sum& sm = n.sums[size_t(s)];
    std::string e;
    const int off = live_terms(sm, [&](int wt, Loc l) {
      e += fmt::format("{}int(({}[{}] >> {}) & 1)", e.empty() ? (wt > 0 ? "" : "-") : (wt > 0 ? " + " : " - "), l.arr,
                       l.pos / 64, l.pos % 64);
    });
    return with_table_and_offset(e, sm.table, off);
  };

  // SIMD batches: eight sums in the eight 64-bit lanes of a zmm register. For every source word
  // the lanes' +1 and -1 masks (kB<g>P / kB<g>N, 8 words per source word), so that a lane's count
  // is the sum over source words of popcount(word & P) - popcount(word & N).
  std::ostringstream data;  // static tables of the SIMD path
  int nbatch = 0;
  // Emits the masks of a batch and returns the code that leaves the eight counts in `a`.
  auto batch_counts = [&](const std::vector<Lane>& lanes, int g) {
    std::map<std::pair<char, int>, int> words;
    for (const auto& l : lanes)
      for (const auto& [k, m] : l.masks) words.emplace(k, 0);
    std::string code = "      __m512i a = _mm512_setzero_si512();\n";
    for (const auto& [k, unused] : words) {
      (void)unused;
      for (int sign = 0; sign < 2; ++sign) {
        std::vector<uint64_t> m(8, 0);
        bool any = false;
        for (size_t i = 0; i < lanes.size(); ++i) {
          auto it = lanes[i].masks.find(k);
          if (it != lanes[i].masks.end()) m[i] = sign ? it->second.second : it->second.first;
          any |= m[i] != 0;
        }
        if (!any) continue;
        data << fmt::format("  alignas(64) static constexpr uint64_t kB{}{}{}{}[8] = {{", g, sign ? 'N' : 'P', k.first, k.second);
        for (int i = 0; i < 8; ++i) data << (i ? ", " : "") << hex(m[size_t(i)]);
        data << "};\n";
        code += fmt::format(
            "      a = _mm512_{}_epi64(a, _mm512_popcnt_epi64(_mm512_and_si512(_mm512_set1_epi64((long long)({}[{}])), "
            "_mm512_load_si512(kB{}{}{}{}))));\n",
            sign ? "sub" : "add", k.first, k.second, g, sign ? 'N' : 'P', k.first, k.second);
      }
    }
    return code;
  };
  // Comparators of one level, eight x positions at a time (a block of 8 aligned positions never
  // crosses a word of x): lane i is compared with K[tok][i] = threshold - offset - table[tok].
  auto simd_cmps = [&](const std::vector<int>& cmps) {
    std::map<int, std::vector<int>> blocks;  // x position / 8 -> bit per lane (-1: none)
    for (int b : cmps) {
      int p = lay.loc(b).pos;
      auto& v = blocks[p / 8];
      if (v.empty()) v.assign(8, -1);
      v[size_t(p % 8)] = b;
    }
    std::string code;
    for (const auto& [blk, bits] : blocks) {
      const int g = nbatch++;
      std::vector<Lane> lanes(8);
      bool table = false;
      for (int i = 0; i < 8; ++i)
        if (bits[size_t(i)] >= 0) {
          lanes[size_t(i)] = lane_of(n.bits[size_t(bits[size_t(i)])].a);
          table |= n.sums[size_t(n.bits[size_t(bits[size_t(i)])].a)].table >= 0;
        }
      const int rows = table ? TSIZE : 1;
      data << fmt::format("  alignas(16) static constexpr int16_t kB{}K[{}] = {{", g, rows * 8);
      for (int t = 0; t < rows; ++t)
        for (int i = 0; i < 8; ++i) {
          long k = 32767;  // no comparator in this lane: never true
          if (bits[size_t(i)] >= 0) {
            const Bit& b = n.bits[size_t(bits[size_t(i)])];
            const ir::Sum& sm = n.sums[size_t(b.a)];
            long tv = (sm.table >= 0 && t < n.vocab) ? n.tables[size_t(sm.table)][size_t(t)] : 0;
            k = long(b.b) - lanes[size_t(i)].off - tv;
            // Counts lie in [-terms, terms]; clamping keeps the comparison and fits int16.
            k = std::clamp(k, -30000L, 30000L);
          }
          data << (t || i ? "," : "") << k;
        }
      data << "};\n";
      code += "    {\n" + batch_counts(lanes, g);
      code += fmt::format(
          "      const __mmask8 m = _mm512_cmpge_epi64_mask(a, _mm512_cvtepi16_epi64(_mm_load_si128((const __m128i*)(kB{}K{}))));\n"
          "      x[{}] |= uint64_t(m) << {};\n    }}\n",
          g, table ? " + 8 * tok" : "", blk * 8 / 64, blk * 8 % 64);
    }
    return code;
  };

  o << "\n  void step(unsigned tok) {\n";
  o << fmt::format("    tok &= {}u;\n", TSIZE - 1);
  if (n.has_context()) o << "    ctx_prev = ctx_last;\n    ctx_last = tok < unsigned(kVocab) ? tok + 1 : 0;\n";
  bool uses_tok = n.has_context();
  for (const auto& sm : n.sums) uses_tok |= sm.table >= 0;
  if (!uses_tok) o << "    (void)tok;\n";
  o << fmt::format("    uint64_t x[{}] = {{}};\n    (void)x;\n", NX);
  // A run never crosses a word of x (mux runs are cut at word boundaries).
  auto deposit = [&](int pos, const std::string& val) {
    return fmt::format("x[{}] |= {} << {};", pos / 64, val, pos % 64);
  };
  // Evaluation order: by level (a computed bit is one level above its deepest computed input),
  // within a level the comparators first, then the muxes, so that a layer's muxes are adjacent
  // and form runs.
  std::vector<int> level(n.bits.size(), 0);
  int depth = 0;
  for (size_t i = 0; i < n.bits.size(); ++i) {
    const Bit& b = n.bits[i];
    auto in = [&](int x) { level[i] = std::max(level[i], lay.computed(x) ? level[size_t(x)] + 1 : 1); };
    if (b.kind == Bit::Kind::Cmp) {
      level[i] = 1;
      for (const auto& t : n.sums[size_t(b.a)].terms) in(t.bit);
    } else if (b.kind == Bit::Kind::Mux) {
      in(b.a), in(b.b), in(b.c);
    }
    depth = std::max(depth, level[i]);
  }
  for (int lv = 1; lv <= depth; ++lv) {
    std::vector<int> muxes, cmps;
    for (size_t i = 0; i < n.bits.size(); ++i) {
      if (level[i] != lv) continue;
      const Bit& b = n.bits[i];
      if (b.kind == Bit::Kind::Mux) {
        muxes.push_back(int(i));
        continue;
      }
      if (b.kind != Bit::Kind::Cmp) continue;
      cmps.push_back(int(i));
    }
    if (!cmps.empty()) o << "#if defined(TG_REF_SIMD)\n" << simd_cmps(cmps) << "#elif defined(__POPCNT__)\n";
    for (int i : cmps) {
      const Bit& b = n.bits[size_t(i)];
      Loc d = lay.loc(i);
      o << fmt::format("    {}  // {}\n", deposit(d.pos, fmt::format("uint64_t({} >= {})", sum_expr(b.a), b.b)), b.name);
    }
    if (!cmps.empty()) o << "#else\n";
    for (int i : cmps) {
      const Bit& b = n.bits[size_t(i)];
      Loc d = lay.loc(i);
      o << fmt::format("    {}\n", deposit(d.pos, fmt::format("uint64_t({} >= {})", term_expr(b.a), b.b)));
    }
    if (!cmps.empty()) o << "#endif\n";
    for (size_t k = 0; k < muxes.size();) {
      // The longest run of muxes whose output, select and inputs all advance by one position.
      const Bit& b = n.bits[size_t(muxes[k])];
      Loc d = lay.loc(muxes[k]);
      size_t e = k + 1;
      while (e < muxes.size() && (d.pos % 64) + int(e - k) < 64) {
        const Bit& p = n.bits[size_t(muxes[e - 1])];
        const Bit& q = n.bits[size_t(muxes[e])];
        if (!(lay.loc(muxes[e]).follows(lay.loc(muxes[e - 1])) && lay.loc(q.a).follows(lay.loc(p.a)) &&
              lay.loc(q.b).follows(lay.loc(p.b)) && lay.loc(q.c).follows(lay.loc(p.c))))
          break;
        ++e;
      }
      const int len = int(e - k);
      std::string s = field(lay.loc(b.a), len), one = field(lay.loc(b.b), len), zero = field(lay.loc(b.c), len);
      std::string names = len == 1 ? b.name : fmt::format("{} .. {}", b.name, n.bits[size_t(muxes[e - 1])].name);
      std::string val = fmt::format("((s & {}) | (~s & {}))", one, zero);
      if (len < 64) val = fmt::format("({} & {})", val, hex((1ull << len) - 1));
      o << fmt::format("    {{ const uint64_t s = {}; {} }}  // {}\n", s, deposit(d.pos, val), names);
      k = e;
    }
  }
  // Next state: runs of registers whose next bits are consecutive.
  o << fmt::format("    uint64_t nx[{}] = {{}};\n", NW);
  for (int r = 0; r < R;) {
    Loc l = lay.loc(n.regs[size_t(r)].next);
    int e = r + 1;
    while (e < R && e % 64 != 0 && lay.loc(n.regs[size_t(e)].next).follows(lay.loc(n.regs[size_t(e - 1)].next))) ++e;
    o << fmt::format("    nx[{}] |= {} << {};  // {}{}\n", r / 64, field(l, e - r), r % 64, n.regs[size_t(r)].name,
                     e - r > 1 ? fmt::format(" .. {}", n.regs[size_t(e - 1)].name) : "");
    r = e;
  }
  o << "    std::memcpy(h, nx, sizeof h);\n  }\n\n";
  const int VP = std::max(8, (n.vocab + 7) / 8 * 8);
  o << fmt::format("  // The logits padded to a multiple of 8 entries (padding: INT32_MIN).\n"
                   "  void logits_padded(int32_t* z) const {{\n#ifdef TG_REF_SIMD\n");
  for (int g0 = 0; g0 < VP; g0 += 8) {
    const int g = nbatch++;
    std::vector<Lane> lanes(8);
    data << fmt::format("  alignas(64) static constexpr long long kB{}O[8] = {{", g);
    for (int i = 0; i < 8; ++i) {
      const int v = g0 + i;
      if (v < n.vocab) lanes[size_t(i)] = lane_of(n.logits[size_t(v)]);
      data << (i ? ", " : "") << (v < n.vocab ? fmt::format("{}", lanes[size_t(i)].off) : "INT32_MIN");
    }
    data << "};\n";
    o << "    {\n" << batch_counts(lanes, g)
      << fmt::format("      _mm256_storeu_si256((__m256i*)(z + {}), _mm512_cvtepi64_epi32(_mm512_add_epi64(a, "
                     "_mm512_load_si512(kB{}O))));\n    }}\n",
                     g0, g);
  }
  o << "#elif defined(__POPCNT__)\n";
  for (int v = 0; v < VP; ++v)
    o << fmt::format("    z[{}] = {};\n", v, v < n.vocab ? sum_expr(n.logits[size_t(v)]) : "INT32_MIN");
  o << "#else\n";
  for (int v = 0; v < VP; ++v)
    o << fmt::format("    z[{}] = {};\n", v, v < n.vocab ? term_expr(n.logits[size_t(v)]) : "INT32_MIN");
  o << "#endif\n";
  if (n.has_context())
    o << "    const int row = int(ctx_prev) * (kVocab + 1) + int(ctx_last);\n"
         "    for (int i = 0; i < kCtxColumns; ++i) z[kCtxCols[i]] += kCtx[row][i];\n";
  o << "  }\n";
  o << fmt::format("  void logits(int32_t* z) const {{\n    alignas(32) int32_t p[{}];\n    logits_padded(p);\n"
                   "    std::memcpy(z, p, sizeof(int32_t) * kVocab);\n  }}\n",
                   VP);
  o << fmt::format("  int32_t logit(int v) const {{\n    int32_t z[{}];\n    logits(z);\n"
                   "    return v >= 0 && v < kVocab ? z[v] : 0;\n  }}\n",
                   n.vocab);
  o << "  // Lowest index wins ties.\n  unsigned argmax() const {\n";
  o << fmt::format("    alignas(32) int32_t z[{}];\n    logits_padded(z);\n", VP);
  o << fmt::format("    int32_t m = z[0];\n    for (int v = 1; v < {}; ++v) m = z[v] > m ? z[v] : m;\n"
                   "    unsigned best = 0;\n    while (z[best] != m) ++best;\n    return best;\n  }}\n",
                   VP);
  o << "\n#ifdef TG_REF_SIMD\n" << data.str() << "#endif\n";
  o << "};\n\n}  // namespace " << ns << "\n";
  return o.str();
}

std::string verilator_glue(const ir::Netlist& n, const std::string& top, int pipeline_head, bool context_load) {
  Widths w = widths(n);
  std::ostringstream o;
  o << header_comment(n, "//");
  o << "// Port accessors for the Verilated core, so that one bench source fits every model.\n";
  o << "#pragma once\n#include <cstdint>\n";
  o << fmt::format("#include \"V{}.h\"\n\n", top);
  o << fmt::format("using TgCore = V{};\n", top);
  o << fmt::format("inline constexpr int kGlueRegs = {};\ninline constexpr int kGlueLogitBits = {};\n", n.regs.size(),
                   w.logit_bits);
  o << fmt::format("// out_token lags the state by this many cycles (gen --pipeline-head).\n"
                   "inline constexpr int kGluePipelineHead = {};\n",
                   pipeline_head);
  o << (pipeline_head > 0 ? "inline bool glue_in_ready(const TgCore& m) { return m.in_ready; }\n"
                          : "inline bool glue_in_ready(const TgCore&) { return true; }\n");
  auto bit_of = [](const std::string& port, int width) {
    if (width <= 64) return fmt::format("(uint64_t(m.{}) >> i) & 1", port);
    return fmt::format("(m.{}[i >> 5] >> (i & 31)) & 1", port);
  };
  o << "inline bool glue_state_bit(const TgCore& m, int i) { return " << bit_of("state", w.regs) << "; }\n";
  o << "inline bool glue_logits_bit(const TgCore& m, int i) { return " << bit_of("logits", w.logit_bits * n.vocab)
    << "; }\n";
  const bool load = context_load && n.has_context();
  if (load) {
    const ContextWords cw = context_words(n);
    o << fmt::format("// gen --context-load: the head.context table, loaded through ctx_we / ctx_waddr / ctx_wdata.\n"
                     "inline constexpr bool kGlueContextLoad = true;\ninline constexpr int kGlueCtxRows = {};\n",
                     cw.words.size());
    o << fmt::format("inline constexpr uint64_t kGlueCtxWords[{}] = {{", cw.words.size());
    for (size_t a = 0; a < cw.words.size(); ++a) {
      uint64_t v = 0;
      for (char c : cw.words[a]) v = 2 * v + (c == '1');
      o << (a % 8 ? " " : "\n  ") << fmt::format("0x{:x}ull,", v);
    }
    o << "\n};\n";
    o << "inline void glue_ctx_write(TgCore& m, bool we, unsigned a, uint64_t w) {\n"
         "  m.ctx_we = we;\n  m.ctx_waddr = a;\n  m.ctx_wdata = w;\n}\n";
  } else {
    o << "inline constexpr bool kGlueContextLoad = false;\ninline constexpr int kGlueCtxRows = 0;\n"
         "inline constexpr uint64_t kGlueCtxWords[1] = {0};\n"
         "inline void glue_ctx_write(TgCore&, bool, unsigned, uint64_t) {}\n";
  }
  o << "inline int32_t glue_logit(const TgCore& m, int v) {\n  int64_t x = 0;\n"
       "  for (int b = 0; b < kGlueLogitBits; ++b) x |= int64_t(glue_logits_bit(m, v * kGlueLogitBits + b)) << b;\n"
       "  if (x >> (kGlueLogitBits - 1)) x -= int64_t(1) << kGlueLogitBits;\n  return int32_t(x);\n}\n";
  return o.str();
}

}  // namespace tg::emit
