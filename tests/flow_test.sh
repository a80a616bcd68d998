#!/usr/bin/env bash
# The synthesis flow on a tiny model: make synth BOARD=ice40 produces report.json with the
# documented keys and a real place-and-route Fmax; a model too large for the device stops
# before synthesis with the numbers; an unknown BOARD lists the known ones.
set -euo pipefail
build=$(realpath "$1")
tg=$build/tritgate
work=$build/flow_test; rm -rf "$work"; mkdir -p "$work"
"$tg" random-model --hidden 8 --vocab 6 --fanin 3 --seed 4 -o "$work/flowtiny.json" 2>/dev/null
make --no-print-directory synth BOARD=ice40 MODEL="$work/flowtiny.json" TG="$tg" > "$work/synth.log" 2>&1 || { tail -30 "$work/synth.log"; exit 1; }
r=build/ice40/flowtiny/report.json
test -s "$r"
for k in device luts ffs fmax_mhz seconds; do grep -q "\"$k\"" "$r" || { echo "FAIL: report lacks $k"; cat "$r"; exit 1; }; done
grep -q '"device": "up5k"' "$r"
grep -Eq '"fmax_mhz": [0-9]+\.?[0-9]*' "$r" || { echo "FAIL: no Fmax"; exit 1; }
grep -Eq '"luts": [1-9][0-9]*' "$r" || { echo "FAIL: no LUTs"; exit 1; }
test -s build/ice40/flowtiny/top.bin
echo "ok: ice40 report $(tr -d '\n ' < "$r" | grep -o '"luts":[0-9]*'), $(grep -o '"fmax_mhz": [0-9.]*' "$r")"

# A two-token table (head.context) on the UP5K: the board flags make it loadable
# (--context-load: no contents, the flash image written beside the core), the top gains the
# loader and the flash pins, and the report counts SPRAMs.
"$tg" random-model --hidden 8 --vocab 40 --fanin 3 --seed 5 --context 16 -o "$work/flowctx.json" 2>/dev/null
make --no-print-directory synth BOARD=ice40 MODEL="$work/flowctx.json" TG="$tg" > "$work/ctx.log" 2>&1 || { tail -30 "$work/ctx.log"; exit 1; }
r=build/ice40/flowctx/report.json
test -s build/ice40/flowctx/gen/tg_ctx.bin || { echo "FAIL: no flash image"; exit 1; }
grep -q '^`define TG_CTX_LOAD' build/ice40/flowctx/gen/tg_config.vh || { echo "FAIL: tg_config.vh lacks TG_CTX_LOAD"; exit 1; }
grep -Eq '"sprams": [1-9]' "$r" || { echo "FAIL: the table is not in SPRAM"; grep -o '"sprams": [0-9]*' "$r"; exit 1; }
grep -q '"spram_capacity": 4' "$r" || { echo "FAIL: no SPRAM capacity"; exit 1; }
grep -q 'flash_miso' build/ice40/flowctx/yosys.log || grep -q 'tg_ctx_loader' build/ice40/flowctx/yosys.log || { echo "FAIL: no loader in the top"; exit 1; }
echo "ok: context table on the UP5K: $(grep -o '"sprams": [0-9]*' "$r") SPRAM, $(tr -d '\n ' < "$r" | grep -o '"luts":[0-9]*')"

# Too large: stops before synthesis with the estimate and the capacity.
"$tg" random-model --hidden 2048 --vocab 8 --fanin 16 --seed 1 -o "$work/huge.json" 2>/dev/null
if make --no-print-directory synth BOARD=ice40 MODEL="$work/huge.json" TG="$tg" > "$work/huge.log" 2>&1; then
  echo "FAIL: a 2048-unit model was accepted for an UP5K"; exit 1
fi
grep -q "does not fit; stopping before synthesis" "$work/huge.log" || { echo "FAIL: no clear fit message"; cat "$work/huge.log"; exit 1; }
grep -q "5280" "$work/huge.log"
test ! -e build/ice40/huge/synth.json
echo "ok: oversized model refused: $(grep -o 'the model needs.*has 5280' "$work/huge.log")"

# Unknown board.
if make --no-print-directory synth BOARD=nosuchboard MODEL="$work/flowtiny.json" TG="$tg" > "$work/board.log" 2>&1; then
  echo "FAIL: unknown board accepted"; exit 1
fi
grep -q "Unknown BOARD 'nosuchboard'. Known boards: .*ice40" "$work/board.log" || { cat "$work/board.log"; exit 1; }
echo "ok: unknown board lists the known ones"
