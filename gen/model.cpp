#include "model.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "util.hpp"

namespace tg {

using nlohmann::json;

int Matrix::row_nonzeros(int r) const {
  int n = 0;
  for (int c = 0; c < cols; ++c) n += at(r, c) != 0;
  return n;
}

int Model::token_bits() const { return index_bits(vocab_size()); }

int Model::state_bits() const {
  int n = 0;
  for (const auto& l : layers) n += l.state_bits();
  return n;
}

int Model::token_of(uint8_t byte) const {
  for (size_t i = 0; i < vocab.size(); ++i)
    if (vocab[i] == byte) return int(i);
  return -1;
}

namespace {

// Parsing context: every message names the file and the JSON path of the field.
struct Ctx {
  const std::string& origin;
  [[noreturn]] void fail(const std::string& field, const std::string& what) const {
    throw Error(fmt::format("{}: {}: {}", origin, field, what));
  }
  const json& get(const json& obj, const std::string& field, const std::string& key) const {
    if (!obj.is_object()) fail(field, "expected an object");
    auto it = obj.find(key);
    if (it == obj.end()) fail(field.empty() ? key : field + "." + key, "missing field");
    return *it;
  }
  int64_t integer(const json& v, const std::string& field, int64_t lo, int64_t hi) const {
    if (!v.is_number_integer())
      fail(field, fmt::format("expected an integer, got {}", std::string(v.type_name())));
    int64_t x = v.get<int64_t>();
    if (x < lo || x > hi) fail(field, fmt::format("expected an integer in [{}, {}], got {}", lo, hi, x));
    return x;
  }
  const json& array(const json& v, const std::string& field, size_t expect_size) const {
    if (!v.is_array()) fail(field, fmt::format("expected an array, got {}", std::string(v.type_name())));
    if (expect_size != size_t(-1) && v.size() != expect_size)
      fail(field, fmt::format("expected {} entries, got {}", expect_size, v.size()));
    return v;
  }
};

int ternary_of(char ch) {
  switch (ch) {
    case '+': return 1;
    case '0': return 0;
    case '-': return -1;
    default: return 2;
  }
}

// A matrix row is either a string of '+', '0', '-' or (when ints_ok) an array of integers.
void parse_row(const Ctx& c, const json& v, const std::string& field, Matrix& m, int r, bool ints_ok) {
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    if (int(s.size()) != m.cols)
      c.fail(field, fmt::format("expected a string of {} characters from '+', '0', '-', got {} characters",
                                m.cols, s.size()));
    for (int j = 0; j < m.cols; ++j) {
      int t = ternary_of(s[size_t(j)]);
      if (t == 2)
        c.fail(field, fmt::format("character {} is '{}', expected '+', '0' or '-'", j,
                                  std::isprint(uint8_t(s[size_t(j)])) ? std::string(1, s[size_t(j)])
                                                                       : fmt::format("\\x{:02x}", uint8_t(s[size_t(j)]))));
      m.at(r, j) = t;
    }
  } else if (ints_ok && v.is_array()) {
    c.array(v, field, size_t(m.cols));
    for (int j = 0; j < m.cols; ++j)
      m.at(r, j) = int(c.integer(v[size_t(j)], fmt::format("{}[{}]", field, j), -kMaxInputWeight, kMaxInputWeight));
  } else {
    c.fail(field, ints_ok ? "expected a string of '+', '0', '-' or an array of integers"
                          : "expected a string of '+', '0', '-'");
  }
}

Matrix parse_matrix(const Ctx& c, const json& v, const std::string& field, int rows, int cols, bool ints_ok) {
  c.array(v, field, size_t(rows));
  Matrix m(rows, cols);
  for (int r = 0; r < rows; ++r) parse_row(c, v[size_t(r)], fmt::format("{}[{}]", field, r), m, r, ints_ok);
  return m;
}

std::vector<std::vector<int>> parse_thresholds(const Ctx& c, const json& v, const std::string& field, int units,
                                               int levels) {
  c.array(v, field, size_t(units));
  std::vector<std::vector<int>> t(static_cast<size_t>(units));
  for (int u = 0; u < units; ++u) {
    std::string f = fmt::format("{}[{}]", field, u);
    const json& e = v[size_t(u)];
    if (levels == 1 && e.is_number()) {
      t[size_t(u)].push_back(int(c.integer(e, f, -(1 << 30), 1 << 30)));
    } else {
      if (!e.is_array()) c.fail(f, levels == 1 ? "expected an integer" : fmt::format("expected an array of {} integers", levels));
      c.array(e, f, size_t(levels));
      for (int k = 0; k < levels; ++k) t[size_t(u)].push_back(int(c.integer(e[size_t(k)], fmt::format("{}[{}]", f, k), -(1 << 30), 1 << 30)));
    }
  }
  return t;
}

UnitBank parse_bank(const Ctx& c, const json& obj, const std::string& field, int units, int levels, int in_cols,
                    int rec_cols, bool token_table) {
  UnitBank b;
  b.input = parse_matrix(c, c.get(obj, field, "input"), field + ".input", units, in_cols, token_table);
  b.recurrent = parse_matrix(c, c.get(obj, field, "recurrent"), field + ".recurrent", units, rec_cols, false);
  b.thresholds = parse_thresholds(c, c.get(obj, field, "thresholds"), field + ".thresholds", units, levels);
  return b;
}

}  // namespace

std::pair<int, int> unit_range(const UnitBank& b, int u, bool token_table) {
  int lo = 0, hi = 0;
  for (int j = 0; j < b.recurrent.cols; ++j) {
    int w = b.recurrent.at(u, j);
    (w > 0 ? hi : lo) += w;
  }
  if (token_table) {
    int tmin = 0, tmax = 0;  // out-of-vocabulary tokens contribute 0
    for (int j = 0; j < b.input.cols; ++j) {
      tmin = std::min(tmin, b.input.at(u, j));
      tmax = std::max(tmax, b.input.at(u, j));
    }
    lo += tmin;
    hi += tmax;
  } else {
    for (int j = 0; j < b.input.cols; ++j) {
      int w = b.input.at(u, j);
      (w > 0 ? hi : lo) += w;
    }
  }
  return {lo, hi};
}

void validate_model(const Model& m, const std::string& origin) {
  Ctx c{origin};
  if (m.vocab.empty()) c.fail("vocab", "expected at least one byte, got an empty vocabulary");
  if (m.vocab.size() > 256) c.fail("vocab", "expected at most 256 entries");
  {
    std::vector<int> seen(256, -1);
    for (size_t i = 0; i < m.vocab.size(); ++i) {
      if (seen[m.vocab[i]] >= 0)
        c.fail(fmt::format("vocab[{}]", i), fmt::format("byte {} already appears at vocab[{}]; entries must be unique",
                                                        int(m.vocab[i]), seen[m.vocab[i]]));
      seen[m.vocab[i]] = int(i);
    }
  }
  if (m.cell != "elman" && m.cell != "gated") c.fail("cell", "expected \"elman\" or \"gated\", got \"" + m.cell + "\"");
  if (m.layers.empty()) c.fail("layers", "expected at least one layer");
  int prev_bits = m.vocab_size();
  for (size_t li = 0; li < m.layers.size(); ++li) {
    const Layer& l = m.layers[li];
    std::string lf = fmt::format("layers[{}]", li);
    if (l.units < 1 || l.units > kMaxUnits) c.fail(lf + ".units", fmt::format("expected 1..{}", kMaxUnits));
    if (l.levels < 1 || l.levels > 3) c.fail(lf + ".levels", "expected 1, 2 or 3");
    if (l.gated != (m.cell == "gated"))
      c.fail(lf + ".gate", m.cell == "gated" ? "missing for a gated cell" : "present but cell is \"elman\"");
    auto check_bank = [&](const UnitBank& b, const std::string& f, int levels) {
      if (b.input.rows != l.units || b.input.cols != prev_bits)
        c.fail(f + ".input", fmt::format("expected {}x{} matrix", l.units, prev_bits));
      if (b.recurrent.rows != l.units || b.recurrent.cols != l.state_bits())
        c.fail(f + ".recurrent", fmt::format("expected {}x{} matrix", l.units, l.state_bits()));
      for (int u = 0; u < l.units; ++u) {
        for (int j = 0; j < b.recurrent.cols; ++j)
          if (b.recurrent.at(u, j) < -1 || b.recurrent.at(u, j) > 1)
            c.fail(fmt::format("{}.recurrent[{}]", f, u), "expected ternary weights");
        for (int j = 0; j < b.input.cols; ++j) {
          int lim = li == 0 ? kMaxInputWeight : 1;
          if (std::abs(b.input.at(u, j)) > lim)
            c.fail(fmt::format("{}.input[{}][{}]", f, u, j), fmt::format("expected |w| <= {}", lim));
        }
        if (m.fanin >= 0 && b.recurrent.row_nonzeros(u) > m.fanin)
          c.fail(fmt::format("{}.recurrent[{}]", f, u),
                 fmt::format("{} nonzero weights exceed the declared fanin {}", b.recurrent.row_nonzeros(u), m.fanin));
        if (int(b.thresholds[size_t(u)].size()) != levels)
          c.fail(fmt::format("{}.thresholds[{}]", f, u), fmt::format("expected {} thresholds", levels));
        auto [lo, hi] = unit_range(b, u, li == 0);
        for (int k = 0; k < levels; ++k) {
          int t = b.thresholds[size_t(u)][size_t(k)];
          if (t < lo || t > hi + 1)
            c.fail(fmt::format("{}.thresholds[{}]", f, u),
                   fmt::format("threshold {} out of range: the unit's sum lies in [{}, {}], so a threshold must lie "
                               "in [{}, {}] ({} = always on, {} = never on)",
                               t, lo, hi, lo, hi + 1, lo, hi + 1));
          if (k > 0 && t < b.thresholds[size_t(u)][size_t(k - 1)])
            c.fail(fmt::format("{}.thresholds[{}]", f, u), "expected non-decreasing thresholds");
        }
      }
    };
    check_bank(l.cand, lf, l.levels);
    if (l.gated) check_bank(l.gate, lf + ".gate", 1);
    if (int(l.reset.size()) != l.state_bits())
      c.fail(lf + ".reset", fmt::format("expected {} bits", l.state_bits()));
    prev_bits = l.state_bits();
  }
  if (m.head.weights.rows != m.vocab_size() || m.head.weights.cols != prev_bits)
    c.fail("head.weights", fmt::format("expected {}x{} matrix", m.vocab_size(), prev_bits));
  if (int(m.head.bias.size()) != m.vocab_size()) c.fail("head.bias", fmt::format("expected {} entries", m.vocab_size()));
  for (size_t v = 0; v < m.head.bias.size(); ++v)
    if (std::abs(m.head.bias[v]) > kMaxBias) c.fail(fmt::format("head.bias[{}]", v), fmt::format("expected |b| <= {}", kMaxBias));
  if (!(m.head.logit_scale > 0) || !std::isfinite(m.head.logit_scale))
    c.fail("head.logit_scale", "expected a positive finite number");
  if (m.head.has_context() || !m.head.context_logits.empty()) {
    const int V = m.vocab_size(), F = int(m.head.context_logits.size());
    if (F < 1 || F > V) c.fail("head.context.logits", fmt::format("expected 1..{} logit indices", V));
    std::vector<char> seen(size_t(V), 0);
    for (int i = 0; i < F; ++i) {
      int v = m.head.context_logits[size_t(i)];
      if (v < 0 || v >= V) c.fail(fmt::format("head.context.logits[{}]", i), fmt::format("expected a logit index in 0..{}", V - 1));
      if (seen[size_t(v)]) c.fail(fmt::format("head.context.logits[{}]", i), fmt::format("logit {} appears twice", v));
      seen[size_t(v)] = 1;
    }
    if (m.head.context.rows != (V + 1) * (V + 1) || m.head.context.cols != F)
      c.fail("head.context.table", fmt::format("expected {}x{} entries ((vocab + 1)^2 rows, one column per logit)",
                                               (V + 1) * (V + 1), F));
    for (size_t i = 0; i < m.head.context.w.size(); ++i)
      if (std::abs(m.head.context.w[i]) > kMaxInputWeight)
        c.fail(fmt::format("head.context.table[{}][{}]", int(i) / F, int(i) % F), fmt::format("expected |e| <= {}", kMaxInputWeight));
  }
}

Model parse_model(const std::string& text, const std::string& origin) {
  Ctx c{origin};
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    std::string what = e.what();
    auto p = what.find("parse error");
    throw Error(fmt::format("{}: not valid JSON (truncated or corrupt file?): {}", origin,
                            p == std::string::npos ? what : what.substr(p)));
  }
  if (!j.is_object()) c.fail("(top level)", "expected a JSON object");
  const json& fmt_ = c.get(j, "", "format");
  if (!fmt_.is_string() || fmt_.get<std::string>() != "tritgate-model")
    c.fail("format", "expected \"tritgate-model\"");
  int64_t ver = c.integer(c.get(j, "", "version"), "version", 0, 1 << 20);
  if (ver != kFormatVersion) c.fail("version", fmt::format("expected {}, got {} (unsupported format version)", kFormatVersion, ver));
  Model m;
  if (auto it = j.find("name"); it != j.end()) {
    if (!it->is_string()) c.fail("name", "expected a string");
    m.name = it->get<std::string>();
  }
  const json& voc = c.array(c.get(j, "", "vocab"), "vocab", size_t(-1));
  for (size_t i = 0; i < voc.size(); ++i) m.vocab.push_back(uint8_t(c.integer(voc[i], fmt::format("vocab[{}]", i), 0, 255)));
  if (m.vocab.empty()) c.fail("vocab", "expected at least one byte, got an empty vocabulary");
  const json& cell = c.get(j, "", "cell");
  if (!cell.is_string()) c.fail("cell", "expected a string");
  m.cell = cell.get<std::string>();
  if (m.cell != "elman" && m.cell != "gated") c.fail("cell", "expected \"elman\" or \"gated\", got \"" + m.cell + "\"");
  if (auto it = j.find("fanin"); it != j.end()) m.fanin = int(c.integer(*it, "fanin", 0, kMaxUnits * 3));
  const json& layers = c.array(c.get(j, "", "layers"), "layers", size_t(-1));
  if (layers.empty()) c.fail("layers", "expected at least one layer");
  int prev_bits = int(m.vocab.size());
  for (size_t li = 0; li < layers.size(); ++li) {
    std::string lf = fmt::format("layers[{}]", li);
    const json& lj = layers[li];
    Layer l;
    l.units = int(c.integer(c.get(lj, lf, "units"), lf + ".units", 1, kMaxUnits));
    l.levels = 1;
    if (auto it = lj.find("levels"); it != lj.end()) l.levels = int(c.integer(*it, lf + ".levels", 1, 3));
    l.cand = parse_bank(c, lj, lf, l.units, l.levels, prev_bits, l.state_bits(), li == 0);
    auto g = lj.find("gate");
    l.gated = g != lj.end();
    if (l.gated != (m.cell == "gated"))
      c.fail(lf + ".gate", m.cell == "gated" ? "missing field (cell is \"gated\")" : "present but cell is \"elman\"");
    if (l.gated) l.gate = parse_bank(c, *g, lf + ".gate", l.units, 1, prev_bits, l.state_bits(), li == 0);
    l.reset.assign(size_t(l.state_bits()), 0);
    if (auto it = lj.find("reset"); it != lj.end()) {
      if (!it->is_string() || it->get<std::string>().size() != size_t(l.state_bits()))
        c.fail(lf + ".reset", fmt::format("expected a string of {} characters '0'/'1'", l.state_bits()));
      const auto& s = it->get_ref<const std::string&>();
      for (size_t k = 0; k < s.size(); ++k) {
        if (s[k] != '0' && s[k] != '1') c.fail(lf + ".reset", fmt::format("character {} is not '0' or '1'", k));
        l.reset[k] = s[k] == '1';
      }
    }
    prev_bits = l.state_bits();
    m.layers.push_back(std::move(l));
  }
  const json& head = c.get(j, "", "head");
  m.head.weights = parse_matrix(c, c.get(head, "head", "weights"), "head.weights", int(m.vocab.size()), prev_bits, false);
  const json& bias = c.array(c.get(head, "head", "bias"), "head.bias", m.vocab.size());
  for (size_t v = 0; v < bias.size(); ++v) m.head.bias.push_back(int(c.integer(bias[v], fmt::format("head.bias[{}]", v), -kMaxBias, kMaxBias)));
  const json& sc = c.get(head, "head", "logit_scale");
  if (!sc.is_number()) c.fail("head.logit_scale", "expected a number");
  m.head.logit_scale = sc.get<double>();
  if (auto it = head.find("context"); it != head.end()) {
    if (!it->is_object()) c.fail("head.context", "expected an object with \"logits\" and \"table\"");
    const int V = int(m.vocab.size());
    const json& lj = c.array(c.get(*it, "head.context", "logits"), "head.context.logits", size_t(-1));
    if (lj.empty() || int(lj.size()) > V) c.fail("head.context.logits", fmt::format("expected 1..{} logit indices", V));
    for (size_t i = 0; i < lj.size(); ++i)
      m.head.context_logits.push_back(int(c.integer(lj[i], fmt::format("head.context.logits[{}]", i), 0, V - 1)));
    m.head.context = parse_matrix(c, c.get(*it, "head.context", "table"), "head.context.table", (V + 1) * (V + 1),
                                  int(lj.size()), true);
  }
  if (auto it = j.find("provenance"); it != j.end()) {
    if (!it->is_object()) c.fail("provenance", "expected an object");
    m.provenance = *it;
  }
  validate_model(m, origin);
  m.hash = sha256_hex(text);
  return m;
}

Model load_model(const std::string& path) { return parse_model(read_file(path), path); }

namespace {
std::string row_string(const Matrix& m, int r) {
  std::string s(size_t(m.cols), '0');
  for (int c = 0; c < m.cols; ++c) s[size_t(c)] = m.at(r, c) > 0 ? '+' : m.at(r, c) < 0 ? '-' : '0';
  return s;
}
bool is_ternary(const Matrix& m) {
  return std::all_of(m.w.begin(), m.w.end(), [](int x) { return x >= -1 && x <= 1; });
}
void put_matrix(std::ostringstream& o, const Matrix& m, const std::string& ind) {
  bool tern = is_ternary(m);
  o << "[";
  for (int r = 0; r < m.rows; ++r) {
    o << (r ? ",\n" : "\n") << ind << "  ";
    if (tern) {
      o << '"' << row_string(m, r) << '"';
    } else {
      o << "[";
      for (int c = 0; c < m.cols; ++c) o << (c ? ", " : "") << m.at(r, c);
      o << "]";
    }
  }
  o << "\n" << ind << "]";
}
void put_thresholds(std::ostringstream& o, const std::vector<std::vector<int>>& t, int levels) {
  o << "[";
  for (size_t u = 0; u < t.size(); ++u) {
    o << (u ? ", " : "");
    if (levels == 1) {
      o << t[u][0];
    } else {
      o << "[";
      for (size_t k = 0; k < t[u].size(); ++k) o << (k ? ", " : "") << t[u][k];
      o << "]";
    }
  }
  o << "]";
}
void put_bank(std::ostringstream& o, const UnitBank& b, int levels, const std::string& ind) {
  o << ind << "\"input\": ";
  put_matrix(o, b.input, ind);
  o << ",\n" << ind << "\"recurrent\": ";
  put_matrix(o, b.recurrent, ind);
  o << ",\n" << ind << "\"thresholds\": ";
  put_thresholds(o, b.thresholds, levels);
}
}  // namespace

std::string model_to_json(const Model& m) {
  std::ostringstream o;
  o << "{\n  \"format\": \"tritgate-model\",\n  \"version\": " << kFormatVersion << ",\n";
  o << "  \"name\": " << json(m.name).dump() << ",\n";
  o << "  \"vocab\": [";
  for (size_t i = 0; i < m.vocab.size(); ++i) o << (i ? ", " : "") << int(m.vocab[i]);
  o << "],\n  \"cell\": \"" << m.cell << "\",\n";
  if (m.fanin >= 0) o << "  \"fanin\": " << m.fanin << ",\n";
  o << "  \"layers\": [";
  for (size_t li = 0; li < m.layers.size(); ++li) {
    const Layer& l = m.layers[li];
    o << (li ? ",\n" : "\n") << "    {\n      \"units\": " << l.units << ",\n      \"levels\": " << l.levels << ",\n";
    put_bank(o, l.cand, l.levels, "      ");
    if (l.gated) {
      o << ",\n      \"gate\": {\n";
      put_bank(o, l.gate, 1, "        ");
      o << "\n      }";
    }
    if (std::any_of(l.reset.begin(), l.reset.end(), [](uint8_t b) { return b != 0; })) {
      o << ",\n      \"reset\": \"";
      for (auto b : l.reset) o << (b ? '1' : '0');
      o << "\"";
    }
    o << "\n    }";
  }
  o << "\n  ],\n  \"head\": {\n    \"weights\": ";
  put_matrix(o, m.head.weights, "    ");
  o << ",\n    \"bias\": [";
  for (size_t v = 0; v < m.head.bias.size(); ++v) o << (v ? ", " : "") << m.head.bias[v];
  o << "],\n    \"logit_scale\": " << json(m.head.logit_scale).dump();
  if (m.head.has_context()) {
    o << ",\n    \"context\": {\n      \"logits\": [";
    for (size_t i = 0; i < m.head.context_logits.size(); ++i) o << (i ? ", " : "") << m.head.context_logits[i];
    o << "],\n      \"table\": ";
    const Matrix& t = m.head.context;  // integer rows always (put_matrix would write a ternary table as strings)
    o << "[";
    for (int r = 0; r < t.rows; ++r) {
      o << (r ? ",\n" : "\n") << "        [";
      for (int c = 0; c < t.cols; ++c) o << (c ? ", " : "") << t.at(r, c);
      o << "]";
    }
    o << "\n      ]";
    o << "\n    }";
  }
  o << "\n  },\n";
  o << "  \"provenance\": " << m.provenance.dump() << "\n}\n";
  return o.str();
}

void save_model(Model& m, const std::string& path) {
  validate_model(m, path);
  std::string text = model_to_json(m);
  write_file_atomic(path, text);
  m.hash = sha256_hex(text);
}

std::vector<int> tokenize(const Model& m, std::string_view text, const std::string& origin) {
  int map[256];
  std::fill(std::begin(map), std::end(map), -1);
  for (size_t i = 0; i < m.vocab.size(); ++i) map[m.vocab[i]] = int(i);
  std::vector<int> out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    uint8_t b = uint8_t(text[i]);
    if (map[b] < 0)
      throw Error(fmt::format("{}: byte offset {}: byte 0x{:02x}{} is not in the model's vocabulary ({} symbols)", origin,
                              i, b, std::isprint(b) ? fmt::format(" ('{}')", char(b)) : "", m.vocab.size()));
    out.push_back(map[b]);
  }
  return out;
}

int argmax_lowest(const std::vector<int>& v) {
  int best = 0;
  for (size_t i = 1; i < v.size(); ++i)
    if (v[i] > v[size_t(best)]) best = int(i);
  return best;
}

ModelSim::ModelSim(const Model& m) : m_(m) { reset(); }

void ModelSim::reset() {
  h_.clear();
  for (const auto& l : m_.layers) h_.push_back(l.reset);
  c_last_ = c_prev_ = 0;
}

void ModelSim::step(int token) {
  c_prev_ = c_last_;
  c_last_ = m_.context_code(token);
  const std::vector<uint8_t>* below = nullptr;  // new state of the layer below
  for (size_t li = 0; li < m_.layers.size(); ++li) {
    const Layer& l = m_.layers[li];
    const std::vector<uint8_t>& old = h_[li];
    auto sum = [&](const UnitBank& b, int u) {
      int s = 0;
      for (int j = 0; j < l.state_bits(); ++j) s += b.recurrent.at(u, j) * old[size_t(j)];
      if (li == 0) {
        if (token >= 0 && token < m_.vocab_size()) s += b.input.at(u, token);
      } else {
        for (int j = 0; j < b.input.cols; ++j) s += b.input.at(u, j) * (*below)[size_t(j)];
      }
      return s;
    };
    std::vector<uint8_t> nw(size_t(l.state_bits()));
    for (int u = 0; u < l.units; ++u) {
      int s = sum(l.cand, u);
      bool g = !l.gated || sum(l.gate, u) >= l.gate.thresholds[size_t(u)][0];
      for (int k = 0; k < l.levels; ++k) {
        size_t q = size_t(u * l.levels + k);
        nw[q] = g ? uint8_t(s >= l.cand.thresholds[size_t(u)][size_t(k)]) : old[q];
      }
    }
    h_[li] = std::move(nw);
    below = &h_[li];
  }
}

std::vector<uint8_t> ModelSim::flat_state() const {
  std::vector<uint8_t> f;
  for (const auto& l : h_) f.insert(f.end(), l.begin(), l.end());
  return f;
}

std::vector<int> ModelSim::logits() const {
  const auto& h = h_.back();
  std::vector<int> z(size_t(m_.vocab_size()));
  for (int v = 0; v < m_.vocab_size(); ++v) {
    int s = m_.head.bias[size_t(v)];
    for (int j = 0; j < m_.head.weights.cols; ++j) s += m_.head.weights.at(v, j) * h[size_t(j)];
    z[size_t(v)] = s;
  }
  if (m_.head.has_context()) {
    const int row = c_prev_ * (m_.vocab_size() + 1) + c_last_;
    for (size_t i = 0; i < m_.head.context_logits.size(); ++i)
      z[size_t(m_.head.context_logits[i])] += m_.head.context.at(row, int(i));
  }
  return z;
}

int ModelSim::argmax() const { return argmax_lowest(logits()); }

}  // namespace tg
