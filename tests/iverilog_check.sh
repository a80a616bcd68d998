#!/usr/bin/env bash
# Icarus Verilog as the peer simulator: a generated core runs in iverilog/vvp on a random
# stimulus and every cycle's outputs must equal the generated reference's; a corrupted design
# must be caught.
# usage: tests/iverilog_check.sh BUILD_DIR NAME (--model FILE | random-model options...)
set -euo pipefail
build=$(realpath "$1"); name=$2; shift 2
root=$(cd "$(dirname "$0")/.." && pwd)
work=$build/iverilog_tests/$name
rm -rf "$work"; mkdir -p "$work"
tg=$build/tritgate
if [ "${1:-}" = --model ]; then
  [ -f "$2" ] || { echo "SKIP: $2 not present"; exit 0; }
  cp "$2" "$work/m.json"
else
  "$tg" random-model "$@" -o "$work/m.json" 2>/dev/null
fi
"$tg" gen "$work/m.json" -o "$work/gen" 2>/dev/null
"$root/sim/run_iverilog.sh" "$work/gen" "$work/run" "${TG_CYCLES:-2000}" 5
cp -r "$work/gen" "$work/gen_bad"
sed -i '0,/      h\[0\] <= \(.*\);/s//      h[0] <= ~(\1);/' "$work/gen_bad/tg_core.v"
grep -q 'h\[0\] <= ~(' "$work/gen_bad/tg_core.v" || { echo "FAIL: mutation did not apply"; exit 1; }
if "$root/sim/run_iverilog.sh" "$work/gen_bad" "$work/run_bad" 100 5 > "$work/bad.log" 2>&1; then
  echo "FAIL: Icarus run of a corrupted design matched the reference"; exit 1
fi
grep -q "MISMATCH at cycle" "$work/bad.log" || { echo "FAIL: no mismatch report"; cat "$work/bad.log"; exit 1; }
echo "PASS: corrupted design caught: $(head -1 "$work/bad.log")"
