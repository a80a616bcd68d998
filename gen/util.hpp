// Small shared helpers: the error type every user-facing failure goes through,
// SHA-256 for model and corpus provenance, and atomic file writes.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tg {

inline constexpr const char* kVersion = "0.1.0";

// A user-facing error. The message names the file, the field and what was expected;
// main() prints it after "tritgate: error: " and exits non-zero.
struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string sha256_hex(std::string_view data);
std::string read_file(const std::string& path);
// Writes to PATH.tmp.<pid> and renames over PATH, so a failure never leaves a half file.
void write_file_atomic(const std::string& path, std::string_view data);
// Number of bits needed to hold values 0..n-1 (at least 1).
int index_bits(int n);
// Number of bits of an unsigned value (0 -> 1).
int unsigned_bits(int64_t v);

}  // namespace tg
