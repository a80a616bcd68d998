#!/usr/bin/env bash
# Integration test: random model -> gen -> lint -> Verilator bench, compared every cycle with
# the generated reference and the model file's golden interpreter.
# usage: tests/rtl_check.sh BUILD_DIR NAME [random-model options...]
# Environment: TG_PASSES (gen --passes), TG_STYLE (gen --style), TG_GEN_FLAGS (more gen
# options), TG_MUTATE=1 (corrupt the
# RTL and expect the bench to catch it).
set -euo pipefail
build=$(realpath "$1"); name=$2; shift 2
root=$(cd "$(dirname "$0")/.." && pwd)
work=$build/rtl_tests/$name
rm -rf "$work"; mkdir -p "$work"
tg=$build/tritgate
"$tg" random-model "$@" -o "$work/m.json" 2>/dev/null
"$tg" gen "$work/m.json" -o "$work/gen" --passes "${TG_PASSES:-default}" --style "${TG_STYLE:-tree}" ${TG_GEN_FLAGS:-} 2>/dev/null
# Determinism: a second generation is byte-identical.
"$tg" gen "$work/m.json" -o "$work/gen2" --passes "${TG_PASSES:-default}" --style "${TG_STYLE:-tree}" ${TG_GEN_FLAGS:-} 2>/dev/null
for f in tg_core.v tg_ref.hpp tg_glue.hpp; do
  cmp -s "$work/gen/$f" "$work/gen2/$f" || { echo "FAIL: $f differs between two runs of gen"; exit 1; }
done
head -1 "$work/gen/tg_core.v" | grep -qx '`default_nettype none' || { echo "FAIL: tg_core.v does not start with \`default_nettype none"; exit 1; }
verilator --lint-only -Wall "$work/gen/tg_core.v"
verilator --lint-only -Wall -I"$work/gen" "$work/gen/tg_core.v" "$root/rtl_templates/tg_top_core.v" \
  "$root/rtl_templates/tg_ctx_loader.v" --top-module tg_top_core
if [ "${TG_MUTATE:-0}" = 1 ]; then
  # Invert the first register's next value: the bench must report a mismatch and fail.
  sed -i '0,/      h\[0\] <= \(.*\);/s//      h[0] <= ~(\1);/' "$work/gen/tg_core.v"
  grep -q 'h\[0\] <= ~(' "$work/gen/tg_core.v" || { echo "FAIL: mutation did not apply"; exit 1; }
fi
TG_BUILD=$build sim/build_tb.sh "$work/gen" "$work/tb" > /dev/null
tb=$work/tb/tb
if [ "${TG_MUTATE:-0}" = 1 ]; then
  if "$tb" --model "$work/m.json" --random 2000 --seed 3 > "$work/out.log" 2>&1; then
    echo "FAIL: the bench passed a corrupted design"; cat "$work/out.log"; exit 1
  fi
  grep -q "MISMATCH at cycle" "$work/out.log" || { echo "FAIL: no mismatch report"; cat "$work/out.log"; exit 1; }
  grep -q "register 0" "$work/out.log" || { echo "FAIL: mismatch report does not name the bit"; cat "$work/out.log"; exit 1; }
  echo "PASS: corrupted design caught: $(head -1 "$work/out.log")"
  exit 0
fi
"$tb" --model "$work/m.json" --random 3000 --gaps 0.1 --resets 0.005 --seed 11
"$tb" --model "$work/m.json" --free 2000 --seed 12
"$tb" --model "$work/m.json" --random 300 --free 1000 --seed 13
