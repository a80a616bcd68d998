#!/usr/bin/env bash
# Builds the Verilator bench for one generated design.
# usage: sim/build_tb.sh GEN_DIR OUT_DIR [TOP]
#   GEN_DIR holds TOP.v, tg_ref.hpp and tg_glue.hpp from `tritgate gen`; the bench binary is
#   OUT_DIR/tb. TG_BUILD (default: build) is the CMake build tree with libtglib.a.
#   TG_TRACE=1 adds VCD tracing (enable at run time with +trace).
set -euo pipefail
gen=$(realpath "$1"); out=$2; top=${3:-tg_core}
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath "${TG_BUILD:-$root/build}")
[ -f "$gen/$top.v" ] || { echo "build_tb: $gen/$top.v: missing (run tritgate gen first)" >&2; exit 2; }
[ -f "$build/libtglib.a" ] || { echo "build_tb: $build/libtglib.a: missing (run make first)" >&2; exit 2; }
mkdir -p "$out"
trace=()
[ "${TG_TRACE:-0}" = 1 ] && trace=(--trace)
# TG_SIM_ARITH=1: simulate the adder trees' arithmetic rendering (gen --sim-arith), the same
# function as the gate form, which Verilator evaluates several times faster.
[ "${TG_SIM_ARITH:-0}" = 1 ] && trace+=(-DTG_SIM_ARITH)
# -fno-const-bit-op-tree: Verilator 5.006 miscompiles some XOR/NOT trees with this
# optimisation on (verilator/verilator#4059, fixed in later releases); our adder trees hit it.
# OPT_FAST=-O2: Verilator's makefile compiles the model and the bench sources with OPT_FAST
# (default -Os), last on the command line; -O2 is what the reference is measured with elsewhere
# (bench/tokens), so --ref-speed compares like with like. Other flags (-O3, -march=native,
# --x-assign/--x-initial fast, -fno-dfg) were measured and changed nothing (bench/tokens/RESULTS.md).
verilator --cc --exe --build -j "${TG_JOBS:-2}" -Wall -fno-const-bit-op-tree "${trace[@]}" \
  --top-module "$top" --prefix "V$top" -Mdir "$out/obj" -o ../tb \
  -CFLAGS "-std=c++20 -O1 -I$gen -I$root/gen" -MAKEFLAGS "OPT_FAST=-O2" \
  -LDFLAGS "$build/libtglib.a -lfmt -lboost_program_options" \
  "$gen/$top.v" "$root/sim/tb_core.cpp" > "$out/build.log" 2>&1 || { tail -30 "$out/build.log" >&2; exit 1; }
echo "$out/tb"
