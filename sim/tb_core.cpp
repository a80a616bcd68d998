// Verilator testbench for a generated tritgate core.
//
// Drives a token stream through the RTL and, after every clock edge, compares the state
// register, the logits and the predicted token against the generated C++ reference
// (tg_ref.hpp) and against the golden interpreter of the model file. The first mismatch
// prints the cycle, the token and the differing bits, and the bench exits 1.
//
// Modes: teacher-forced (a text file, or random tokens over the whole token port range,
// out-of-vocabulary codes included) and free-running (the core's own prediction fed back
// through its gen input), optionally after a teacher-forced prompt. Idle cycles and resets
// can be mixed in to check that the state holds and resets.
//
// The bench also reads the logits port to score bits per character (tg_ref::Model::kLogitScale,
// the rule of gen/bpc.hpp: the logits visible before the edge that consumes token t predict t),
// and --dump FILE writes, for the reset state and after every consumed token, the core's
// out_token and logits (one line each: "out_token z0 z1 ..."): `tritgate cosim` reads it.
// With a pipelined head (gen --pipeline-head P) the out_token of a line is the one the core
// shows P edges later, when it is the prediction of that line's state; the bench runs P idle
// cycles at the end so that the last line gets its token.
//
// --ref-speed (throughput measurement, bench/tokens): the consumed tokens are recorded, and
// after the timed RTL run the generated C++ reference (compiled into this binary with the same
// flags) runs argmax + step over exactly the same token sequence, timed the same way; the bench
// prints both rates and their ratio. With --no-check the timed loop is the RTL alone.
#include <verilated.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <deque>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "bpc.hpp"
#include "model.hpp"
#include "random_model.hpp"
#include "tg_glue.hpp"
#include "tg_ref.hpp"
#include "util.hpp"

#if VM_TRACE
#include <verilated_vcd_c.h>
#endif

namespace {

// CPU time of this process: --ref-speed compares rates in CPU seconds, so that other processes
// on a shared machine do not tilt the ratio.
double cpu_seconds() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

struct Args {
  std::string model, text, prompt, dump;
  long random = 0, free = 0;
  uint64_t seed = 1;
  double gaps = 0, resets = 0;
  bool golden = true, check = true, quiet = false, ref_speed = false;
};

[[noreturn]] void usage_error(const std::string& m) {
  std::fprintf(stderr,
               "tb: %s\nusage: tb --model m.json (--text FILE | --random N | --free N [--prompt TEXT])\n"
               "          [--seed S] [--gaps P] [--resets P] [--no-golden] [--no-check] [--quiet] [--dump FILE] [--ref-speed]\n"
               "          [+trace]\n",
               m.c_str());
  std::exit(2);
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string s = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) usage_error("missing value for " + s);
      return argv[++i];
    };
    if (s == "--model") a.model = val();
    else if (s == "--text") a.text = val();
    else if (s == "--prompt") a.prompt = val();
    else if (s == "--dump") a.dump = val();
    else if (s == "--random") a.random = std::stol(val());
    else if (s == "--free") a.free = std::stol(val());
    else if (s == "--seed") a.seed = std::stoull(val());
    else if (s == "--gaps") a.gaps = std::stod(val());
    else if (s == "--resets") a.resets = std::stod(val());
    else if (s == "--no-golden") a.golden = false;
    else if (s == "--no-check") a.check = a.golden = false;
    else if (s == "--quiet") a.quiet = true;
    else if (s == "--ref-speed") a.ref_speed = true;
    else if (s[0] == '+') continue;  // Verilator plusargs
    else usage_error("unknown option " + s);
  }
  if (a.model.empty() && a.golden) usage_error("--model is required (or --no-golden)");
  if (a.text.empty() && a.random <= 0 && a.free <= 0) usage_error("nothing to run: give --text, --random or --free");
  if (a.ref_speed && a.resets > 0) usage_error("--ref-speed replays the consumed tokens from reset: no --resets");
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  Args a = parse(argc, argv);
  auto ctx = std::make_unique<VerilatedContext>();
  ctx->commandArgs(argc, argv);
  auto top = std::make_unique<TgCore>(ctx.get());
#if VM_TRACE
  std::unique_ptr<VerilatedVcdC> tfp;
  if (ctx->commandArgsPlusMatch("trace")[0]) {
    ctx->traceEverOn(true);
    tfp = std::make_unique<VerilatedVcdC>();
    top->trace(tfp.get(), 99);
    tfp->open("tb_trace.vcd");
  }
#endif
  std::unique_ptr<tg::Model> model;
  std::unique_ptr<tg::ModelSim> golden;
  std::vector<int> stream;
  try {
    if (!a.model.empty()) {
      model = std::make_unique<tg::Model>(tg::load_model(a.model));
      if (model->hash != tg_ref::Model::kModelHash)
        throw tg::Error(a.model + ": sha256 " + model->hash + " does not match the generated design's model (" +
                        tg_ref::Model::kModelHash + "); regenerate with tritgate gen");
      golden = std::make_unique<tg::ModelSim>(*model);
    }
    if (!a.text.empty()) {
      if (!model) throw tg::Error("--text needs --model for the vocabulary");
      stream = tg::tokenize(*model, tg::read_file(a.text), a.text);
    }
    if (!a.prompt.empty()) {
      if (!model) throw tg::Error("--prompt needs --model for the vocabulary");
      auto p = tg::tokenize(*model, a.prompt, "--prompt");
      stream.insert(stream.end(), p.begin(), p.end());
    }
  } catch (const tg::Error& e) {
    std::fprintf(stderr, "tb: error: %s\n", e.what());
    return 2;
  }
  tg::Rng rng(a.seed);
  for (long i = 0; i < a.random; ++i) stream.push_back(rng.below(1 << tg_ref::Model::kTokenBits));

  tg_ref::Model ref;
  uint64_t cycle = 0, tokens = 0;
  // With a pipelined head (gen --pipeline-head P) out_token shows the prediction of the state
  // P cycles earlier; `hist` keeps the reference's prediction after each cycle since reset.
  constexpr int P = kGluePipelineHead;
  std::deque<unsigned> hist;
  int since_step = P;  // cycles since the last step (P or more: prediction has arrived)
  // BPC from the logits port, and the optional per-position dump.
  double bits = 0;
  uint64_t scored = 0, oov = 0;
  std::unique_ptr<FILE, int (*)(FILE*)> dump(nullptr, &std::fclose);
  if (!a.dump.empty()) {
    dump.reset(std::fopen(a.dump.c_str(), "w"));
    if (!dump) {
      std::fprintf(stderr, "tb: error: %s: cannot write\n", a.dump.c_str());
      return 2;
    }
  }
  std::vector<int> port_z(tg_ref::Model::kVocab);
  // Dump lines wait for their out_token: (cycle of the state, logits of the state).
  std::deque<std::pair<uint64_t, std::vector<int>>> pending;
  auto flush_dump = [&]() {
    while (!pending.empty() && pending.front().first + uint64_t(P) <= cycle) {
      std::fprintf(dump.get(), "%u", unsigned(top->out_token));
      for (int z : pending.front().second) std::fprintf(dump.get(), " %d", z);
      std::fputc('\n', dump.get());
      pending.pop_front();
    }
  };
  auto read_port = [&]() {
    for (int v = 0; v < tg_ref::Model::kVocab; ++v) port_z[size_t(v)] = glue_logit(*top, v);
    if (dump) {
      pending.emplace_back(cycle, port_z);
      flush_dump();
    }
  };
  const bool want_port = dump || a.check;
  auto score = [&](int tok) {
    if (!want_port) return;
    if (tok >= 0 && tok < tg_ref::Model::kVocab) {
      bits += tg::nll_bits(port_z, tg_ref::Model::kLogitScale, tok);
      ++scored;
    } else {
      ++oov;
    }
  };
  auto tick = [&]() {
    top->clk = 0;
    top->eval();
#if VM_TRACE
    if (tfp) tfp->dump(ctx->time());
#endif
    ctx->timeInc(1);
    top->clk = 1;
    top->eval();
#if VM_TRACE
    if (tfp) tfp->dump(ctx->time());
#endif
    ctx->timeInc(1);
    ++cycle;
    if (dump) flush_dump();
  };
  auto fail_header = [&](const char* what, int tok) {
    std::fprintf(stderr, "MISMATCH at cycle %llu (token #%llu, input token %d): %s\n", (unsigned long long)cycle,
                 (unsigned long long)tokens, tok, what);
  };
  // Compares everything observable; returns false after printing the differences.
  auto compare = [&](int tok, bool expect_valid) {
    bool ok = true;
    std::vector<uint8_t> gs;
    if (golden) gs = golden->flat_state();
    for (int r = 0; r < tg_ref::Model::kRegs; ++r) {
      bool rtl = glue_state_bit(*top, r), rf = ref.reg(r);
      bool gd = golden ? gs[size_t(tg_ref::Model::kRegOrigin[r])] : rf;
      if (rtl != rf || rf != gd) {
        if (ok) fail_header("state bits differ", tok);
        std::fprintf(stderr, "  register %d (model state bit %d): rtl=%d ref=%d model=%d\n", r,
                     tg_ref::Model::kRegOrigin[r], rtl, rf, gd);
        ok = false;
      }
    }
    int32_t z[tg_ref::Model::kVocab];
    ref.logits(z);
    std::vector<int> gz;
    if (golden) gz = golden->logits();
    for (int v = 0; v < tg_ref::Model::kVocab; ++v) {
      int32_t rl = glue_logit(*top, v);
      if (rl != z[v] || (golden && gz[size_t(v)] != z[v])) {
        if (ok) fail_header("logits differ", tok);
        std::fprintf(stderr, "  logit %d: rtl=%d ref=%d model=%d\n", v, rl, z[v], golden ? gz[size_t(v)] : z[v]);
        ok = false;
      }
    }
    unsigned rf = ref.argmax();
    unsigned gd = golden ? unsigned(golden->argmax()) : rf;
    if (rf != gd) {
      if (ok) fail_header("reference and model file disagree on the next token", tok);
      std::fprintf(stderr, "  next token: ref=%u model=%u\n", rf, gd);
      ok = false;
    }
    hist.push_back(rf);
    if (hist.size() > size_t(P) + 1) hist.pop_front();
    if (hist.size() == size_t(P) + 1) {  // P cycles since reset: the pipeline is full
      unsigned rt = top->out_token, want = hist.front();
      if (rt != want) {
        if (ok) fail_header("next token differs", tok);
        std::fprintf(stderr, "  out_token: rtl=%u ref=%u (prediction of the state %d cycle(s) earlier)\n", rt, want, P);
        ok = false;
      }
    }
    if (P > 0) expect_valid = expect_valid && since_step >= P;
    if (bool(top->out_valid) != expect_valid) {
      if (ok) fail_header("out_valid wrong", tok);
      std::fprintf(stderr, "  out_valid: rtl=%d expected=%d\n", int(top->out_valid), int(expect_valid));
      ok = false;
    }
    return ok;
  };

  // Reset. gen --context-load: the head.context table is written through the core's port
  // first, with rst held, as a loader does.
  top->rst = 1;
  top->in_valid = 0;
  top->gen = 0;
  top->in_token = 0;
  if (kGlueContextLoad) {
    for (int row = 0; row < kGlueCtxRows; ++row) {
      glue_ctx_write(*top, true, unsigned(row), kGlueCtxWords[row]);
      tick();
    }
    glue_ctx_write(*top, false, 0, 0);
  }
  tick();
  top->rst = 0;
  since_step = 0;
  bool valid_seen = false;
  if (a.check && !compare(-1, false)) return 1;
  read_port();

  std::vector<uint8_t> consumed;  // --ref-speed: every token the core consumed, in order
  if (a.ref_speed) consumed.reserve(stream.size() + size_t(a.free));
  auto t0 = std::chrono::steady_clock::now();
  const double c0 = cpu_seconds();
  size_t pos = 0;
  long free_left = a.free;
  while (pos < stream.size() || free_left > 0) {
    if (a.resets > 0 && rng.chance(a.resets)) {
      top->rst = 1;
      top->in_valid = rng.chance(0.5);  // reset wins over in_valid
      tick();
      top->rst = 0;
      ref.reset();
      if (golden) golden->reset();
      valid_seen = false;
      hist.clear();
      since_step = 0;
      if (a.check && !compare(-1, false)) return 1;
      read_port();
    }
    if (a.gaps > 0 && rng.chance(a.gaps)) {
      top->in_valid = 0;
      top->gen = rng.chance(0.5);
      top->in_token = rng.below(1 << tg_ref::Model::kTokenBits);
      tick();
      ++since_step;
      if (a.check && !compare(-1, valid_seen)) return 1;
      continue;
    }
    int tok;
    if (pos < stream.size()) {
      tok = stream[pos++];
      top->gen = 0;
      top->in_token = tok;
    } else {
      tok = int(a.check ? ref.argmax() : top->out_token);
      top->gen = 1;
      top->in_token = rng.below(1 << tg_ref::Model::kTokenBits);  // must be ignored
    }
    top->in_valid = 1;
    // A pipelined head holds free-running steps back until the prediction has arrived. Its
    // in_ready depends on gen: settle the new inputs first. Without a pipelined head no output
    // depends on the inputs (in_ready is constantly 1), and the clk = 0 evaluation of the next
    // tick settles them for the edge: one evaluation fewer per token.
    if constexpr (P > 0) top->eval();
    bool stepping = glue_in_ready(*top);
    if (top->gen && a.check) {
      if (stepping != (since_step >= P)) {
        fail_header("in_ready wrong", tok);
        std::fprintf(stderr, "  in_ready: rtl=%d expected=%d\n", int(stepping), int(since_step >= P));
        return 1;
      }
      if (stepping && unsigned(tok) != unsigned(top->out_token)) {
        fail_header("next token differs before a free-running edge", tok);
        return 1;
      }
    }
    if (!stepping) {
      tick();
      ++since_step;
      if (a.check && !compare(-1, valid_seen)) return 1;
      continue;
    }
    if (top->gen) --free_left;
    score(tok);
    if (a.ref_speed) consumed.push_back(uint8_t(tok));
    tick();
    since_step = 0;
    ++tokens;
    valid_seen = true;
    if (a.check) {
      ref.step(unsigned(tok));
      if (golden) golden->step(tok);
      if (!compare(tok, true)) return 1;
    }
    if (want_port) read_port();
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu_secs = cpu_seconds() - c0;
  // Pipelined head: idle cycles until the last dump line's out_token has arrived.
  while (!pending.empty()) {
    top->in_valid = 0;
    top->gen = 0;
    tick();
    ++since_step;
    if (a.check && !compare(-1, valid_seen)) return 1;
  }
  top->final();
  // --ref-speed: the reference on the same token sequence (argmax + step per token, as in
  // greedy generation), timed the same way, in the same process.
  double ref_secs = 0;
  unsigned ref_sink = 0;
  if (a.ref_speed) {
    tg_ref::Model r;
    const double r0 = cpu_seconds();
    for (uint8_t t : consumed) {
      ref_sink += r.argmax();
      r.step(t);
    }
    ref_secs = cpu_seconds() - r0;
    bool same = true;
    for (int q = 0; q < tg_ref::Model::kRegs; ++q) same &= r.reg(q) == glue_state_bit(*top, q);
    if (!same) {
      std::fprintf(stderr, "tb: error: --ref-speed: the reference's final state differs from the core's\n");
      return 1;
    }
  }
#if VM_TRACE
  if (tfp) tfp->close();
#endif
  if (!a.quiet) {
    if (!want_port) std::printf("tb: bpc not computed (--no-check)\n");
    else if (oov || !scored) std::printf("tb: bpc n/a (%llu out-of-vocabulary codes)\n", (unsigned long long)oov);
    else std::printf("tb: bpc %.12f over %llu tokens (from the logits port)\n", bits / double(scored), (unsigned long long)scored);
  }
  if (!a.quiet)
    std::printf("tb: PASS: %llu cycles, %llu tokens, %d registers checked each cycle%s; %.3f s, %.0f cycles/s, %.0f tokens/s\n",
                (unsigned long long)cycle, (unsigned long long)tokens, tg_ref::Model::kRegs,
                !a.check ? " (unchecked)" : golden ? " against the reference and the model file" : " against the reference",
                secs, secs > 0 ? double(cycle) / secs : 0.0, secs > 0 ? double(tokens) / secs : 0.0);
  if (a.ref_speed && ref_secs > 0 && cpu_secs > 0)
    std::printf("tb: ref-speed: %zu tokens, CPU time: rtl %.0f tokens/s, reference %.0f tokens/s (same tokens, same "
                "process), rtl/reference %.4f (%u)\n",
                consumed.size(), double(consumed.size()) / cpu_secs, double(consumed.size()) / ref_secs,
                ref_secs / cpu_secs, ref_sink & 1);
  return 0;
}
