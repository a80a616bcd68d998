// SystemC testbench for a generated tritgate core (verilator --sc).
//
//   Source  --sc_fifo<Cmd>-->  Driver  --signals-->  tg_core (Verilated)  --signals-->  Checker
//
// The source streams tokens (a text file, or random codes over the whole token port, out-of-
// vocabulary ones included) or free-running commands into a bounded FIFO, with optional idle
// slots. The driver is clocked: after every rising edge it takes the next command from the FIFO
// (none ready: an idle cycle) and drives rst/in_valid/in_token/gen for the next edge. The
// checker samples on the falling edge, when the core's outputs for the last edge and the
// driver's inputs for the next edge are both settled. It steps the C++ reference tg_ref::Model
// with what the core consumed at the last edge (gen = 1: the reference's own argmax) and
// compares the state register, every logit, out_token and out_valid; the first mismatch prints
// the cycle, the token and the differing bits and the bench exits 1. It also scores bits per
// character from the logits port: the logits visible before an edge that consumes token t are
// the prediction for t (the rule of gen/bpc.hpp, with tg_ref::Model::kLogitScale).
//
// A core generated with --pipeline-head P (build_sc_tb.sh passes TG_PIPELINE_HEAD from the
// design's tg_config.vh) has an in_ready output: out_token is the prediction of the state P
// edges earlier, and a free-running command is taken only when in_ready was high before the
// edge. The driver holds a command the core did not take; the checker models busy/stepped/
// in_ready/out_valid and the P-cycle history of predictions, and checks in_ready every cycle.
#include <systemc.h>
#include <verilated.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <deque>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "bpc.hpp"
#include "model.hpp"
#include "random_model.hpp"
#include "tg_ref.hpp"
#include "util.hpp"
#include "Vtg_core.h"

#if VM_TRACE
#include <verilated_vcd_sc.h>
#endif

#ifndef TG_PIPELINE_HEAD
#define TG_PIPELINE_HEAD 0
#endif

namespace {

// CPU time of this process (--ref-speed: rates in CPU seconds, robust to a shared machine).
double cpu_seconds() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

using Ref = tg_ref::Model;
constexpr int kPipe = TG_PIPELINE_HEAD;
// The Verilated core has an in_ready port exactly when the head is pipelined.
template <class T>
constexpr bool kHasReady = requires(T& t) { t.in_ready; };
static_assert(kHasReady<Vtg_core> == (kPipe > 0),
              "TG_PIPELINE_HEAD does not match the design (in_ready port); rebuild with sim/build_sc_tb.sh");
template <class T>
void bind_ready(T& dut, sc_signal<bool>& s) {
  if constexpr (kHasReady<T>) dut.in_ready(s);
}
constexpr int kTB = Ref::kTokenBits;
constexpr int kRW = Ref::kRegs > 0 ? Ref::kRegs : 1;
constexpr int kLW = Ref::kLogitBits * Ref::kVocab;

// The core is verilated with --pins-bv 2: one-bit ports are bool, wider ones sc_bv<W>.
template <int W>
using Port = std::conditional_t<W == 1, bool, sc_bv<W>>;
inline bool bit_of(bool v, int) { return v; }
template <int W>
bool bit_of(const sc_bv<W>& v, int i) {
  return v[i].to_bool();
}
template <int W>
Port<W> from_uint(unsigned x) {
  if constexpr (W == 1) return x & 1;
  else {
    sc_bv<W> b;
    b = x;
    return b;
  }
}
template <int W>
unsigned to_uint(const Port<W>& v) {
  unsigned x = 0;
  for (int i = 0; i < W && i < 32; ++i) x |= unsigned(bit_of(v, i)) << i;
  return x;
}

struct Cmd {
  int token = 0;     // teacher-forced token (ignored when gen)
  bool gen = false;  // free-running: the core feeds its own prediction back
  bool idle = false;
  bool last = false;  // end of stream marker
  bool operator==(const Cmd& o) const { return token == o.token && gen == o.gen && idle == o.idle && last == o.last; }
};
inline std::ostream& operator<<(std::ostream& o, const Cmd& c) { return o << "Cmd(" << c.token << "," << c.gen << ")"; }

struct Options {
  std::string model, text, prompt;
  long random = 0, free = 0;
  uint64_t seed = 1;
  double gaps = 0;
  bool check = true, quiet = false, ref_speed = false;
};

SC_MODULE(Source) {
  sc_fifo_out<Cmd> out;
  std::vector<int> stream;
  long free = 0;
  double gaps = 0;
  uint64_t seed = 1;
  SC_CTOR(Source) { SC_THREAD(run); }
  void run() {
    tg::Rng rng(seed);
    auto maybe_idle = [&] {
      while (gaps > 0 && rng.chance(gaps)) out.write(Cmd{0, false, true, false});
    };
    for (int t : stream) {
      maybe_idle();
      out.write(Cmd{t, false, false, false});
    }
    for (long i = 0; i < free; ++i) {
      maybe_idle();
      out.write(Cmd{int(rng.below(1 << kTB)), true, false, false});  // in_token must be ignored
    }
    out.write(Cmd{0, false, false, true});
  }
};

SC_MODULE(Driver) {
  sc_in<bool> clk;
  sc_in<bool> in_ready;  // tied high for a core without a pipelined head
  sc_fifo_in<Cmd> in;
  sc_out<bool> rst, in_valid, gen;
  sc_out<Port<kTB>> in_token;
  SC_CTOR(Driver) { SC_CTHREAD(run, clk.pos()); }
  void run() {
    rst.write(true);
    in_valid.write(false);
    gen.write(false);
    in_token.write(from_uint<kTB>(0));
    wait();  // the reset edge
    rst.write(false);
    Cmd c;
    bool hold = false;
    for (;;) {
      if (!hold) {
        c = Cmd{};
        if (!in.nb_read(c)) c.idle = true;  // source not ready: an idle cycle
      }
      if (c.last) {
        in_valid.write(false);
        wait();
        wait();  // let the checker see the last edge's outputs
        sc_stop();
        return;
      }
      in_valid.write(!c.idle);
      gen.write(c.gen);
      in_token.write(from_uint<kTB>(unsigned(c.token)));
      wait();
      // Read at the edge, in_ready still holds its value from before the edge: a command the
      // core did not take (free-running while its pipelined head is busy) is driven again.
      hold = !c.idle && c.gen && !in_ready.read();
    }
  }
};

SC_MODULE(Checker) {
  sc_in<bool> clk, rst, in_valid, gen, out_valid, in_ready;
  sc_in<Port<kTB>> in_token, out_token;
  sc_in<Port<kRW>> state;
  sc_in<Port<kLW>> logits;
  bool check = true, failed = false;
  uint64_t cycle = 0, tokens = 0;
  double bits = 0;  // -log2 P(token) summed over consumed tokens, from the logits port
  uint64_t scored = 0, oov = 0;
  std::vector<int> generated;
  bool record = false;
  std::vector<uint8_t> consumed_tokens;  // --ref-speed: every consumed token, in order
  Ref ref;

  SC_CTOR(Checker) { SC_METHOD(sample); sensitive << clk.neg(); dont_initialize(); }

  int32_t logit(const Port<kLW>& l, int v) {
    int64_t x = 0;
    for (int b = 0; b < Ref::kLogitBits; ++b) x |= int64_t(bit_of(l, v * Ref::kLogitBits + b)) << b;
    if (x >> (Ref::kLogitBits - 1)) x -= int64_t(1) << Ref::kLogitBits;
    return int32_t(x);
  }
  void fail(const char* what, int tok) {
    if (!failed)
      std::fprintf(stderr, "MISMATCH at cycle %llu (token #%llu, input token %d): %s\n", (unsigned long long)cycle,
                   (unsigned long long)tokens, tok, what);
    failed = true;
  }

  // Inputs seen at the previous falling edge: what the core consumed at the edge in between.
  bool armed = false, p_seen = false, p_rst = false, p_valid = false, p_gen = false;
  unsigned p_tok = 0, p_out = 0;
  // Output head model: cycles until out_token reflects the state (0 without a pipelined head),
  // whether a token was consumed since reset, and the predictions after the last P + 1 edges.
  int busy = 0;
  bool stepped = false;
  std::deque<unsigned> pred;

  void sample() {
    if (failed) return;
    int consumed = -1;
    // Nothing is checked before the first reset edge: the registers start undefined.
    if (p_seen && p_rst) armed = true;
    if (armed) {
      ++cycle;
      if (p_rst) {
        ref.reset();
        stepped = false;
        busy = kPipe;
      } else if (p_valid && (!p_gen || busy == 0)) {
        consumed = int(p_gen ? (check ? ref.argmax() : p_out) : p_tok);
        if (p_gen) generated.push_back(consumed);
        if (record) consumed_tokens.push_back(uint8_t(consumed));
        if (check) ref.step(unsigned(consumed));
        stepped = true;
        busy = kPipe;
        ++tokens;
      } else if (busy > 0) {
        --busy;
      }
      if (check) {
        pred.push_back(ref.argmax());
        if (pred.size() > size_t(kPipe) + 1) pred.pop_front();
      }
    }
    const Port<kLW> l = logits.read();
    if (check && armed) {
      for (int r = 0; r < Ref::kRegs; ++r) {
        bool rtl = bit_of(state.read(), r), rf = ref.reg(r);
        if (rtl != rf) {
          fail("state bits differ", consumed);
          std::fprintf(stderr, "  register %d (model state bit %d): rtl=%d ref=%d\n", r, Ref::kRegOrigin[r], rtl, rf);
        }
      }
      int32_t z[Ref::kVocab];
      ref.logits(z);
      for (int v = 0; v < Ref::kVocab; ++v) {
        int32_t rl = logit(l, v);
        if (rl != z[v]) {
          fail("logits differ", consumed);
          std::fprintf(stderr, "  logit %d: rtl=%d ref=%d\n", v, rl, z[v]);
        }
      }
      // out_token: the prediction of the state kPipe edges ago (known once that many edges
      // have passed since the first reset).
      if (pred.size() == size_t(kPipe) + 1) {
        unsigned rt = to_uint<kTB>(out_token.read()), rf = pred.front();
        if (rt != rf) {
          fail("next token differs", consumed);
          std::fprintf(stderr, "  out_token: rtl=%u ref=%u (prediction of the state %d edge(s) earlier)\n", rt, rf, kPipe);
        }
      }
      const bool expect_valid = stepped && busy == 0;
      if (out_valid.read() != expect_valid) {
        fail("out_valid wrong", consumed);
        std::fprintf(stderr, "  out_valid: rtl=%d expected=%d\n", int(out_valid.read()), int(expect_valid));
      }
      const bool expect_ready = !gen.read() || busy == 0;  // for the inputs of the next edge
      if (in_ready.read() != expect_ready) {
        fail("in_ready wrong", consumed);
        std::fprintf(stderr, "  in_ready: rtl=%d expected=%d (gen=%d)\n", int(in_ready.read()), int(expect_ready),
                     int(gen.read()));
      }
      if (failed) {
        sc_stop();
        return;
      }
    }
    // Inputs for the next edge; score the token it will consume against the logits now visible.
    p_seen = true;
    p_rst = rst.read();
    p_valid = in_valid.read();
    p_gen = gen.read();
    p_tok = to_uint<kTB>(in_token.read());
    p_out = to_uint<kTB>(out_token.read());
    if (check && armed && !p_rst && p_valid && (!p_gen || busy == 0)) {  // --no-check: no port reads beyond the token
      int next = int(p_gen ? p_out : p_tok);
      if (next < Ref::kVocab) {
        std::vector<int> zv(Ref::kVocab);
        for (int v = 0; v < Ref::kVocab; ++v) zv[size_t(v)] = logit(l, v);
        bits += tg::nll_bits(zv, Ref::kLogitScale, next);
        ++scored;
      } else {
        ++oov;  // out-of-vocabulary code: no probability to score
      }
    }
  }
};

[[noreturn]] void usage_error(const std::string& m) {
  std::fprintf(stderr,
               "sc_tb: %s\nusage: sc_tb --model m.json (--text FILE | --random N | --free N [--prompt TEXT])\n"
               "             [--seed S] [--gaps P] [--no-check] [--quiet] [--ref-speed] [+trace]\n",
               m.c_str());
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options a;
  for (int i = 1; i < argc; ++i) {
    std::string s = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) usage_error("missing value for " + s);
      return argv[++i];
    };
    if (s == "--model") a.model = val();
    else if (s == "--text") a.text = val();
    else if (s == "--prompt") a.prompt = val();
    else if (s == "--random") a.random = std::stol(val());
    else if (s == "--free") a.free = std::stol(val());
    else if (s == "--seed") a.seed = std::stoull(val());
    else if (s == "--gaps") a.gaps = std::stod(val());
    else if (s == "--no-check") a.check = false;
    else if (s == "--quiet") a.quiet = true;
    else if (s == "--ref-speed") a.ref_speed = true;
    else if (s[0] == '+') continue;  // Verilator plusargs
    else usage_error("unknown option " + s);
  }
  if (a.model.empty()) usage_error("--model is required");
  if (a.text.empty() && a.random <= 0 && a.free <= 0) usage_error("nothing to run: give --text, --random or --free");
  if (a.gaps < 0 || a.gaps >= 1) usage_error("--gaps: expected a probability in [0, 1)");
  return a;
}

}  // namespace

int sc_main(int argc, char* argv[]) {
  Options a = parse(argc, argv);
  Verilated::commandArgs(argc, argv);
  sc_report_handler::set_actions(SC_INFO, SC_DO_NOTHING);  // "Simulation stopped by user"
  std::vector<int> stream;
  std::unique_ptr<tg::Model> model;
  try {
    model = std::make_unique<tg::Model>(tg::load_model(a.model));
    if (model->hash != Ref::kModelHash)
      throw tg::Error(a.model + ": sha256 " + model->hash + " does not match the generated design's model (" +
                      Ref::kModelHash + "); regenerate with tritgate gen");
    if (!a.text.empty()) stream = tg::tokenize(*model, tg::read_file(a.text), a.text);
    if (!a.prompt.empty()) {
      auto p = tg::tokenize(*model, a.prompt, "--prompt");
      stream.insert(stream.end(), p.begin(), p.end());
    }
  } catch (const tg::Error& e) {
    std::fprintf(stderr, "sc_tb: error: %s\n", e.what());
    return 2;
  }
  tg::Rng rng(a.seed);
  for (long i = 0; i < a.random; ++i) stream.push_back(rng.below(1 << kTB));

  sc_clock clk("clk", 10, SC_NS, 0.5, 0, SC_NS, false);
  sc_signal<bool> rst, in_valid, gen, out_valid, in_ready;
  sc_signal<Port<kTB>> in_token, out_token;
  sc_signal<Port<kRW>> state;
  sc_signal<Port<kLW>> logits;
  sc_fifo<Cmd> fifo("tokens", 16);

  const std::unique_ptr<Vtg_core> dut{new Vtg_core{"dut"}};
  dut->clk(clk);
  dut->rst(rst);
  dut->in_valid(in_valid);
  dut->in_token(in_token);
  dut->gen(gen);
  dut->out_valid(out_valid);
  dut->out_token(out_token);
  dut->state(state);
  dut->logits(logits);
  if (kHasReady<Vtg_core>) bind_ready(*dut, in_ready);
  else in_ready.write(true);  // no pipelined head: every command is taken

  Source src("source");
  src.stream = stream;
  src.free = a.free;
  src.gaps = a.gaps;
  src.seed = a.seed + 1;
  src.out(fifo);
  Driver drv("driver");
  drv.clk(clk);
  drv.in_ready(in_ready);
  drv.in(fifo);
  drv.rst(rst);
  drv.in_valid(in_valid);
  drv.gen(gen);
  drv.in_token(in_token);
  Checker chk("checker");
  chk.check = a.check;
  chk.record = a.ref_speed;
  chk.clk(clk);
  chk.rst(rst);
  chk.in_valid(in_valid);
  chk.gen(gen);
  chk.out_valid(out_valid);
  chk.in_ready(in_ready);
  chk.in_token(in_token);
  chk.out_token(out_token);
  chk.state(state);
  chk.logits(logits);

#if VM_TRACE
  std::unique_ptr<VerilatedVcdSc> tfp;
  if (Verilated::commandArgsPlusMatch("trace")[0]) {
    Verilated::traceEverOn(true);
    sc_start(SC_ZERO_TIME);
    tfp = std::make_unique<VerilatedVcdSc>();
    dut->trace(tfp.get(), 99);
    tfp->open("sc_trace.vcd");
  }
#endif
  auto t0 = std::chrono::steady_clock::now();
  const double c0 = cpu_seconds();
  sc_start();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu_secs = cpu_seconds() - c0;
  dut->final();
#if VM_TRACE
  if (tfp) tfp->close();
#endif
  if (chk.failed) return 1;
  // --ref-speed: the reference on the same consumed tokens (argmax + step each), same process.
  if (a.ref_speed && cpu_secs > 0) {
    Ref r;
    unsigned sink = 0;
    const double r0 = cpu_seconds();
    for (uint8_t t : chk.consumed_tokens) {
      sink += r.argmax();
      r.step(t);
    }
    const double rs = cpu_seconds() - r0;
    const double n = double(chk.consumed_tokens.size());
    std::printf("sc_tb: ref-speed: %zu tokens, CPU time: rtl %.0f tokens/s, reference %.0f tokens/s (same tokens, same "
                "process), rtl/reference %.4f (%u)\n",
                chk.consumed_tokens.size(), n / cpu_secs, rs > 0 ? n / rs : 0.0, rs / cpu_secs, sink & 1);
  }
  char bpc[64];
  if (!a.check) std::snprintf(bpc, sizeof bpc, "not computed (--no-check)");
  else if (chk.oov || !chk.scored) std::snprintf(bpc, sizeof bpc, "n/a (%llu out-of-vocabulary codes)", (unsigned long long)chk.oov);
  else std::snprintf(bpc, sizeof bpc, "%.12f", chk.bits / double(chk.scored));
  if (!a.quiet) {
    std::printf("sc_tb: PASS: %llu cycles, %llu tokens, %d registers, %d logits checked each cycle%s; bpc %s; "
                "%.3f s, %.0f cycles/s, %.0f tokens/s\n",
                (unsigned long long)chk.cycle, (unsigned long long)chk.tokens, Ref::kRegs, Ref::kVocab,
                a.check ? " against the reference" : " (unchecked)", bpc, secs,
                secs > 0 ? double(chk.cycle) / secs : 0.0, secs > 0 ? double(chk.tokens) / secs : 0.0);
    if (a.free > 0 && model) {
      std::string text;
      for (int t : chk.generated) text.push_back(char(model->vocab[size_t(t)]));
      if (text.size() > 120) text = text.substr(0, 120) + "...";
      std::printf("sc_tb: generated: %s\n", text.c_str());
    }
  }
  return 0;
}
