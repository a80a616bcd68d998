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
# check TAG SEED "PATH NAME" FLAGS...: build with FLAGS, run 300 steps, require that rendering.
check() {
  local tag=$1 seed=$2 path=$3 out; shift 3
  "${cc[@]}" "$@" -o "$work/check_$tag"
  out=$("$work/check_$tag" "$work/m.json" 300 "$seed"); echo "$out"
  echo "$out" | grep -q "$path" || { echo "FAIL: $* did not select the $path"; exit 1; }
}
if grep -q avx512_vpopcntdq /proc/cpuinfo && grep -q avx512vbmi /proc/cpuinfo; then
  # -Wno-uninitialized: GCC 12's own avx512fintrin.h (_mm512_undefined_*) trips it at -O2.
  check simd 1 "AVX-512 path" -march=native -Wno-uninitialized
else
  echo "native_check: this CPU lacks AVX-512 VPOPCNTDQ/VBMI: the SIMD path is not exercised here"
fi
check popcnt 2 "popcount path" -DTG_REF_SCALAR -DTG_CHECK_REF_ONLY -mpopcnt
check terms 3 "per-term path" -DTG_REF_SCALAR -mno-popcnt
