#!/usr/bin/env bash
# Runs a generated core in Icarus Verilog (the peer simulator) on a random stimulus of N cycles
# (teacher-forced, free-running stretches, idle cycles, resets) and compares every cycle's
# state, logits, out_token and out_valid with the generated C++ reference.
# usage: sim/run_iverilog.sh GEN_DIR WORK_DIR [N] [SEED]
# Prints the cycle rate; on a mismatch prints the first differing cycle and exits 1.
# A core generated with --pipeline-head P (TG_PIPELINE_HEAD in GEN_DIR/tg_config.vh) is
# modelled with its latency and in_ready (see sim/ref_trace.cpp).
set -euo pipefail
gen=$(realpath "$1"); work=$2; n=${3:-2000}; seed=${4:-1}
root=$(cd "$(dirname "$0")/.." && pwd)
[ -f "$gen/tg_core.v" ] || { echo "run_iverilog: $gen/tg_core.v: missing (run tritgate gen first)" >&2; exit 2; }
[ -f "$gen/tg_config.vh" ] || { echo "run_iverilog: $gen/tg_config.vh: missing (run tritgate gen first)" >&2; exit 2; }
pipe=$(sed -n 's/^`define TG_PIPELINE_HEAD \([0-9]*\).*/\1/p' "$gen/tg_config.vh")
mkdir -p "$work"
g++ -std=c++20 -O1 -DTG_PIPELINE_HEAD="${pipe:-0}" -I"$gen" -I"$root/gen" "$root/sim/ref_trace.cpp" -o "$work/ref_trace"
# TG_IV_MIX="pgen pgap preset" sets the stimulus mix (default: ref_trace's 0.3 0.05 0.003).
# shellcheck disable=SC2086
"$work/ref_trace" "$work/stim.txt" "$work/expected.txt" "$n" "$seed" ${TG_IV_MIX:-}
# gen --context-load: the loader and the flash model join the bench, the flash holds tg_ctx.hex.
extra=(); plus=()
if grep -q '^`define TG_CTX_LOAD' "$gen/tg_config.vh"; then
  extra=("$root/rtl_templates/tg_ctx_loader.v" "$root/sim/spi_flash_model.v"); plus=(+flash="$gen/tg_ctx.hex")
fi
iverilog -g2012 -Wall -I"$gen" -o "$work/tb.vvp" -s tb_iverilog "$gen/tg_core.v" "$root/sim/tb_iverilog.v" "${extra[@]}"
t0=$(date +%s.%N)
vvp -n "$work/tb.vvp" +stim="$work/stim.txt" +trace="$work/actual.txt" "${plus[@]}" > "$work/vvp.log"
t1=$(date +%s.%N)
if ! cmp -s "$work/expected.txt" "$work/actual.txt"; then
  line=$( (cmp "$work/expected.txt" "$work/actual.txt" || true) | sed -n 's/.* line \([0-9]*\).*/\1/p')
  [ -n "$line" ] || line=$(( $(wc -l < "$work/actual.txt") + 1 ))
  echo "MISMATCH at cycle $((line - 1)) (Icarus vs reference); stimulus: $(sed -n "${line}p" "$work/stim.txt")"
  echo "  expected (state logits out_token out_valid [in_ready]): $(sed -n "${line}p" "$work/expected.txt")"
  echo "  icarus:                                                 $(sed -n "${line}p" "$work/actual.txt")"
  exit 1
fi
awk -v n="$n" -v a="$t0" -v b="$t1" -v p="${pipe:-0}" 'BEGIN { printf "iverilog: PASS: %d cycles identical to the reference (state, logits, out_token, out_valid%s); %.2f s, %.0f cycles/s\n", n, (p > 0 ? ", in_ready; pipeline head " p : ""), b - a, n / (b - a) }'
