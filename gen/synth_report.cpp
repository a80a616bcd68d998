#include "synth_report.hpp"

#include <fmt/format.h>

#include <boost/program_options.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

#include "util.hpp"

namespace po = boost::program_options;

namespace tg {

namespace {
const std::vector<Device>& devices() {
  static const std::vector<Device> kDevices = {
      {"up5k", "ice40", 5280, 30},   {"up3k", "ice40", 2800, 20},      {"hx1k", "ice40", 1280, 16},
      {"hx4k", "ice40", 3520, 20},   {"hx8k", "ice40", 7680, 32},      {"lp8k", "ice40", 7680, 32},
      {"lp1k", "ice40", 1280, 16},   {"25k", "ecp5", 24288, 56},       {"45k", "ecp5", 43848, 108},
      {"85k", "ecp5", 83640, 208},   {"xc7a35t", "xilinx", 20800, 0},  {"xc7a100t", "xilinx", 63400, 0},
      {"generic", "generic", 0, 0},
  };
  return kDevices;
}

struct Counts {
  long luts = 0, ffs = 0, carries = 0, brams = 0, sprams = 0, cells = 0;
  nlohmann::json by_type = nlohmann::json::object();
  long gates2 = 0;  // generic: two-input-gate equivalent
};

Counts count_cells(const nlohmann::json& stat, const std::string& family, const std::string& origin) {
  const nlohmann::json* types = nullptr;
  if (stat.contains("design") && stat["design"].contains("num_cells_by_type")) types = &stat["design"]["num_cells_by_type"];
  else if (stat.contains("modules") && !stat["modules"].empty()) types = &stat["modules"].begin().value()["num_cells_by_type"];
  if (!types || !types->is_object()) throw Error(origin + ": num_cells_by_type: missing (expected Yosys 'stat -json' output)");
  Counts c;
  c.by_type = *types;
  for (auto it = types->begin(); it != types->end(); ++it) {
    const std::string& t = it.key();
    long n = it.value().get<long>();
    c.cells += n;
    if (family == "ice40") {
      if (t == "SB_LUT4") c.luts += n;
      else if (t.rfind("SB_DFF", 0) == 0) c.ffs += n;
      else if (t == "SB_CARRY") c.carries += n;
      else if (t.rfind("SB_RAM", 0) == 0) c.brams += n;
      else if (t == "SB_SPRAM256KA") c.sprams += n;
    } else if (family == "ecp5") {
      if (t == "LUT4") c.luts += n;
      else if (t == "TRELLIS_FF") c.ffs += n;
      else if (t == "CCU2C") c.carries += n;
      else if (t == "TRELLIS_DPR16X4" || t == "DP16KD") c.brams += n;
    } else if (family == "xilinx") {
      if (t.size() == 4 && t.rfind("LUT", 0) == 0) c.luts += n;
      else if (t == "FDRE" || t == "FDSE" || t == "FDCE" || t == "FDPE") c.ffs += n;
      else if (t == "CARRY4") c.carries += n;
      else if (t.rfind("MUXF", 0) == 0) c.luts += 0;
    } else {  // generic gates from abc -g
      if (t.rfind("$_DFF", 0) == 0 || t.rfind("$_SDFF", 0) == 0 || t.rfind("$_DFFE", 0) == 0 || t.rfind("$_SDFFE", 0) == 0) c.ffs += n;
      else if (t == "$_NOT_" || t == "$_BUF_") c.gates2 += 0;
      else if (t == "$_MUX_") c.gates2 += 3 * n;
      else if (t == "$_XOR_" || t == "$_XNOR_") c.gates2 += n;
      else if (t.rfind("$_", 0) == 0) c.gates2 += n;
    }
  }
  return c;
}
}  // namespace

const Device& find_device(const std::string& name) {
  for (const auto& d : devices())
    if (d.name == name) return d;
  std::string known;
  for (const auto& d : devices()) known += (known.empty() ? "" : ", ") + d.name;
  throw Error(fmt::format("unknown device '{}'; known devices: {}", name, known));
}

int cmd_synth_report(const std::vector<std::string>& args, const std::string&) {
  std::string stat_path, pnr_path, device, out, model, board, stage, gen_report, board_stat;
  double seconds = 0, target_mhz = 0;
  po::options_description d("synth-report options");
  d.add_options()("help,h", "show this help")("stat", po::value(&stat_path), "Yosys 'stat -json' output")(
      "gen-report", po::value(&gen_report), "gen_report.json (stage estimate: LUT lower bound check)")(
      "pnr", po::value(&pnr_path), "nextpnr --report JSON (absent: no place and route)")(
      "board-stat", po::value(&board_stat),
      "Yosys 'stat -json' of the board top with the core as a black box: splits the LUTs into core and board logic")(
      "device", po::value(&device)->required(), "device name")("board", po::value(&board)->default_value(""), "board name")(
      "model", po::value(&model)->default_value(""), "model file (recorded)")(
      "seconds", po::value(&seconds)->default_value(0), "wall time of the flow so far")(
      "target-mhz", po::value(&target_mhz)->default_value(0), "clock constraint; Fmax below it fails")(
      "stage", po::value(&stage)->default_value("final"),
      "estimate: check the generator's LUT lower bound; fit: check the synthesised LUT count; final: write the report")(
      "output,o", po::value(&out), "report.json to write (final stage)");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(d).run(), vm);
    if (vm.count("help")) {
      std::cout << "usage: tritgate synth-report --stat stat.json --device up5k [--pnr pnr.json] -o report.json\n\n" << d;
      return 0;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    throw Error(fmt::format("synth-report: {}", e.what()));
  }
  const Device& dev = find_device(device);
  if (stage == "estimate") {
    if (gen_report.empty()) throw Error("synth-report: --stage estimate needs --gen-report");
    nlohmann::json g;
    try {
      g = nlohmann::json::parse(read_file(gen_report));
    } catch (const nlohmann::json::exception& e) {
      throw Error(gen_report + ": not valid JSON: " + e.what());
    }
    long lb = g.value("lut4_lower_bound", 0L);
    if (dev.luts > 0 && dev.family == "ice40" && lb > dev.luts)
      throw Error(fmt::format("the model needs at least {} LUT4 for its neurons alone (lower bound), but the {} has {}: it "
                              "does not fit; stopping before synthesis. Use a smaller model or a larger device.",
                              lb, dev.name, dev.luts));
    std::cerr << fmt::format("estimate: at least {} LUT4 for the neurons; {} has {}\n", lb, dev.name, dev.luts);
    return 0;
  }
  if (stat_path.empty()) throw Error("synth-report: missing --stat");
  nlohmann::json stat;
  try {
    stat = nlohmann::json::parse(read_file(stat_path));
  } catch (const nlohmann::json::exception& e) {
    throw Error(stat_path + ": not valid JSON: " + e.what());
  }
  Counts c = count_cells(stat, dev.family, stat_path);
  if (dev.luts > 0 && c.luts > dev.luts) {
    throw Error(fmt::format("the design needs {} LUTs but the {} ({}) has {}: it does not fit; stopping before place and "
                            "route. Use a smaller model (fewer units or lower fan-in) or a larger device.",
                            c.luts, dev.name, board.empty() ? dev.family : board, dev.luts));
  }
  if (dev.brams > 0 && c.brams > dev.brams) {
    throw Error(fmt::format("the design needs {} block RAMs but the {} has {}: it does not fit; stopping before place and "
                            "route (gen --token-rom puts the token tables there: drop it or use a larger device).",
                            c.brams, dev.name, dev.brams));
  }
  const long spram_cap = dev.name == "up5k" ? 4 : dev.name == "up3k" ? 4 : 0;
  if (dev.family == "ice40" && c.sprams > spram_cap) {
    throw Error(fmt::format("the design needs {} SPRAM blocks but the {} has {}: it does not fit; stopping before place "
                            "and route (a head.context table loaded with gen --context-load lives there: the iCE40 "
                            "UltraPlus parts have 4, the HX/LP parts none).",
                            c.sprams, dev.name, spram_cap));
  }
  if (stage == "fit") {
    std::cerr << fmt::format("fit: {} LUTs of {} on {} ({:.1f}%)\n", c.luts, dev.luts, dev.name,
                             dev.luts ? 100.0 * double(c.luts) / dev.luts : 0.0);
    return 0;
  }
  if (stage != "final") throw Error("--stage: expected fit or final, got '" + stage + "'");
  if (out.empty()) throw Error("synth-report: missing -o report.json");
  nlohmann::json r;
  r["device"] = dev.name;
  r["family"] = dev.family;
  r["board"] = board;
  r["model"] = model;
  r["luts"] = c.luts;
  r["lut_capacity"] = dev.luts;
  r["ffs"] = c.ffs;
  r["carries"] = c.carries;
  r["brams"] = c.brams;
  r["bram_capacity"] = dev.brams;
  if (dev.family == "ice40") {
    r["sprams"] = c.sprams;
    r["spram_capacity"] = spram_cap;
  }
  r["cells_by_type"] = c.by_type;
  if (dev.family == "generic") r["gate2_equivalent"] = c.gates2;
  if (!board_stat.empty()) {
    nlohmann::json bs;
    try {
      bs = nlohmann::json::parse(read_file(board_stat));
    } catch (const nlohmann::json::exception& e) {
      throw Error(board_stat + ": not valid JSON: " + e.what());
    }
    long board_luts = count_cells(bs, dev.family, board_stat).luts;
    r["board_logic_luts"] = board_luts;
    r["core_luts"] = c.luts - board_luts;
  }
  r["fmax_mhz"] = nullptr;
  if (!pnr_path.empty()) {
    nlohmann::json pnr;
    try {
      pnr = nlohmann::json::parse(read_file(pnr_path));
    } catch (const nlohmann::json::exception& e) {
      throw Error(pnr_path + ": not valid JSON: " + e.what());
    }
    double fmax = -1;
    if (pnr.contains("fmax"))
      for (auto it = pnr["fmax"].begin(); it != pnr["fmax"].end(); ++it)
        if (it.value().contains("achieved")) {
          double a = it.value()["achieved"].get<double>();
          fmax = fmax < 0 ? a : std::min(fmax, a);
        }
    if (fmax > 0) r["fmax_mhz"] = std::round(fmax * 100) / 100;
    if (pnr.contains("utilization")) {
      r["utilization"] = pnr["utilization"];
      if (pnr["utilization"].contains("ICESTORM_LC")) r["logic_cells"] = pnr["utilization"]["ICESTORM_LC"]["used"];
    }
    if (target_mhz > 0) r["target_mhz"] = target_mhz;
  }
  r["seconds"] = std::round(seconds * 10) / 10;
  write_file_atomic(out, r.dump(2) + "\n");
  std::string fm = r["fmax_mhz"].is_null() ? "n/a (no place and route)" : fmt::format("{:.2f} MHz", r["fmax_mhz"].get<double>());
  std::string split = r.contains("core_luts") ? fmt::format(" (core {}, board logic {})", r["core_luts"].get<long>(),
                                                             r["board_logic_luts"].get<long>())
                                              : "";
  std::cout << fmt::format("{}: {} LUTs{} of {}, {} FFs, {} carries, Fmax {}, {:.1f} s -> {}\n", dev.name, c.luts, split,
                           dev.luts, c.ffs, c.carries, fm, seconds, out);
  if (target_mhz > 0 && !r["fmax_mhz"].is_null() && r["fmax_mhz"].get<double>() < target_mhz) {
    throw Error(fmt::format("timing not met: Fmax {:.2f} MHz is below the {:.2f} MHz constraint", r["fmax_mhz"].get<double>(),
                            target_mhz));
  }
  return 0;
}

}  // namespace tg
