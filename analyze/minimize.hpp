// Two-level minimisation of small Boolean functions (Quine-McCluskey), and the
// multiple-valued extension used for neurons that read the token: the token is one variable
// with as many values as there are token classes.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace tg::analyze {

// A product term over up to 16 variables: variable i appears iff bit i of `care` is set, and
// then as itself when bit i of `value` is set, complemented otherwise.
struct Cube {
  uint32_t value = 0, care = 0;
  bool operator==(const Cube&) const = default;
  bool covers(uint32_t minterm) const { return ((minterm ^ value) & care) == 0; }
  int literals() const { return __builtin_popcount(care); }
};

// Prime implicants by iterated merging (Quine-McCluskey), then a cover: essential primes
// first, then greedily the prime that covers most uncovered minterms (fewest literals on
// ties). Exact for the primes; the cover is minimal in most small cases but not guaranteed.
// truth has 2^nvars entries (minterm index = the variables' bits, variable 0 least
// significant). An empty result is constant 0; a single cube with care = 0 is constant 1.
std::vector<Cube> minimize_sop(int nvars, const std::vector<uint8_t>& truth);

std::string cube_string(const Cube& c, const std::vector<std::string>& names);
std::string sop_string(const std::vector<Cube>& sop, const std::vector<std::string>& names);

// f(vars, token): `truth[k]` is the truth table over the variables when the token is in
// class k (labels[k] names the class's tokens). Classes with the same table are joined; each
// joined class is minimised on its own, and a product that occurs in several classes is
// written once, guarded by the union of their tokens ("tok in {...}"; no guard when it holds
// for every token).
struct TokenClass {
  std::vector<std::string> tokens;  // printable labels of the tokens in this class
  std::vector<uint8_t> truth;
};
std::string mv_sop_string(int nvars, const std::vector<std::string>& names, const std::vector<TokenClass>& classes,
                          int total_tokens);

}  // namespace tg::analyze
