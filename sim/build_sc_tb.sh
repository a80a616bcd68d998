#!/usr/bin/env bash
# Builds the SystemC bench (verilator --sc, sim/sc_main.cpp) for one generated design.
# usage: sim/build_sc_tb.sh GEN_DIR OUT_DIR
#   GEN_DIR holds tg_core.v and tg_ref.hpp from `tritgate gen`; the bench binary is
#   OUT_DIR/sc_tb. TG_BUILD (default: build) is the CMake build tree with libtglib.a.
#   TG_TRACE=1 adds VCD tracing (enable at run time with +trace).
#   A design generated with --pipeline-head P: P is read from GEN_DIR/tg_config.vh.
# SystemC 2.3.4 from Debian ships no CMake config: flags come from pkg-config.
set -euo pipefail
gen=$(realpath "$1"); out=$2; top=tg_core
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath "${TG_BUILD:-$root/build}")
[ -f "$gen/$top.v" ] || { echo "build_sc_tb: $gen/$top.v: missing (run tritgate gen first)" >&2; exit 2; }
[ -f "$build/libtglib.a" ] || { echo "build_sc_tb: $build/libtglib.a: missing (run make first)" >&2; exit 2; }
pkg-config --exists systemc || { echo "build_sc_tb: SystemC not found by pkg-config (install libsystemc-dev)" >&2; exit 2; }
export SYSTEMC_INCLUDE=${SYSTEMC_INCLUDE:-$(pkg-config --variable=includedir systemc)}
export SYSTEMC_LIBDIR=${SYSTEMC_LIBDIR:-$(pkg-config --variable=libdir systemc)}
pipe=0
[ -f "$gen/tg_config.vh" ] && pipe=$(sed -n 's/^`define TG_PIPELINE_HEAD \([0-9]*\).*/\1/p' "$gen/tg_config.vh")
mkdir -p "$out"
trace=()
[ "${TG_TRACE:-0}" = 1 ] && trace=(--trace)
# -fno-const-bit-op-tree: Verilator 5.006 miscompiles some XOR/NOT trees with this
# optimisation on (verilator/verilator#4059); our adder trees hit it. --pins-bv 2: every port
# wider than one bit is an sc_bv<W>, so one bench source fits every model.
# OPT_FAST=-O2: Verilator's makefile compiles the model and the bench sources with OPT_FAST
# (default -Os), last on the command line; -O2 is what the reference is measured with elsewhere
# (bench/tokens), so --ref-speed compares like with like. Other flags (-O3, -march=native,
# --x-assign/--x-initial fast, -fno-dfg) were measured and changed nothing (bench/tokens/RESULTS.md).
verilator --sc --exe --build -j "${TG_JOBS:-2}" -Wall -fno-const-bit-op-tree --pins-bv 2 "${trace[@]}" \
  --top-module "$top" --prefix "V$top" -Mdir "$out/obj" -o ../sc_tb \
  -CFLAGS "-std=c++20 -DSC_CPLUSPLUS=201703L -DTG_PIPELINE_HEAD=${pipe:-0} -O1 -I$gen -I$root/gen $(pkg-config --cflags systemc)" \
  -MAKEFLAGS "OPT_FAST=-O2" \
  -LDFLAGS "$build/libtglib.a -lfmt -lboost_program_options $(pkg-config --libs systemc)" \
  "$gen/$top.v" "$root/sim/sc_main.cpp" > "$out/build.log" 2>&1 || { tail -30 "$out/build.log" >&2; exit 1; }
echo "$out/sc_tb"
