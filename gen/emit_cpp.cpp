// C++ reference emitter: a header-only, bit-exact model of the netlist, written as straight-line
// code that touches only each unit's nonzero inputs.
#include <fmt/format.h>

#include <sstream>

#include "emit.hpp"
#include "util.hpp"

namespace tg::emit {

using ir::Bit;

std::string cpp_reference(const ir::Netlist& n, const std::string& ns) {
  Widths w = widths(n);
  const int R = int(n.regs.size());
  const int NW = std::max(1, (R + 63) / 64);
  const int TSIZE = 1 << n.token_bits;
  std::ostringstream o;
  o << header_comment(n, "//");
  o << "// Bit-exact reference: step() is one clock edge with in_valid = 1; logits() and argmax()\n"
       "// are the combinational outputs of the registered state. Tokens are taken modulo\n"
       "// 2^kTokenBits like the RTL port; tokens >= kVocab contribute nothing.\n";
  o << "#pragma once\n#include <cstdint>\n#include <cstring>\n\n";
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
  o << fmt::format("\n  uint64_t h[{}];\n\n  Model() {{ reset(); }}\n", NW);
  o << "  void reset() {\n    std::memset(h, 0, sizeof h);\n";
  for (int r = 0; r < R; ++r)
    if (n.regs[size_t(r)].reset) o << fmt::format("    h[{}] |= uint64_t(1) << {};\n", r / 64, r % 64);
  o << "  }\n";
  o << "  bool reg(int r) const { return (h[r >> 6] >> (r & 63)) & 1; }\n";

  auto bit_ref = [&](int b, const char* state) -> std::string {
    const Bit& x = n.bits[size_t(b)];
    switch (x.kind) {
      case Bit::Kind::Const: return x.a ? "1" : "0";
      case Bit::Kind::State: return fmt::format("int(({}[{}] >> {}) & 1)", state, x.a / 64, x.a % 64);
      default: return fmt::format("int(b{})", b);
    }
  };
  auto sum_expr = [&](int s, const char* state) {
    const ir::Sum& sm = n.sums[size_t(s)];
    std::string e = fmt::format("{}", sm.offset);
    for (const auto& t : sm.terms) {
      if (t.weight == 0) continue;
      e += fmt::format(" {} {}", t.weight > 0 ? "+" : "-", bit_ref(t.bit, state));
    }
    if (sm.table >= 0) e += fmt::format(" + kT{}[tok]", sm.table);
    return e;
  };

  o << "\n  void step(unsigned tok) {\n";
  o << fmt::format("    tok &= {}u;\n", TSIZE - 1);
  bool uses_tok = false;
  for (const auto& sm : n.sums) uses_tok |= sm.table >= 0;
  if (!uses_tok) o << "    (void)tok;\n";
  o << fmt::format("    uint64_t nx[{}] = {{}};\n", NW);
  for (size_t i = 0; i < n.bits.size(); ++i) {
    const Bit& b = n.bits[i];
    if (b.kind == Bit::Kind::Cmp)
      o << fmt::format("    const bool b{} = ({}) >= {};  // {}\n", i, sum_expr(b.a, "h"), b.b, b.name);
    else if (b.kind == Bit::Kind::Mux)
      o << fmt::format("    const bool b{} = {} ? {} : {};  // {}\n", i, bit_ref(b.a, "h"), bit_ref(b.b, "h"), bit_ref(b.c, "h"),
                       b.name);
  }
  for (int r = 0; r < R; ++r)
    o << fmt::format("    nx[{}] |= uint64_t({}) << {};\n", r / 64, bit_ref(n.regs[size_t(r)].next, "h"), r % 64);
  o << "    std::memcpy(h, nx, sizeof h);\n  }\n\n";
  o << "  int32_t logit(int v) const {\n    switch (v) {\n";
  for (int v = 0; v < n.vocab; ++v) o << fmt::format("      case {}: return {};\n", v, sum_expr(n.logits[size_t(v)], "h"));
  o << "      default: return 0;\n    }\n  }\n";
  o << "  void logits(int32_t* z) const {\n";
  for (int v = 0; v < n.vocab; ++v) o << fmt::format("    z[{}] = {};\n", v, sum_expr(n.logits[size_t(v)], "h"));
  o << "  }\n";
  o << "  // Lowest index wins ties.\n  unsigned argmax() const {\n";
  o << fmt::format("    int32_t z[{}];\n    logits(z);\n    unsigned best = 0;\n", n.vocab);
  o << "    for (unsigned v = 1; v < unsigned(kVocab); ++v)\n      if (z[v] > z[best]) best = v;\n    return best;\n  }\n";
  o << "};\n\n}  // namespace " << ns << "\n";
  return o.str();
}

std::string verilator_glue(const ir::Netlist& n, const std::string& top, int pipeline_head) {
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
  o << "inline int32_t glue_logit(const TgCore& m, int v) {\n  int64_t x = 0;\n"
       "  for (int b = 0; b < kGlueLogitBits; ++b) x |= int64_t(glue_logits_bit(m, v * kGlueLogitBits + b)) << b;\n"
       "  if (x >> (kGlueLogitBits - 1)) x -= int64_t(1) << kGlueLogitBits;\n  return int32_t(x);\n}\n";
  return o.str();
}

}  // namespace tg::emit
