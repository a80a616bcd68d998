// The model file: a versioned JSON description of a ternary-weight, binary-state recurrent
// language model (docs/model-format.md), its loader/validator/writer, and the golden
// interpreter that defines what every other implementation (IR, generated C++, RTL) must compute.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace tg {

inline constexpr int kFormatVersion = 1;
inline constexpr int kMaxInputWeight = 127;  // |layer-0 token table entry|
inline constexpr int kMaxBias = 1 << 16;
inline constexpr int kMaxUnits = 1 << 16;

// Row-major integer matrix; entries are ternary except the layer-0 token table.
struct Matrix {
  int rows = 0, cols = 0;
  std::vector<int> w;
  Matrix() = default;
  Matrix(int r, int c) : rows(r), cols(c), w(size_t(r) * size_t(c), 0) {}
  int& at(int r, int c) { return w[size_t(r) * size_t(cols) + size_t(c)]; }
  int at(int r, int c) const { return w[size_t(r) * size_t(cols) + size_t(c)]; }
  int row_nonzeros(int r) const;
};

// A bank of threshold units: unit u computes
//   s_u = sum_j recurrent[u][j] * h_old[j] + input contribution
// and emits one bit per threshold: bit k = (s_u >= thresholds[u][k]).
struct UnitBank {
  Matrix input;      // units x (vocab for layer 0 | previous layer's state bits)
  Matrix recurrent;  // units x this layer's state bits
  std::vector<std::vector<int>> thresholds;  // units x levels, non-decreasing
};

struct Layer {
  int units = 0;
  int levels = 1;  // thresholds (state bits) per unit
  UnitBank cand;
  bool gated = false;
  UnitBank gate;                // levels == 1; only when gated
  std::vector<uint8_t> reset;   // state_bits() entries, 0/1
  int state_bits() const { return units * levels; }
};

struct Head {
  Matrix weights;  // vocab x last layer's state bits, ternary
  std::vector<int> bias;
  double logit_scale = 1.0;  // p = softmax(logit_scale * logits)
  // Optional table of the last two tokens ("head.context", docs/model-format.md): logit
  // context_logits[i] also adds context.at(c_prev * (V + 1) + c_last, i), where c_last is the
  // code of the token just consumed and c_prev of the one before: 0 before any token and for an
  // out-of-vocabulary token, token + 1 otherwise. context.rows == 0: no table.
  std::vector<int> context_logits;
  Matrix context;  // (V + 1)^2 x context_logits.size(), |entry| <= kMaxInputWeight
  bool has_context() const { return context.rows > 0; }
};

struct Model {
  std::string name;
  std::vector<uint8_t> vocab;  // token id -> byte
  std::string cell = "elman";  // "elman" or "gated"
  int fanin = -1;              // declared cap of nonzero recurrent weights per unit, -1 = none
  std::vector<Layer> layers;
  Head head;
  nlohmann::json provenance = nlohmann::json::object();
  std::string hash;  // sha256 of the file's bytes (or of to_json() for in-memory models)

  int vocab_size() const { return int(vocab.size()); }
  int token_bits() const;
  int state_bits() const;  // all layers
  // Token id of a byte, or -1 when the byte is not in the vocabulary.
  int token_of(uint8_t byte) const;
  // The head.context code of a consumed token: token + 1, or 0 out of the vocabulary.
  int context_code(int token) const { return token >= 0 && token < vocab_size() ? token + 1 : 0; }
};

// Parses and validates; every failure throws tg::Error naming `origin`, the field and what
// was expected.
Model parse_model(const std::string& text, const std::string& origin);
Model load_model(const std::string& path);
// Checks every structural and range rule of the format; throws tg::Error.
void validate_model(const Model& m, const std::string& origin);
// Canonical, readable serialisation (ternary rows as strings of + 0 -).
std::string model_to_json(const Model& m);
// Saves atomically and sets m.hash.
void save_model(Model& m, const std::string& path);

// Sum range [lo, hi] reachable by unit u of a bank (token contributions include 0 for
// out-of-vocabulary tokens).
std::pair<int, int> unit_range(const UnitBank& b, int u, bool token_table);

// Maps text bytes to token ids; throws naming `origin` and the byte offset of the first byte
// outside the vocabulary.
std::vector<int> tokenize(const Model& m, std::string_view text, const std::string& origin);

// The golden interpreter: a literal reading of the semantics in docs/model-format.md.
class ModelSim {
 public:
  explicit ModelSim(const Model& m);
  void reset();
  void step(int token);  // tokens >= vocab contribute nothing through the token table
  const std::vector<std::vector<uint8_t>>& state() const { return h_; }
  std::vector<uint8_t> flat_state() const;
  std::vector<int> logits() const;
  int argmax() const;  // lowest index wins ties

 private:
  const Model& m_;
  std::vector<std::vector<uint8_t>> h_;
  int c_last_ = 0, c_prev_ = 0;  // head.context codes of the last two tokens (0: none)
};

int argmax_lowest(const std::vector<int>& v);

}  // namespace tg
