#!/usr/bin/env bash
# The UART board top in simulation: a small random model whose free-running text does not
# settle at once -> tritgate gen -> Verilator bench (sim/tb_uart.cpp) that types prompts and
# commands over a simulated serial line and compares every received byte with tg_ref::Model;
# run with the host's bit clock exact, 2.5% fast and 2.5% slow; then a model with tied logits. Then a baud the clock cannot
# make is refused by the RTL at elaboration (Verilator) and by Makefile.flow before yosys.
set -euo pipefail
build=$(realpath "$1")
tg=$build/tritgate
work=$build/uart_test; rm -rf "$work"; mkdir -p "$work"
"$tg" random-model --hidden 24 --vocab 12 --fanin 4 --seed 4 -o "$work/uartm.json" 2>/dev/null
"$tg" gen "$work/uartm.json" -o "$work/gen" 2>/dev/null
sim/build_uart_tb.sh "$work/gen" "$work/tb" > /dev/null
"$work/tb/tb_uart" --seed 1
"$work/tb/tb_uart" --seed 2 --skew 1.025
"$work/tb/tb_uart" --seed 3 --skew 0.975
# The token tables in the falling-edge ROM (gen --token-rom, the iCE40 boards' default).
"$tg" gen "$work/uartm.json" -o "$work/genrom" --token-rom 2>/dev/null
sim/build_uart_tb.sh "$work/genrom" "$work/tbrom" > /dev/null
"$work/tbrom/tb_uart" --seed 4
# Tied logits (--degenerate): the serial argmax must keep the lowest index like the model.
"$tg" random-model --hidden 16 --vocab 10 --fanin 4 --seed 22 --degenerate -o "$work/uartdg.json" 2>/dev/null
"$tg" gen "$work/uartdg.json" -o "$work/gendg" 2>/dev/null
sim/build_uart_tb.sh "$work/gendg" "$work/tbdg" > /dev/null
"$work/tbdg/tb_uart" --seed 7

# Wrong baud: 12 MHz / 900000 baud = 13.33 clocks per bit; 13 give 923077 baud, 2.56% off.
r=rtl_templates
if verilator --lint-only -Wall -I"$work/gen" "$work/gen/tg_core.v" $r/uart_rx.v $r/uart_tx.v $r/tg_top_uart.v \
     --top-module tg_top_uart -GBAUD=900000 > "$work/badbaud_rtl.log" 2>&1; then
  echo "FAIL: the RTL accepted BAUD=900000 at 12 MHz"; exit 1
fi
grep -q "BAUD cannot be generated" "$work/badbaud_rtl.log" || { cat "$work/badbaud_rtl.log"; exit 1; }
verilator --lint-only -Wall -I"$work/gen" "$work/gen/tg_core.v" $r/uart_rx.v $r/uart_tx.v $r/tg_top_uart.v \
  --top-module tg_top_uart -GBAUD=115200 || { echo "FAIL: lint of the board top at 115200 baud"; exit 1; }
if make --no-print-directory build/icebreaker/uartm/synth.json BOARD=icebreaker MODEL="$work/uartm.json" TG="$tg" \
     BAUD=900000 > "$work/badbaud_flow.log" 2>&1; then
  echo "FAIL: the flow accepted BAUD=900000 for the icebreaker"; exit 1
fi
grep -q "flow: BAUD=900000 cannot be generated from the 12000000 Hz clock" "$work/badbaud_flow.log" || { cat "$work/badbaud_flow.log"; exit 1; }
test ! -e build/icebreaker/uartm/synth.json
echo "ok: wrong baud refused: $(grep -o 'BAUD=900000 cannot.*' "$work/badbaud_flow.log")"
