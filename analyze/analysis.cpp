#include "analysis.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <regex>
#include <set>

#include "encode.hpp"
#include "graph.hpp"
#include "minimize.hpp"
#include "passes.hpp"
#include "tools.hpp"
#include "tracking.hpp"
#include "util.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace tg::analyze {

using ir::Bit;

std::string token_label(const ir::Netlist& n, int v) {
  if (v < 0 || v >= n.vocab) return "oov";
  uint8_t b = n.vocab_bytes[size_t(v)];
  if (b > 0x20 && b < 0x7f && !std::strchr(",{}'\"\\<>&", b)) return std::string(1, char(b));
  return fmt::format("0x{:02x}", b);
}

Aig machine_aig(const ir::Netlist& n) {
  Aig g;
  Vec tok;
  for (int i = 0; i < n.token_bits; ++i) tok.push_back(g.input(fmt::format("token[{}]", i)));
  std::vector<Lit> regs;
  for (const auto& r : n.regs) regs.push_back(g.latch(r.name, r.reset));
  Encoder enc(g, n);
  auto f = enc.frame(regs, tok);
  for (size_t r = 0; r < regs.size(); ++r) g.set_next(regs[r], enc.next(f, int(r)));
  if (n.has_context()) {  // the codes of the last two tokens, reset to 0 (none), as the RTL holds them
    Vec prev, last;
    for (int i = 0; i < enc.code_bits(); ++i) prev.push_back(g.latch(fmt::format("ctx_prev[{}]", i), false));
    for (int i = 0; i < enc.code_bits(); ++i) last.push_back(g.latch(fmt::format("ctx_last[{}]", i), false));
    Vec code = enc.token_code(f);
    for (int i = 0; i < enc.code_bits(); ++i) {
      g.set_next(prev[size_t(i)], last[size_t(i)]);
      g.set_next(last[size_t(i)], code[size_t(i)]);
    }
    enc.set_context(f, prev, last);
  }
  Vec out = enc.argmax(f);
  for (size_t i = 0; i < out.size(); ++i) g.add_output(out[i], fmt::format("out_token[{}]", i));
  return g;
}

std::string machine_aag(const ir::Netlist& n) {
  Aig g = machine_aig(n);
  return g.to_aag({fmt::format("tritgate {} machine of model '{}' sha256 {}", kVersion, n.model_name, n.model_hash),
                   "inputs: the token code (least significant bit first); codes >= vocab are out of vocabulary",
                   n.has_context() ? "latches: the kept state registers with their reset values (AIGER 1.9), then "
                                     "ctx_prev and ctx_last, the head.context codes of the last two tokens (0: none or "
                                     "out of the vocabulary, else token + 1)"
                                   : "latches: the kept state registers with their reset values (AIGER 1.9)",
                   "outputs: argmax of the logits over the current state (lowest index wins ties)"});
}

std::string transition_cnf(const ir::Netlist& n) {
  Aig g;
  Vec tok;
  for (int i = 0; i < n.token_bits; ++i) tok.push_back(g.input(fmt::format("token[{}]", i)));
  std::vector<Lit> regs;
  for (const auto& r : n.regs) regs.push_back(g.input(r.name));
  Encoder enc(g, n);
  auto f = enc.frame(regs, tok);
  std::vector<Lit> roots, next;
  for (size_t r = 0; r < regs.size(); ++r) next.push_back(enc.next(f, int(r)));
  Vec prev, last, code;
  if (n.has_context()) {
    for (int i = 0; i < enc.code_bits(); ++i) prev.push_back(g.input(fmt::format("ctx_prev[{}]", i)));
    for (int i = 0; i < enc.code_bits(); ++i) last.push_back(g.input(fmt::format("ctx_last[{}]", i)));
    code = enc.token_code(f);
    enc.set_context(f, prev, last);
  }
  Vec out = enc.argmax(f);
  roots = next;
  roots.insert(roots.end(), out.begin(), out.end());
  roots.insert(roots.end(), code.begin(), code.end());
  Cnf c = tseitin(g, roots);
  c.comments.push_back(fmt::format("tritgate {} one-step transition relation of model '{}' sha256 {}", kVersion,
                                   n.model_name, n.model_hash));
  c.comments.push_back("Tseitin encoding of an AIG; variable 1 is the constant false. Every assignment to the");
  c.comments.push_back("free variables (state, token) has exactly one extension; read next/out from it.");
  for (int i = 0; i < n.token_bits; ++i) c.comments.push_back(fmt::format("token bit {} = {}", i, Cnf::lit(tok[size_t(i)])));
  for (size_t r = 0; r < regs.size(); ++r)
    c.comments.push_back(fmt::format("state {} (reset {}) = {}", n.regs[r].name, int(n.regs[r].reset), Cnf::lit(regs[r])));
  for (size_t r = 0; r < regs.size(); ++r)
    c.comments.push_back(fmt::format("next {} = {}", n.regs[r].name, Cnf::lit(next[r])));
  for (size_t i = 0; i < out.size(); ++i) c.comments.push_back(fmt::format("out_token bit {} = {}", i, Cnf::lit(out[i])));
  if (n.has_context()) {
    c.comments.push_back("head.context: the logits also read the codes of the last two tokens (0: none or out of the");
    c.comments.push_back("vocabulary, else token + 1; codes above the vocabulary size never occur); next ctx_prev =");
    c.comments.push_back("ctx_last and next ctx_last = the token's code");
    for (size_t i = 0; i < prev.size(); ++i) c.comments.push_back(fmt::format("ctx_prev bit {} = {}", i, Cnf::lit(prev[i])));
    for (size_t i = 0; i < last.size(); ++i) c.comments.push_back(fmt::format("ctx_last bit {} = {}", i, Cnf::lit(last[i])));
    for (size_t i = 0; i < code.size(); ++i)
      c.comments.push_back(fmt::format("next ctx_last bit {} = {}", i, Cnf::lit(code[i])));
  }
  return c.dimacs();
}

namespace {

double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::string html_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '<') o += "&lt;";
    else if (c == '>') o += "&gt;";
    else if (c == '&') o += "&amp;";
    else if (c == '"') o += "&quot;";
    else o += c;
  }
  return o;
}

std::string base64(const std::string& in) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = uint32_t(uint8_t(in[i])) << 16 | uint32_t(uint8_t(in[i + 1])) << 8 | uint8_t(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += k[(v >> s) & 63];
  }
  if (i < in.size()) {
    uint32_t v = uint32_t(uint8_t(in[i])) << 16 | (i + 1 < in.size() ? uint32_t(uint8_t(in[i + 1])) << 8 : 0);
    out += k[(v >> 18) & 63];
    out += k[(v >> 12) & 63];
    out += i + 1 < in.size() ? k[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// The AND counts ABC prints with print_stats, in order.
std::vector<int> abc_and_counts(const std::string& out) {
  static const std::regex ansi("\x1b\\[[0-9;]*m"), stat("and =\\s*([0-9]+)");
  std::string clean = std::regex_replace(out, ansi, "");
  std::vector<int> v;
  for (auto it = std::sregex_iterator(clean.begin(), clean.end(), stat); it != std::sregex_iterator(); ++it)
    v.push_back(std::stoi((*it)[1]));
  return v;
}

// ABC's resyn2 script spelled out (the alias lives in abc.rc, which may be absent), after a
// dc2 pass.
const char* kAbcOpt =
    "dc2; balance; rewrite; refactor; balance; rewrite; rewrite -z; balance; refactor -z; rewrite -z; balance";

struct NeuronInfo {
  int bit;
  json j;
  std::string blif;
};

int layer_of(const std::string& sum_name) {
  if (sum_name.size() > 1 && sum_name[0] == 'l' && std::isdigit(uint8_t(sum_name[1]))) return std::stoi(sum_name.substr(1));
  return 0;
}

// Per neuron: inputs, fate, own-logic AIG size, minimised expression.
NeuronInfo neuron_info(const ir::Netlist& n, int b, const Tracked& t, const AnalyzeOptions& o) {
  const Bit& x = n.bits[size_t(b)];
  const ir::Sum& s = n.sums[size_t(x.a)];
  NeuronInfo ni{b, json::object(), ""};
  std::vector<int> in;
  std::vector<int> w;
  for (const auto& term : s.terms) {
    if (term.weight == 0) continue;
    in.push_back(term.bit);
    w.push_back(term.weight);
  }
  std::vector<std::string> names;
  for (int i : in) names.push_back(n.bits[size_t(i)].name);
  const Fate& f = t.fate.at(x.name);
  json& j = ni.j;
  j["name"] = x.name;
  j["sum"] = s.name;
  j["layer"] = layer_of(s.name);
  std::string base = s.name.substr(s.name.rfind('_') == std::string::npos ? 0 : s.name.rfind('_') + 1);
  j["role"] = !base.empty() && base[0] == 'g' ? "gate" : "unit";
  j["threshold"] = x.b;
  j["fanin"] = in.size();
  j["inputs"] = names;
  j["reads_token"] = s.table >= 0;
  j["status"] = f.status;
  if (f.status != "kept") j["by_pass"] = f.pass;
  if (f.status == "constant") j["value"] = f.value;
  if (f.status == "duplicate") j["duplicate_of"] = f.twin;
  auto [lo, hi] = n.range(x.a);
  j["sum_range"] = {lo, hi};
  // Token classes: tokens (and the out-of-vocabulary value 0) with the same function of the
  // inputs. Without a table there is one class.
  int nv = int(in.size());
  std::vector<int> toks;
  if (s.table >= 0)
    for (int v = 0; v <= n.vocab; ++v) toks.push_back(v);  // v == vocab stands for oov
  else
    toks.push_back(-1);
  if (nv <= o.expr_max_inputs) {
    std::vector<TokenClass> classes;
    std::map<std::vector<uint8_t>, size_t> seen;
    for (int v : toks) {
      int tv = (s.table >= 0 && v < n.vocab) ? n.tables[size_t(s.table)][size_t(v)] : 0;
      std::vector<uint8_t> truth(size_t(1) << nv);
      for (uint32_t m = 0; m < truth.size(); ++m) {
        int sum = s.offset + tv;
        for (int i = 0; i < nv; ++i) sum += w[size_t(i)] * int((m >> i) & 1);
        truth[m] = sum >= x.b;
      }
      auto [it, fresh] = seen.emplace(truth, classes.size());
      if (fresh) classes.push_back({{}, truth});
      if (v >= 0) classes[it->second].tokens.push_back(token_label(n, v));
      else classes[it->second].tokens.push_back("*");
    }
    int total = int(toks.size());
    j["token_classes"] = s.table >= 0 ? int(classes.size()) : 0;
    int inputs = nv + (classes.size() > 1 ? int(classes.size()) : 0);
    j["inputs_with_token_classes"] = inputs;
    j["expression"] = mv_sop_string(nv, names, classes, total);
  } else {
    j["expression"] = nullptr;
  }
  // The neuron's own logic: its inputs (state bits, or the layer below's bits) and the token
  // code are primary inputs.
  Aig g;
  Vec tok;
  for (int i = 0; i < n.token_bits; ++i) tok.push_back(s.table >= 0 ? g.input(fmt::format("tok{}", i)) : kFalse);
  Encoder enc(g, n);
  auto fr = enc.frame(std::vector<Lit>(n.regs.size(), kFalse), tok);
  for (size_t i = 0; i < in.size(); ++i) fr.bit[size_t(in[i])] = g.input(names[i]);
  Lit out = enc.bit(fr, b);
  g.add_output(out, x.name);
  j["aig_ands"] = g.count_ands({out}, false);
  ni.blif = g.to_blif("neuron");
  return ni;
}

void render(const std::string& dot_file, const std::string& out_base, json& report) {
  std::string sfdp = which("sfdp");
  if (sfdp.empty()) {
    report["pictures"] = "not rendered: sfdp not on PATH (install the Debian package graphviz)";
    return;
  }
  for (const char* fmt_ : {"svg", "png"}) {
    std::string out = out_base + "." + fmt_;
    RunResult r = run_program({sfdp, std::string("-T") + fmt_, "-o", out, dot_file}, 300);
    if (r.status != 0 || r.timed_out) {
      // The tables and exports stand without the pictures: record why, do not fail.
      std::string why = fmt::format("sfdp -T{} failed on {} ({}): {}", fmt_, dot_file,
                                    r.timed_out ? "timed out" : "exit " + std::to_string(r.status), r.output.substr(0, 400));
      std::cerr << "analyze: warning: " << why << "\n";
      report["pictures"] = "not rendered: " + why;
      std::error_code ec;
      fs::remove(out, ec);
      return;
    }
  }
  report["pictures"] = "graph.svg, graph.png (sfdp)";
}

std::string html_page(const json& rep, const std::string& png_b64) {
  std::string h;
  h += "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>tritgate analysis</title>\n<style>\n"
       "body{font-family:sans-serif;margin:2em;max-width:1400px} table{border-collapse:collapse;margin:1em 0}"
       "td,th{border:1px solid #ccc;padding:2px 6px;font-size:13px;text-align:left} th{background:#eee}"
       "code{font-size:12px} .sw{display:inline-block;width:12px;height:12px;border-radius:6px}"
       "img{max-width:100%;border:1px solid #ddd}\n</style></head><body>\n";
  const json& m = rep["model"];
  h += fmt::format("<h1>tritgate analysis: {}</h1>\n", html_escape(m["name"].get<std::string>()));
  h += "<table>";
  for (const char* k : {"file", "sha256", "cell", "layers", "state_bits", "vocab", "token_bits"})
    h += fmt::format("<tr><th>{}</th><td>{}</td></tr>", k, html_escape(m[k].is_string() ? m[k].get<std::string>() : m[k].dump()));
  h += "</table>\n";
  h += "<p>Files: <a href=\"report.json\">report.json</a>, <a href=\"graph.dot\">graph.dot</a>, "
       "<a href=\"graph.graphml\">graph.graphml</a> (Gephi), <a href=\"graph.json\">graph.json</a>, "
       "<a href=\"graph.svg\">graph.svg</a>, <a href=\"graph.png\">graph.png</a>, <a href=\"machine.aag\">machine.aag</a> "
       "(AIGER), <a href=\"transition.cnf\">transition.cnf</a> (DIMACS).</p>\n";
  h += "<h2>Gates, whole model</h2>\n<p>AND gates of the and-inverter graph of the next-state functions and the "
       "argmax output; each step's figure is after that step.</p><table><tr><th>step</th><th>AND gates</th><th>removed</th></tr>";
  for (const auto& s : rep["gates"]["steps"])
    h += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td></tr>", html_escape(s["step"].get<std::string>()), s["ands"].dump(),
                     s.contains("removed") ? s["removed"].dump() : std::string());
  h += "</table>\n<h2>Optimisation passes (netlist IR)</h2><table><tr><th>pass</th>";
  const json& pr = rep["passes"];
  for (auto it = pr["before"].begin(); it != pr["before"].end(); ++it) h += "<th>" + it.key() + " removed</th>";
  h += "</tr>";
  for (const auto& p : pr["passes"]) {
    h += "<tr><td>" + p["pass"].get<std::string>() + "</td>";
    for (auto it = pr["before"].begin(); it != pr["before"].end(); ++it) h += "<td>" + p["removed"][it.key()].dump() + "</td>";
    h += "</tr>";
  }
  h += "<tr><th>before</th>";
  for (auto it = pr["before"].begin(); it != pr["before"].end(); ++it) h += "<td>" + it.value().dump() + "</td>";
  h += "</tr><tr><th>after</th>";
  for (auto it = pr["after"].begin(); it != pr["after"].end(); ++it) h += "<td>" + it.value().dump() + "</td>";
  h += "</tr></table>\n";
  h += "<h3>Neuron fates</h3><table><tr><th>status</th><th>comparators</th><th>registers</th></tr>";
  for (auto it = rep["fates"]["comparators"].begin(); it != rep["fates"]["comparators"].end(); ++it)
    h += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td></tr>", it.key(), it.value().dump(),
                     rep["fates"]["registers"].value(it.key(), 0));
  h += "</table>\n";
  const json& g = rep["graph"];
  h += fmt::format("<h2>State-dependency graph</h2><p>{} registers, {} edges (j &rarr; i: register i's next value "
                   "reads register j), {} strongly connected components, {} modules (weakly connected "
                   "components). Colour = module; double circle with a dark rim = reads the token.</p>\n",
                   g["nodes"].dump(), g["edges"].dump(), g["scc_count"].dump(), g["module_count"].dump());
  if (png_b64.empty())
    h += "<p>Pictures: " + html_escape(rep.value("pictures", std::string("not rendered (--no-render)"))) + "</p>\n";
  else
    h += "<p><a href=\"graph.svg\"><img alt=\"state-dependency graph (sfdp)\" src=\"data:image/png;base64," + png_b64 +
         "\"></a></p>\n";
  h += "<table><tr><th>module</th><th>colour</th><th>registers</th><th>SCCs inside</th></tr>";
  for (const auto& md : g["modules"])
    h += fmt::format("<tr><td>{}</td><td><span class=\"sw\" style=\"background:{}\"></span></td><td>{}</td><td>{}</td></tr>",
                     md["module"].dump(), module_colour(md["module"].get<int>()), md["size"].dump(), md["sccs"].dump());
  h += "</table>\n<p>SCC sizes (largest first): " + html_escape(g["scc_sizes"].dump()) + "</p>\n";
  h += "<h2>Neurons</h2><p>Gates: AND gates of the neuron's own logic (inputs: the bits its sum reads and the token "
       "code) as lowered, and after ABC. Expression: minimised sum of products over the named inputs and token "
       "classes (<code>tok in {...}</code>; oov = out-of-vocabulary code).</p>\n<table><tr><th>neuron</th><th>status</th>"
       "<th>fan-in</th><th>token</th><th>gates</th><th>after ABC</th><th>expression</th></tr>";
  for (const auto& nj : rep["neurons"]) {
    std::string st = nj["status"].get<std::string>();
    if (st == "constant") st += " " + nj["value"].dump();
    if (st == "duplicate") st += " of " + nj["duplicate_of"].get<std::string>();
    if (nj.contains("by_pass") && nj["by_pass"] != nj["status"]) st += " (" + nj["by_pass"].get<std::string>() + ")";
    h += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
                     html_escape(nj["name"].get<std::string>()), html_escape(st), nj["fanin"].dump(),
                     nj["reads_token"].get<bool>() ? "yes" : "", nj["aig_ands"].dump(), nj.value("abc_ands", json()).dump(),
                     nj["expression"].is_null() ? "(more than the input limit)" : html_escape(nj["expression"].get<std::string>()));
  }
  h += "</table>\n<h2>Timing</h2><table>";
  for (auto it = rep["timing_s"].begin(); it != rep["timing_s"].end(); ++it)
    h += fmt::format("<tr><td>{}</td><td>{:.3f} s</td></tr>", it.key(), it.value().get<double>());
  h += "</table>\n</body></html>\n";
  return h;
}

}  // namespace

json analyze_model(const Model& m, const std::string& model_path, const AnalyzeOptions& o) {
  auto t_all = std::chrono::steady_clock::now();
  json rep;
  json timing = json::object();
  rep["tool"] = fmt::format("tritgate {}", kVersion);
  fs::create_directories(o.outdir);
  // Passes with bookkeeping.
  auto t0 = std::chrono::steady_clock::now();
  ir::Netlist plain = ir::from_model(m);
  Tracked t = track_passes(plain);
  rep["passes"] = t.report;
  ir::Netlist dz = plain;  // every neuron present, zero weights dropped
  passes::drop_zero(dz);
  timing["passes"] = since(t0);
  rep["model"] = {{"file", model_path},      {"name", m.name},           {"sha256", m.hash},
                  {"cell", m.cell},           {"layers", m.layers.size()}, {"state_bits", m.state_bits()},
                  {"vocab", m.vocab_size()},  {"token_bits", m.token_bits()},
                  {"head_context_logits", plain.context_logits.size()}};
  // Fates summary.
  json fc = json::object(), fr = json::object();
  for (const auto& b : plain.bits) {
    const auto& f = t.fate.at(b.name);
    if (b.kind == Bit::Kind::Cmp) fc[f.status] = fc.value(f.status, 0) + 1;
    if (b.kind == Bit::Kind::State) fr[f.status] = fr.value(f.status, 0) + 1;
  }
  rep["fates"] = {{"comparators", fc}, {"registers", fr}};
  json regs = json::array();
  for (const auto& r : plain.regs) {
    const auto& f = t.fate.at(r.name);
    json rj = {{"name", r.name}, {"origin", r.origin}, {"reset", r.reset}, {"status", f.status}};
    if (f.status != "kept") rj["by_pass"] = f.pass;
    if (f.status == "constant") rj["value"] = f.value;
    if (f.status == "duplicate") rj["duplicate_of"] = f.twin;
    regs.push_back(rj);
  }
  rep["registers"] = regs;
  // Neurons.
  t0 = std::chrono::steady_clock::now();
  std::vector<NeuronInfo> neurons;
  for (size_t b = 0; b < dz.bits.size(); ++b)
    if (dz.bits[b].kind == Bit::Kind::Cmp) neurons.push_back(neuron_info(dz, int(b), t, o));
  timing["neurons"] = since(t0);
  // Whole-model AIGs.
  t0 = std::chrono::steady_clock::now();
  Aig plain_aig = machine_aig(dz), opt_aig = machine_aig(t.optimised);
  auto all_roots = [](const Aig& g) {
    std::vector<Lit> r = g.outputs;
    for (const auto& l : g.latches()) r.push_back(l.next);
    return r;
  };
  int plain_ands = plain_aig.count_ands(all_roots(plain_aig), false);
  int opt_ands = opt_aig.count_ands(all_roots(opt_aig), false);
  json steps = json::array();
  steps.push_back({{"step", "lowered (all neurons, zero weights dropped)"}, {"ands", plain_ands}});
  steps.push_back({{"step", "after the IR passes (fold-const, merge, dead)"}, {"ands", opt_ands}, {"removed", plain_ands - opt_ands}});
  timing["aig"] = since(t0);
  // ABC.
  t0 = std::chrono::steady_clock::now();
  if (o.abc) {
    std::string abc = find_tool({"berkeley-abc", "yosys-abc", "abc"}, "berkeley-abc (or yosys)", "gate counts after simplification");
    TempDir tmp;
    std::string script;
    for (size_t i = 0; i < neurons.size(); ++i) {
      std::string f = fmt::format("{}/n{}.blif", tmp.path(), i);
      write_file_atomic(f, neurons[i].blif);
      script += fmt::format("read_blif {}\nstrash\nprint_stats\n{}\nprint_stats\n", f, kAbcOpt);
    }
    write_file_atomic(tmp.path() + "/neurons.abc", script);
    RunResult r = run_program({abc, "-f", tmp.path() + "/neurons.abc"}, o.abc_timeout);
    auto counts = abc_and_counts(r.output);
    if (r.timed_out || counts.size() != 2 * neurons.size())
      throw Error(fmt::format("ABC on the neurons: expected {} statistics lines, got {}{}: {}", 2 * neurons.size(),
                              counts.size(), r.timed_out ? " (timed out)" : "", r.output.substr(0, 400)));
    for (size_t i = 0; i < neurons.size(); ++i) neurons[i].j["abc_ands"] = counts[2 * i + 1];
    timing["abc_neurons"] = since(t0);
    t0 = std::chrono::steady_clock::now();
    Aig comb = opt_aig;  // outputs = next states and argmax; latches read as inputs
    for (const auto& l : opt_aig.latches()) comb.add_output(l.next, "next_" + l.name);
    write_file_atomic(tmp.path() + "/machine.blif", comb.to_blif("machine"));
    RunResult w = run_program({abc, "-c", fmt::format("read_blif {}/machine.blif; strash; print_stats; {}; print_stats",
                                                      tmp.path(), kAbcOpt)},
                              o.abc_timeout);
    auto wc = abc_and_counts(w.output);
    if (!w.timed_out && wc.size() == 2) {
      steps.push_back({{"step", "ABC strash"}, {"ands", wc[0]}, {"removed", opt_ands - wc[0]}});
      steps.push_back({{"step", std::string("ABC ") + kAbcOpt}, {"ands", wc[1]}, {"removed", wc[0] - wc[1]}});
    } else {
      steps.push_back({{"step", "ABC"}, {"ands", nullptr}, {"note", w.timed_out ? "timed out" : "failed: " + w.output.substr(0, 200)}});
    }
    timing["abc_model"] = since(t0);
  }
  int sum_before = 0, sum_after = 0;
  json neuron_list = json::array();
  for (auto& ni : neurons) {
    sum_before += ni.j["aig_ands"].get<int>();
    sum_after += ni.j.value("abc_ands", 0);
    neuron_list.push_back(ni.j);
  }
  rep["gates"] = {{"steps", steps},
                  {"neurons_total_aig_ands", sum_before},
                  {"neurons_total_abc_ands", o.abc ? json(sum_after) : json(nullptr)},
                  {"abc_script", kAbcOpt}};
  rep["neurons"] = neuron_list;
  // Dependency graph over the kept registers.
  t0 = std::chrono::steady_clock::now();
  DepGraph g = dependency_graph(t.optimised);
  json modules = json::array();
  for (size_t md = 0; md < g.module_size.size(); ++md) {
    std::set<int> sccs;
    for (size_t i = 0; i < g.module.size(); ++i)
      if (g.module[i] == int(md)) sccs.insert(g.scc[i]);
    modules.push_back({{"module", md}, {"size", g.module_size[md]}, {"sccs", sccs.size()}});
  }
  int nontrivial = 0;
  for (size_t c = 0; c < g.scc_size.size(); ++c) nontrivial += g.scc_size[c] > 1;
  rep["graph"] = {{"nodes", g.names.size()},          {"edges", g.edges()},
                  {"scc_count", g.scc_size.size()},   {"scc_sizes", g.scc_size},
                  {"nontrivial_sccs", nontrivial},    {"module_count", g.module_size.size()},
                  {"module_sizes", g.module_size},    {"modules", modules}};
  std::string title = fmt::format("{}: {} registers, {} modules", m.name, g.names.size(), g.module_size.size());
  write_file_atomic(o.outdir + "/graph.dot", graph_dot(g, title));
  write_file_atomic(o.outdir + "/graph.graphml", graph_graphml(g));
  write_file_atomic(o.outdir + "/graph.json", graph_json(g).dump(1) + "\n");
  timing["graph"] = since(t0);
  t0 = std::chrono::steady_clock::now();
  write_file_atomic(o.outdir + "/machine.aag", machine_aag(t.optimised));
  write_file_atomic(o.outdir + "/transition.cnf", transition_cnf(t.optimised));
  timing["exports"] = since(t0);
  t0 = std::chrono::steady_clock::now();
  std::string png;
  if (o.render) {
    render(o.outdir + "/graph.dot", o.outdir + "/graph", rep);
    if (fs::exists(o.outdir + "/graph.png")) png = base64(read_file(o.outdir + "/graph.png"));
  }
  timing["render"] = since(t0);
  timing["total"] = since(t_all);
  rep["timing_s"] = timing;
  write_file_atomic(o.outdir + "/report.json", rep.dump(1) + "\n");
  write_file_atomic(o.outdir + "/index.html", html_page(rep, png));
  return rep;
}

}  // namespace tg::analyze
