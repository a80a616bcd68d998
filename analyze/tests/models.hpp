// Hand-built models whose answers are known by construction.
#pragma once
#include <string>

namespace tg::analyze::testing {

// Vocabulary "abc" (token bits 2, so code 3 is out of vocabulary), four elman units:
//   n0 = [tok == a]          n2 = [tok == b]
//   n1 = [h0 + h2 >= 2]      never on: h0 and h2 come from the same token, so never both 1
//   n3 = [h0 >= 1]           on one step after an 'a'
// Head: z_a = h3, z_b = 1, z_c = -5: 'a' is predicted iff h3 (ties go to the lower index),
// 'b' otherwise, 'c' never.
inline const char* kKnownModel = R"({
  "format": "tritgate-model", "version": 1, "name": "known",
  "vocab": [97, 98, 99], "cell": "elman",
  "layers": [{
    "units": 4, "levels": 1,
    "input": ["+00", "000", "0+0", "000"],
    "recurrent": ["0000", "+0+0", "0000", "+000"],
    "thresholds": [1, 2, 1, 1]
  }],
  "head": {"weights": ["000+", "0000", "0000"], "bias": [0, 1, -5], "logit_scale": 1.0}
})";

// Vocabulary "ab", four units: n1 duplicates n0, n2 is always on (threshold at the bottom of
// its range), n3 is read by nothing the head needs (dead).
inline const char* kFatesModel = R"({
  "format": "tritgate-model", "version": 1, "name": "fates",
  "vocab": [97, 98], "cell": "elman",
  "layers": [{
    "units": 4, "levels": 1,
    "input": ["+0", "+0", "00", "00"],
    "recurrent": ["0000", "0000", "+000", "0+00"],
    "thresholds": [1, 1, 0, 1]
  }],
  "head": {"weights": ["+++0", "0000"], "bias": [0, 0], "logit_scale": 1.0}
})";

}  // namespace tg::analyze::testing
