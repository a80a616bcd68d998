// Verilator bench for the UART board top (rtl_templates/tg_top_uart.v).
//
// The bench plays the host side of the serial line: it sends prompt bytes and command bytes
// as 8N1 frames (optionally with a slightly fast or slow bit clock) and decodes every frame
// the board transmits. Each scenario compares the received text byte for byte with the
// generated C++ reference (tg_ref::Model: the prompt's in-vocabulary bytes teacher-forced,
// then greedy argmax, one step per character sent). The first difference prints the
// scenario, the position and both bytes, and the bench exits 1.
//
// Build with sim/build_uart_tb.sh, which sets CLK_FREQ_HZ, BAUD and GEN_DEFAULT both as
// Verilog parameters and as the TG_CLK_HZ, TG_BAUD and TG_GEN_DEFAULT macros seen here.
#include <verilated.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "Vtg_top_uart.h"
#include "tg_ref.hpp"

#if VM_TRACE
#include <verilated_vcd_c.h>
#endif

namespace {

constexpr long kClksPerBit = (long(TG_CLK_HZ) + long(TG_BAUD) / 2) / long(TG_BAUD);
constexpr uint8_t kGen = 0x02, kStop = 0x03, kGenDefault = 0x04, kReset = 0x12;

bool is_command(uint8_t b) { return b == kGen || b == kStop || b == kGenDefault || b == kReset; }

int token_of(uint8_t b) {
  for (int t = 0; t < tg_ref::Model::kVocab; ++t)
    if (tg_ref::Model::kVocabBytes[t] == b) return t;
  return -1;
}

std::string show(uint8_t b) {
  char s[16];
  if (b >= 0x20 && b < 0x7f) std::snprintf(s, sizeof s, "'%c' (0x%02x)", b, b);
  else std::snprintf(s, sizeof s, "0x%02x", b);
  return s;
}

struct Bench {
  std::unique_ptr<VerilatedContext> ctx;
  std::unique_ptr<Vtg_top_uart> top;
#if VM_TRACE
  std::unique_ptr<VerilatedVcdC> tfp;
#endif
  uint64_t cycle = 0;
  double skew = 1.0;  // host bit time = kClksPerBit * skew clocks

  // Host transmitter: frames go out back to back.
  std::deque<uint8_t> txq;
  bool tx_active = false;
  uint64_t tx_start = 0;
  uint16_t tx_frame = 0;

  // Host receiver.
  bool rx_active = false;
  uint64_t rx_start = 0;
  int rx_bits = 0;
  uint8_t rx_byte = 0;
  std::vector<uint8_t> received;
  std::vector<uint64_t> received_at;

  explicit Bench(int argc, char** argv) : ctx(std::make_unique<VerilatedContext>()) {
    ctx->commandArgs(argc, argv);
    top = std::make_unique<Vtg_top_uart>(ctx.get());
#if VM_TRACE
    if (ctx->commandArgsPlusMatch("trace")[0]) {
      ctx->traceEverOn(true);
      tfp = std::make_unique<VerilatedVcdC>();
      top->trace(tfp.get(), 99);
      tfp->open("tb_uart_trace.vcd");
    }
#endif
    top->uart_rx = 1;
    top->clk = 0;
    top->eval();
  }
  ~Bench() {
    top->final();
#if VM_TRACE
    if (tfp) tfp->close();
#endif
  }

  int host_line() {
    if (!tx_active && !txq.empty()) {
      tx_active = true;
      tx_start = cycle;
      tx_frame = uint16_t(0x200 | (txq.front() << 1));  // stop, data LSB first, start
      txq.pop_front();
    }
    if (!tx_active) return 1;
    auto bit = long(double(cycle - tx_start) / (double(kClksPerBit) * skew));
    if (bit >= 10) {
      tx_active = false;
      return host_line();
    }
    return (tx_frame >> bit) & 1;
  }

  void host_receive(int line) {
    if (!rx_active) {
      if (line == 0) rx_active = true, rx_start = cycle, rx_bits = 0, rx_byte = 0;
      return;
    }
    // Sample in the middle of bit i: start + (i + 1/2) bit times.
    uint64_t at = rx_start + uint64_t(rx_bits) * kClksPerBit + kClksPerBit / 2;
    if (cycle != at) return;
    if (rx_bits == 0 && line != 0) {
      std::fprintf(stderr, "FAIL: glitch on the board's TX line at cycle %llu\n", (unsigned long long)cycle);
      std::exit(1);
    }
    if (rx_bits >= 1 && rx_bits <= 8) rx_byte = uint8_t(rx_byte | (line << (rx_bits - 1)));
    if (rx_bits == 9) {
      if (line != 1) {
        std::fprintf(stderr, "FAIL: framing error (stop bit 0) at cycle %llu\n", (unsigned long long)cycle);
        std::exit(1);
      }
      received.push_back(rx_byte);
      received_at.push_back(rx_start);
      rx_active = false;
      return;
    }
    ++rx_bits;
  }

  void tick() {
    top->uart_rx = uint8_t(host_line());
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
    host_receive(top->uart_tx);
  }

  void send(const std::vector<uint8_t>& bytes) { txq.insert(txq.end(), bytes.begin(), bytes.end()); }
  void drain_tx() {
    while (!txq.empty() || tx_active) tick();
  }
  // Runs until `n` bytes have arrived in total or `frames` frame times pass without a new byte.
  void wait_bytes(size_t n, long frames = 40) {
    uint64_t last = cycle;
    size_t have = received.size();
    while (received.size() < n && cycle - last < uint64_t(frames * 10 * kClksPerBit)) {
      tick();
      if (received.size() != have) have = received.size(), last = cycle;
    }
  }
  void idle(long frames) {
    for (long i = 0; i < frames * 10 * kClksPerBit; ++i) tick();
  }
};

int failures = 0;

// Compares received[from..] with the reference continuation; `ref` consumes each expected byte.
bool expect_generated(const char* scenario, Bench& b, size_t from, size_t count, tg_ref::Model& ref) {
  if (b.received.size() - from != count) {
    std::fprintf(stderr, "FAIL [%s]: expected %zu generated bytes, received %zu\n", scenario, count,
                 b.received.size() - from);
    ++failures;
    return false;
  }
  for (size_t i = 0; i < count; ++i) {
    unsigned t = ref.argmax();
    uint8_t want = tg_ref::Model::kVocabBytes[t];
    uint8_t got = b.received[from + i];
    if (got != want) {
      std::fprintf(stderr, "FAIL [%s]: generated byte %zu: board sent %s, reference %s\n", scenario, i, show(got).c_str(),
                   show(want).c_str());
      ++failures;
      return false;
    }
    ref.step(t);
  }
  return true;
}

void feed_ref(tg_ref::Model& ref, const std::vector<uint8_t>& prompt) {
  for (uint8_t c : prompt) {
    int t = token_of(c);
    if (t >= 0 && !is_command(c)) ref.step(unsigned(t));
  }
}

std::vector<uint8_t> random_prompt(std::mt19937& rng, int len) {
  std::vector<uint8_t> p;
  while (int(p.size()) < len) {
    uint8_t c;
    if (rng() % 5 == 0) c = uint8_t(rng() % 256);  // anything, in the vocabulary or not
    else c = tg_ref::Model::kVocabBytes[rng() % tg_ref::Model::kVocab];
    if (!is_command(c)) p.push_back(c);
  }
  return p;
}

std::vector<uint8_t> gen_cmd(unsigned n) { return {kGen, uint8_t(n & 0xff), uint8_t(n >> 8)}; }

}  // namespace

int main(int argc, char** argv) {
  unsigned seed = 1;
  double skew = 1.0;
  for (int i = 1; i < argc; ++i) {
    std::string s = argv[i];
    if (s == "--seed" && i + 1 < argc) seed = unsigned(std::stoul(argv[++i]));
    else if (s == "--skew" && i + 1 < argc) skew = std::stod(argv[++i]);
    else if (s[0] != '+') {
      std::fprintf(stderr, "usage: tb_uart [--seed S] [--skew F] [+trace]\n");
      return 2;
    }
  }
  auto t0 = std::chrono::steady_clock::now();
  std::mt19937 rng(seed);
  Bench b(argc, argv);
  b.skew = skew;
  tg_ref::Model ref;
  ref.reset();
  b.idle(2);  // power-on reset

  // 1. Prompt (with bytes outside the vocabulary, which are ignored), then 0x02 N.
  auto p1 = random_prompt(rng, 24);
  feed_ref(ref, p1);
  b.send(p1);
  b.send(gen_cmd(37));
  b.drain_tx();
  size_t from = b.received.size();
  b.wait_bytes(from + 37);
  b.idle(5);
  if (expect_generated("prompt + generate 37", b, from, 37, ref)) {
    // Throughput: consecutive characters one frame apart, unless the serial argmax (V + 2
    // clocks after each step) takes longer than a frame.
    const uint64_t frame = uint64_t(std::max<long>(10 * kClksPerBit, tg_ref::Model::kVocab + 3));
    for (size_t i = from + 1; i < b.received.size(); ++i) {
      uint64_t gap = b.received_at[i] - b.received_at[i - 1];
      if (gap > frame + 2) {
        std::fprintf(stderr, "FAIL [throughput]: %llu clocks between characters %zu and %zu (frame: %llu)\n",
                     (unsigned long long)gap, i - 1, i, (unsigned long long)frame);
        ++failures;
        break;
      }
    }
  }

  // 2. More prompt continues from the state; 0x04 generates GEN_DEFAULT characters.
  auto p2 = random_prompt(rng, 9);
  feed_ref(ref, p2);
  b.send(p2);
  b.send({kGenDefault});
  b.drain_tx();
  from = b.received.size();
  b.wait_bytes(from + TG_GEN_DEFAULT);
  b.idle(5);
  expect_generated("continue + 0x04", b, from, TG_GEN_DEFAULT, ref);

  // 3. A long generation stopped with 0x03; bytes sent meanwhile (not commands) are dropped.
  //    Whatever was sent before the stop took effect is the model's own continuation, and the
  //    state afterwards has consumed exactly the characters sent.
  b.send(gen_cmd(5000));
  b.drain_tx();
  from = b.received.size();
  b.wait_bytes(from + 6);
  b.send({tg_ref::Model::kVocabBytes[0], kGen, 1, 0});  // dropped while generating
  b.drain_tx();
  b.send({kStop});
  b.drain_tx();
  b.idle(3);
  size_t stopped_at = b.received.size();
  b.idle(20);
  if (b.received.size() != stopped_at) {
    std::fprintf(stderr, "FAIL [stop]: %zu bytes arrived after the stop\n", b.received.size() - stopped_at);
    ++failures;
  }
  size_t n_stop = b.received.size() - from;
  if (n_stop < 6 || n_stop > 20) {
    std::fprintf(stderr, "FAIL [stop]: %zu characters generated before the stop (expected about 10)\n", n_stop);
    ++failures;
  }
  expect_generated("generate + stop", b, from, n_stop, ref);
  auto p3 = random_prompt(rng, 5);
  feed_ref(ref, p3);
  b.send(p3);
  b.send(gen_cmd(16));
  b.drain_tx();
  from = b.received.size();
  b.wait_bytes(from + 16);
  b.idle(5);
  expect_generated("prompt after stop", b, from, 16, ref);

  // 4. Reset command: back to the reset state.
  b.send({kReset});
  auto p4 = random_prompt(rng, 12);
  b.send(p4);
  b.send(gen_cmd(29));
  b.drain_tx();
  ref.reset();
  feed_ref(ref, p4);
  from = b.received.size();
  b.wait_bytes(from + 29);
  b.idle(5);
  expect_generated("reset + prompt + generate", b, from, 29, ref);

  // 5. Generation from the reset state with no prompt, and N = 0 (nothing is sent).
  b.send({kReset});
  b.send(gen_cmd(0));
  b.send(gen_cmd(11));
  b.drain_tx();
  ref.reset();
  from = b.received.size();
  b.wait_bytes(from + 11);
  b.idle(5);
  expect_generated("reset + generate without prompt", b, from, 11, ref);

  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (failures) {
    std::fprintf(stderr, "tb_uart: %d scenario(s) failed\n", failures);
    return 1;
  }
  std::string text;
  for (size_t i = 0; i < b.received.size() && i < 48; ++i)
    text += b.received[i] >= 0x20 && b.received[i] < 0x7f ? char(b.received[i]) : '.';
  std::printf("tb_uart: ok: %zu characters generated and checked against the reference, %llu clocks, "
              "%ld clocks per bit, host bit time x%.3f, %.2f s; text begins \"%s\"\n",
              b.received.size(), (unsigned long long)b.cycle, kClksPerBit, skew, secs, text.c_str());
  return 0;
}
