#!/usr/bin/env bash
# Builds the Verilator bench of the UART board top (rtl_templates/tg_top_uart.v) for one
# generated design.
# usage: sim/build_uart_tb.sh GEN_DIR OUT_DIR [CLK_FREQ_HZ [BAUD [GEN_DEFAULT]]]
#   GEN_DIR holds tg_core.v, tg_config.vh, tg_vocab.vh and tg_ref.hpp from `tritgate gen`.
#   The defaults (12 MHz, 1.5 Mbaud: 8 clocks per bit, 20 characters for 0x04) keep the
#   simulation short; the RTL is the same as on the board, only the parameters differ.
#   The bench binary is OUT_DIR/tb_uart. TG_TRACE=1 adds VCD tracing (+trace at run time).
set -euo pipefail
gen=$(realpath "$1"); out=$2
clk=${3:-12000000}; baud=${4:-1500000}; gdef=${5:-20}
root=$(cd "$(dirname "$0")/.." && pwd)
for f in tg_core.v tg_config.vh tg_vocab.vh tg_ref.hpp; do
  [ -f "$gen/$f" ] || { echo "build_uart_tb: $gen/$f: missing (run tritgate gen first)" >&2; exit 2; }
done
if grep -q '^`define TG_CTX_LOAD' "$gen/tg_config.vh"; then
  echo "build_uart_tb: $gen: a head.context table loaded from flash (gen --context-load); the UART bench has no" \
       "flash model yet: generate without --context-load (GEN_FLAGS=...) to simulate the top" >&2
  exit 2
fi
mkdir -p "$out"
trace=()
[ "${TG_TRACE:-0}" = 1 ] && trace=(--trace)
rtl=${TG_RTL:-$root/rtl_templates}
# -fno-const-bit-op-tree: see sim/build_tb.sh (Verilator 5.006 miscompile, verilator#4059).
verilator --cc --exe --build -j "${TG_JOBS:-2}" -Wall -fno-const-bit-op-tree "${trace[@]}" \
  --top-module tg_top_uart --prefix Vtg_top_uart -Mdir "$out/obj" -o ../tb_uart \
  -I"$gen" -GCLK_FREQ_HZ="$clk" -GBAUD="$baud" -GGEN_DEFAULT="$gdef" \
  -CFLAGS "-std=c++20 -O1 -I$gen -DTG_CLK_HZ=$clk -DTG_BAUD=$baud -DTG_GEN_DEFAULT=$gdef" \
  "$gen/tg_core.v" "$rtl/uart_rx.v" "$rtl/uart_tx.v" "$rtl/tg_top_uart.v" "$root/sim/tb_uart.cpp" \
  > "$out/build.log" 2>&1 || { tail -30 "$out/build.log" >&2; exit 1; }
echo "$out/tb_uart"
