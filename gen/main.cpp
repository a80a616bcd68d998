// tritgate: the command-line tool. One subcommand per job; each has its own options.
#include <fmt/format.h>
#include <sys/stat.h>

#include <boost/program_options.hpp>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <set>

#include "bitslice.hpp"
#include "bpc.hpp"
#include "command.hpp"
#include "emit.hpp"
#include "equiv.hpp"
#include "ir.hpp"
#include "model.hpp"
#include "passes.hpp"
#include "random_model.hpp"
#include "synth_report.hpp"
#include "util.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace tg {
namespace {

bool parse(const std::string& cmd, const std::vector<std::string>& args, po::options_description& desc,
           const po::positional_options_description& pos, po::variables_map& vm, const std::string& usage) {
  return parse_options(cmd, args, desc, pos, vm, usage);
}

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == ',') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else if (c != ' ') {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

int cmd_random_model(const std::vector<std::string>& args, const std::string& full) {
  RandomModelOptions o;
  std::string out;
  po::options_description d("random-model options");
  d.add_options()("hidden", po::value(&o.hidden)->default_value(16), "units per layer")(
      "vocab", po::value(&o.vocab)->default_value(8), "vocabulary size (1..256)")(
      "fanin", po::value(&o.fanin)->default_value(4), "nonzero recurrent weights per unit")(
      "head-fanin", po::value(&o.head_fanin)->default_value(-1), "nonzero head weights per logit (-1: --fanin)")(
      "layers", po::value(&o.layers)->default_value(1), "stacked layers")(
      "levels", po::value(&o.levels)->default_value(1), "thresholds (state bits) per unit")(
      "cell", po::value(&o.cell)->default_value("elman"), "elman or gated")(
      "seed", po::value(&o.seed)->default_value(1), "random seed")(
      "degenerate", po::bool_switch(&o.degenerate), "add zero rows, constant units, duplicates, ties, non-zero reset")(
      "token-units", po::value(&o.token_units)->default_value(0),
      "append N token-only units read by the head alone (layers 1, levels 1)")(
      "context", po::value(&o.context)->default_value(0),
      "a head.context table of the last two tokens on N random logits (gen does not build it yet)")(
      "output,o", po::value(&out)->required(), "model file to write");
  po::variables_map vm;
  if (!parse("random-model", args, d, {}, vm, "[options] -o model.json")) return 0;
  o.command = full;
  Model m = random_model(o);
  save_model(m, out);
  std::cerr << fmt::format("wrote {} ({} units x {} layers, vocab {}, sha256 {})\n", out, o.hidden, o.layers, o.vocab,
                           m.hash.substr(0, 16));
  return 0;
}

int cmd_check(const std::vector<std::string>& args, const std::string&) {
  std::string path;
  po::options_description d("check options");
  d.add_options()("model", po::value(&path)->required(), "model file");
  po::positional_options_description p;
  p.add("model", 1);
  po::variables_map vm;
  if (!parse("check", args, d, p, vm, "model.json")) return 0;
  Model m = load_model(path);
  int nz = 0, total = 0;
  for (const auto& l : m.layers)
    for (const auto* mat : {&l.cand.recurrent, &l.cand.input})
      for (int x : mat->w) nz += x != 0, ++total;
  std::string ctx = m.head.has_context()
                        ? fmt::format(", a table of the last two tokens on {} logits", m.head.context_logits.size())
                        : "";
  std::cout << fmt::format("{}: ok: format {} '{}', cell {}, {} layer(s), {} state bits, vocab {}, {}/{} nonzero weights{}, sha256 {}\n",
                           path, kFormatVersion, m.name, m.cell, m.layers.size(), m.state_bits(), m.vocab_size(), nz, total,
                           ctx, m.hash);
  return 0;
}

int cmd_gen(const std::vector<std::string>& args, const std::string&) {
  std::string path, outdir, pass_list, style, top;
  bool list = false, token_rom = false, sim_arith = false, bitslice_cpp = false, fold = false, context_load = false;
  int pipeline_head = 0, unit_roms = 0, token_rom_bits = 0;
  po::options_description d("gen options");
  d.add_options()("model", po::value(&path), "model file")("output,o", po::value(&outdir), "output directory")(
      "passes", po::value(&pass_list)->default_value("default"),
      "comma-separated pass list, 'default' or 'none' (the plain netlist)")(
      "list-passes", po::bool_switch(&list), "list the optimisation passes and exit")(
      "style", po::value(&style)->default_value("tree"), "Verilog style: tree (optimised structure) or naive")(
      "top", po::value(&top)->default_value("tg_core"), "Verilog module name")(
      "pipeline-head", po::value(&pipeline_head)->default_value(0),
      "pipeline registers in the output head (0..6; 3 and more also split the argmax): out_token lags by N cycles, free-running steps every N+1 cycles")(
      "token-rom", po::bool_switch(&token_rom),
      "token tables as a block-RAM ROM read on the falling clock edge instead of LUT decoding "
      "(in_token and gen must be stable from the falling edge; see docs/model-format.md)")(
      "token-rom-bits", po::value(&token_rom_bits)->default_value(0),
      "with --token-rom: at most N bits per ROM word (16 per iCE40 EBR); units beyond keep LUT decoding (0: no limit)")(
      "unit-roms", po::value(&unit_roms)->default_value(0),
      "up to N units evaluated mostly in a block RAM of their own (token + state inputs as the address), "
      "read on the falling edge; one EBR each")(
      "fold-token-units", po::bool_switch(&fold),
      "units that read only the token and feed only logits: register the token once and add one table of it "
      "per logit instead of one register and adder input per unit (see docs/model-format.md)")(
      "sim-arith", po::bool_switch(&sim_arith),
      "also write each adder tree as one addition under `ifdef TG_SIM_ARITH (faster Verilator simulation; "
      "the gate form stays the default)")(
      "context-load", po::bool_switch(&context_load),
      "a head.context table gets no initial contents and a write port (ctx_we, ctx_waddr, ctx_wdata) for a loader "
      "(iCE40 SPRAM; see docs/model-format.md)")(
      "bitslice-cpp", po::bool_switch(&bitslice_cpp),
      "also write tg_bitslice.hpp: the bit-sliced evaluator (512 streams) as straight-line C++");
  po::positional_options_description p;
  p.add("model", 1);
  po::variables_map vm;
  if (!parse("gen", args, d, p, vm, "model.json -o DIR")) return 0;
  if (list) {
    for (const auto& ps : passes::all()) std::cout << fmt::format("{:<12} {}\n", ps.name, ps.help);
    std::cout << "default pipeline: ";
    for (const auto& n : passes::default_pipeline()) std::cout << n << " ";
    std::cout << "(repeated until nothing changes)\n";
    return 0;
  }
  if (path.empty()) throw Error("gen: missing the model file (see 'tritgate gen --help')");
  if (outdir.empty()) throw Error("gen: missing -o DIR");
  for (char c : top)
    if (!(std::isalnum(uint8_t(c)) || c == '_')) throw Error("--top: expected a Verilog identifier, got '" + top + "'");
  if (top.empty() || std::isdigit(uint8_t(top[0]))) throw Error("--top: expected a Verilog identifier");
  auto t0 = std::chrono::steady_clock::now();
  Model m = load_model(path);
  ir::Netlist n = ir::from_model(m);
  std::vector<std::string> names = pass_list == "default" ? passes::default_pipeline()
                                   : pass_list == "none"  ? std::vector<std::string>{}
                                                          : split_list(pass_list);
  nlohmann::json rep;
  passes::run(n, names, rep);
  emit::VerilogOptions vo;
  vo.top = top;
  vo.style = style;
  vo.pipeline_head = pipeline_head;
  vo.token_rom = token_rom;
  vo.unit_roms = unit_roms;
  vo.token_rom_bits = token_rom_bits;
  vo.sim_arith = sim_arith;
  vo.fold_token_units = fold;
  vo.context_load = context_load;

  std::string v = emit::verilog(n, vo);
  std::string ref = emit::cpp_reference(n, "tg_ref");
  std::string glue = emit::verilator_glue(n, top, pipeline_head, context_load);
  emit::Widths w = emit::widths(n);
  nlohmann::json report = {{"tool", fmt::format("tritgate {}", kVersion)},
                           {"model", path},
                           {"model_sha256", m.hash},
                           {"top", top},
                           {"style", style},
                           {"pipeline_head", pipeline_head},
                           {"token_rom", token_rom},
                           {"unit_roms", unit_roms},
                           {"token_rom_bits", token_rom_bits},
                           {"fold_token_units", fold},
                           {"context_logits", n.context_logits.size()},
                           {"context_load", context_load},
                           {"vocab", n.vocab},
                           {"token_bits", n.token_bits},
                           {"model_state_bits", n.model_state_bits},
                           {"registers", n.regs.size()},
                           {"logit_bits", w.logit_bits},
                           {"logit_min", w.logit_min},
                           {"logit_max", w.logit_max},
                           {"logit_scale", n.logit_scale},
                           {"passes", rep}};
  // Lower bound on LUT4s: a comparator reading k distinct signals (state bits, token bits)
  // needs at least ceil((k - 1) / 3) four-input LUTs; the head and argmax come on top.
  {
    long lb = 0;
    for (const auto& b : n.bits) {
      if (b.kind != ir::Bit::Kind::Cmp) continue;
      const auto& sm = n.sums[size_t(b.a)];
      std::set<int> ins;
      for (const auto& t : sm.terms) ins.insert(t.bit);
      long k = long(ins.size()) + (sm.table >= 0 ? n.token_bits : 0);
      lb += k > 1 ? (k - 1 + 2) / 3 : 0;
    }
    report["lut4_lower_bound"] = lb;
  }
  nlohmann::json origins = nlohmann::json::array();
  for (const auto& r : n.regs) origins.push_back(r.origin);
  report["register_origin"] = origins;
  if (fold) {
    auto f = emit::token_fold(n);
    report["folded_units"] = f.count;
    report["fold_code_bits"] = f.code_bits;
  }
  fs::create_directories(outdir);
  write_file_atomic(outdir + "/" + top + ".v", v);
  write_file_atomic(outdir + "/tg_ref.hpp", ref);
  write_file_atomic(outdir + "/tg_glue.hpp", glue);
  if (bitslice_cpp) write_file_atomic(outdir + "/tg_bitslice.hpp", bitslice::Engine(n, 8).emit_cpp("tg_bs"));
  // Widths for the hand-written board tops in rtl_templates/.
  // --context-load: the flash image of the head.context table for tg_ctx_loader (tg_ctx.bin for
  // the programmer, tg_ctx.hex, a byte a line, for the simulators' flash model).
  std::string ctx_defs;
  if (context_load && n.has_context()) {
    const emit::ContextWords cw = emit::context_words(n);
    const int wbytes = (cw.bits + 7) / 8;
    std::string bin, hex;
    bin.reserve(cw.words.size() * size_t(wbytes));
    for (const auto& word : cw.words) {
      std::string padded = std::string(size_t(wbytes * 8 - cw.bits), '0') + word;
      for (int b = 0; b < wbytes; ++b) {
        int byte = 0;
        for (int j = 0; j < 8; ++j) byte = 2 * byte + (padded[size_t(b * 8 + j)] == '1');
        bin.push_back(char(byte));
        hex += fmt::format("{:02x}\n", byte);
      }
    }
    write_file_atomic(outdir + "/tg_ctx.bin", bin);
    write_file_atomic(outdir + "/tg_ctx.hex", hex);
    ctx_defs = fmt::format("`define TG_CTX_LOAD\n`define TG_CTX_ADDR_BITS {}\n`define TG_CTX_WIDTH {}\n"
                           "`define TG_CTX_IMAGE_BYTES {}\n`define TG_CTX_FLASH_ADDR 24'h{:06x}\n",
                           cw.addr_bits, std::max(1, cw.bits), bin.size(), emit::kContextFlashAddr);
    report["context_image_bytes"] = bin.size();
    report["context_flash_addr"] = emit::kContextFlashAddr;
  }
  write_file_atomic(outdir + "/gen_report.json", report.dump(2) + "\n");
  write_file_atomic(outdir + "/tg_config.vh",
                    fmt::format("// Generated by tritgate {}: widths of {} for the board tops.\n"
                                "`define TG_CORE {}\n`define TG_TOKEN_BITS {}\n`define TG_VOCAB {}\n"
                                "`define TG_REGS {}\n`define TG_LOGIT_BITS {}\n`define TG_PIPELINE_HEAD {}\n{}{}",
                                kVersion, top, top, n.token_bits, n.vocab, w.regs, w.logit_bits, pipeline_head,
                                pipeline_head > 0 ? "`define TG_HAS_READY\n" : "", ctx_defs));
  // The byte <-> token table as two Verilog functions, for the UART board top.
  {
    const int tb = n.token_bits;
    std::string vh = fmt::format(
        "// Generated by tritgate {}: vocabulary of {} ({} tokens). Included inside a module.\n"
        "// tg_vocab_byte: token -> byte (0 for codes >= {}).\n"
        "function automatic [7:0] tg_vocab_byte(input [{}:0] t);\n  case (t)\n",
        kVersion, top, n.vocab, n.vocab, tb - 1);
    for (int t = 0; t < n.vocab; ++t)
      vh += fmt::format("    {}'d{}: tg_vocab_byte = 8'h{:02x};\n", tb, t, n.vocab_bytes[size_t(t)]);
    vh += fmt::format(
        "    default: tg_vocab_byte = 8'h00;\n  endcase\nendfunction\n"
        "// tg_vocab_token: byte -> {{in_vocabulary, token}}; {{1'b0, 0}} for bytes outside it.\n"
        "function automatic [{}:0] tg_vocab_token(input [7:0] b);\n  case (b)\n",
        tb);
    for (int t = 0; t < n.vocab; ++t)
      vh += fmt::format("    8'h{:02x}: tg_vocab_token = {{1'b1, {}'d{}}};\n", n.vocab_bytes[size_t(t)], tb, t);
    vh += fmt::format("    default: tg_vocab_token = {}'d0;\n  endcase\nendfunction\n", tb + 1);
    write_file_atomic(outdir + "/tg_vocab.vh", vh);
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cerr << fmt::format("gen: {} -> {}/{}.v: {} registers of {} state bits, {} sums, {} comparators, {:.2f} s\n", path,
                           outdir, top, n.regs.size(), n.model_state_bits, n.sums.size(),
                           n.count_bits(ir::Bit::Kind::Cmp), secs);
  return 0;
}

int cmd_eval(const std::vector<std::string>& args, const std::string&) {
  std::string path, corpus, split;
  bool json_out = false;
  po::options_description d("eval options");
  d.add_options()("model", po::value(&path)->required(), "model file")(
      "corpus", po::value(&corpus)->required(), "text file (bytes)")(
      "split", po::value(&split)->default_value("val"), "train (first 90%), val (last 10%) or all")(
      "json", po::bool_switch(&json_out), "print JSON");
  po::positional_options_description p;
  p.add("model", 1);
  po::variables_map vm;
  if (!parse("eval", args, d, p, vm, "model.json --corpus FILE [--split val]")) return 0;
  Model m = load_model(path);
  std::string text = split_text(read_file(corpus), split);
  if (text.empty()) throw Error(corpus + ": the " + split + " split is empty");
  auto toks = tokenize(m, text, corpus + " (" + split + " split)");
  ir::Netlist n = ir::from_model(m);
  nlohmann::json rep;
  passes::run(n, passes::default_pipeline(), rep);
  auto t0 = std::chrono::steady_clock::now();
  BpcResult r = evaluate_bpc(n, toks);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (json_out)
    std::cout << nlohmann::json{{"model", path}, {"corpus", corpus}, {"split", split}, {"bpc", r.bpc},
                                {"top1", r.top1}, {"tokens", r.predicted}}
                     .dump()
              << "\n";
  else
    std::cout << fmt::format("{}: {} split of {}: {:.6f} bits/char, top-1 {:.2f}%, {} tokens, {:.2f} s\n", path, split,
                             corpus, r.bpc, 100 * r.top1, r.predicted, secs);
  return 0;
}

int cmd_run(const std::vector<std::string>& args, const std::string&) {
  std::string path, prompt;
  int n_gen = 200;
  po::options_description d("run options");
  d.add_options()("model", po::value(&path)->required(), "model file")(
      "prompt", po::value(&prompt)->default_value(""), "prompt, fed teacher-forced")(
      "generate,n", po::value(&n_gen)->default_value(200), "characters to generate (greedy argmax)");
  po::positional_options_description p;
  p.add("model", 1);
  po::variables_map vm;
  if (!parse("run", args, d, p, vm, "model.json [--prompt TEXT] [-n N]")) return 0;
  if (n_gen < 0) throw Error("--generate: expected a non-negative count");
  Model m = load_model(path);
  auto toks = tokenize(m, prompt, "--prompt");
  ir::Netlist n = ir::from_model(m);
  nlohmann::json rep;
  passes::run(n, passes::default_pipeline(), rep);
  ir::Sim sim(n);
  for (int t : toks) sim.step(t);
  std::string out = prompt;
  for (int i = 0; i < n_gen; ++i) {
    int t = sim.argmax();
    out.push_back(char(m.vocab[size_t(t)]));
    sim.step(t);
  }
  std::cout << out << "\n";
  return 0;
}

const std::vector<Command>& commands() {
  static const std::vector<Command> kCmds = [] {
    std::vector<Command> c = {
      {"random-model", "write a random valid model (for hardware testing)", cmd_random_model},
      {"check", "validate a model file and print a summary", cmd_check},
      {"gen", "generate Verilog, the C++ reference and a report from a model", cmd_gen},
      {"eval", "bits per character of a model on a corpus split (bit-exact integer model)", cmd_eval},
      {"run", "generate text with the bit-exact model", cmd_run},
      {"eval-fast", "bits per character with the bit-sliced evaluator (corpus in chunks, each from reset)",
       bitslice::cmd_eval_fast},
      {"synth-report", "check synthesis results against a device and write report.json", cmd_synth_report},
      {"equiv", "prove the optimised netlist equivalent to the plain one (yosys + ABC pdr)", cmd_equiv},
    };
#if TG_HAVE_TRAIN
    for (const auto& x : train_commands()) c.push_back(x);
#endif
#if TG_HAVE_ANALYZE
    for (const auto& x : analyze_commands()) c.push_back(x);
#endif
#if TG_HAVE_COSIM
    for (const auto& x : cosim_commands()) c.push_back(x);
#endif
    return c;
  }();
  return kCmds;
}

void usage(std::ostream& o) {
  o << "usage: tritgate <command> [options]\n\n"
       "Turns a ternary-weight, binary-state recurrent language model into logic.\n\ncommands:\n";
  for (const auto& c : commands()) o << fmt::format("  {:<14} {}\n", c.name, c.summary);
  o << "\n'tritgate <command> --help' shows a command's options. 'tritgate --version' prints the version.\n";
}

}  // namespace
}  // namespace tg

int main(int argc, char** argv) {
  using namespace tg;
  if (argc < 2) {
    usage(std::cerr);
    return 2;
  }
  std::string cmd = argv[1];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    usage(std::cout);
    return 0;
  }
  if (cmd == "--version" || cmd == "-V") {
    std::cout << "tritgate " << kVersion << " (model format " << kFormatVersion << ")\n";
    return 0;
  }
  std::string full = "tritgate";
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    full += std::string(" ") + argv[i];
    if (i > 1) args.push_back(argv[i]);
  }
  for (const auto& c : commands()) {
    if (cmd != c.name) continue;
    try {
      return c.run(args, full);
    } catch (const Error& e) {
      std::cerr << "tritgate: error: " << e.what() << "\n";
      return 1;
    } catch (const std::exception& e) {
      std::cerr << "tritgate: error: " << e.what() << "\n";
      return 1;
    }
  }
  std::cerr << "tritgate: error: unknown command '" << cmd << "'\n\n";
  usage(std::cerr);
  return 2;
}
