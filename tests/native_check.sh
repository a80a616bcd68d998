#!/usr/bin/env bash
# Integration test of the generated native code: random model -> gen --bitslice-cpp ->
# tests/native_check.cpp compiled three times, once per rendering of the reference's sums:
# AVX-512 (-march=native, where the CPU has AVX-512 VPOPCNTDQ and VBMI), popcount
# (-DTG_REF_SCALAR -mpopcnt) and per-term (-mno-popcnt), each run against the interpreters
# every step. tg_bitslice.hpp (the slow compile) is checked in the AVX-512 build (VBMI lookup)
# and the per-term build (portable lookup), not in the popcount build.
# usage: tests/native_check.sh BUILD_DIR NAME [random-model options...]
set -euo pipefail
build=$(realpath "$1"); name=$2; shift 2
root=$(cd "$(dirname "$0")/.." && pwd)
work=$build/native_tests/$name
rm -rf "$work"; mkdir -p "$work"
tg=$build/tritgate
"$tg" random-model "$@" -o "$work/m.json" 2>/dev/null
"$tg" gen "$work/m.json" -o "$work/gen" --bitslice-cpp 2>/dev/null
"$tg" gen "$work/m.json" -o "$work/gen2" --bitslice-cpp 2>/dev/null
cmp -s "$work/gen/tg_bitslice.hpp" "$work/gen2/tg_bitslice.hpp" || { echo "FAIL: tg_bitslice.hpp differs between two runs of gen"; exit 1; }
cc=(g++ -std=c++20 -O2 -Wall -Wextra -Werror -I"$work/gen" -I"$root/gen" "$root/tests/native_check.cpp" "$build/libtglib.a" -lfmt)
if grep -q avx512_vpopcntdq /proc/cpuinfo && grep -q avx512vbmi /proc/cpuinfo; then
  # -Wno-uninitialized: GCC 12's own avx512fintrin.h (_mm512_undefined_*) trips it at -O2.
  "${cc[@]}" -march=native -Wno-uninitialized -o "$work/check_simd"
  out=$("$work/check_simd" "$work/m.json" 300 1); echo "$out"
  echo "$out" | grep -q "AVX-512 path" || { echo "FAIL: -march=native did not select the AVX-512 path"; exit 1; }
else
  echo "native_check: this CPU lacks AVX-512 VPOPCNTDQ/VBMI: the SIMD path is not exercised here"
fi
"${cc[@]}" -DTG_REF_SCALAR -DTG_CHECK_REF_ONLY -mpopcnt -o "$work/check_popcnt"
out=$("$work/check_popcnt" "$work/m.json" 300 2); echo "$out"
echo "$out" | grep -q "popcount path" || { echo "FAIL: -mpopcnt did not select the popcount path"; exit 1; }
"${cc[@]}" -DTG_REF_SCALAR -mno-popcnt -o "$work/check_terms"
out=$("$work/check_terms" "$work/m.json" 300 3); echo "$out"
echo "$out" | grep -q "per-term path" || { echo "FAIL: -mno-popcnt did not select the per-term path"; exit 1; }
