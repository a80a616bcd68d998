#!/usr/bin/env bash
# The board flow for the iCEBreaker on a small model: the UART top, the pin constraints and
# the 12 MHz clock constraint go through yosys, nextpnr-ice40 (--pcf, --freq 12) and icepack;
# report.json splits the LUTs into core and board logic, records the 12 MHz target and an
# Fmax at or above it. A model too large for the board stops before place and route.
# (`make synth` = `make build` + this report; the test calls the report target directly so
# that it runs from any CMake build tree.)
set -euo pipefail
build=$(realpath "$1")
tg=$build/tritgate
work=$build/board_flow_test; rm -rf "$work"; mkdir -p "$work"
"$tg" random-model --hidden 16 --vocab 10 --fanin 4 --seed 3 -o "$work/boardtiny.json" 2>/dev/null
out=build/icebreaker/boardtiny
rm -rf "$out"
make --no-print-directory "$out/report.json" BOARD=icebreaker MODEL="$work/boardtiny.json" TG="$tg" > "$work/synth.log" 2>&1 \
  || { tail -30 "$work/synth.log"; exit 1; }
r=$out/report.json
grep -q -- "--pcf fpga/boards/icebreaker/pinout.pcf --freq 12 " "$work/synth.log" || { echo "FAIL: nextpnr not given the pcf and 12 MHz"; exit 1; }
for p in "'clk' to bel" "'uart_rx' to bel" "'uart_tx' to bel"; do
  grep -q "constrained $p" "$out/nextpnr.log" || { echo "FAIL: pin constraint missing: $p"; exit 1; }
done
test -s "$out/top.bin"
python3 - "$r" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["board"] == "icebreaker" and r["device"] == "up5k", r
assert r["lut_capacity"] == 5280, r
assert r["core_luts"] > 0 and r["board_logic_luts"] > 0, r
assert r["core_luts"] + r["board_logic_luts"] == r["luts"], r
assert r["target_mhz"] == 12, r
assert r["fmax_mhz"] is not None and r["fmax_mhz"] >= 12, r
print(f"ok: icebreaker: {r['luts']} LUTs (core {r['core_luts']}, board logic {r['board_logic_luts']}) of "
      f"{r['lut_capacity']}, Fmax {r['fmax_mhz']} MHz for a 12 MHz clock")
PY

# Too large for the iCEstick (1280 LUT4): stops after yosys, before place and route.
"$tg" random-model --hidden 120 --vocab 16 --fanin 8 --seed 1 -o "$work/stickbig.json" 2>/dev/null
rm -rf build/icestick/stickbig
if make --no-print-directory build/icestick/stickbig/report.json BOARD=icestick MODEL="$work/stickbig.json" TG="$tg" \
     > "$work/big.log" 2>&1; then
  echo "FAIL: a 120-unit model was accepted for the iCEstick"; exit 1
fi
grep -Eq "does not fit; stopping before (place and route|synthesis)" "$work/big.log" || { tail -5 "$work/big.log"; exit 1; }
grep -q "1280" "$work/big.log"
test ! -e build/icestick/stickbig/top.asc
echo "ok: oversized model refused for the iCEstick: $(grep -o 'the (design|model) needs.*has 1280' -E "$work/big.log")"
