#!/usr/bin/env bash
# Integration test of the SystemC bench: random model -> gen -> verilator --sc -> sc_tb, compared
# every cycle with the generated reference; BPC read from the logits port must equal
# `tritgate eval` on the same text; a corrupted design must be caught.
# usage: tests/sc_check.sh BUILD_DIR NAME [random-model options...]
# Environment: TG_GEN_FLAGS (more gen options, e.g. --pipeline-head 2), TG_SC_MUTATE=0 (skip
# the corrupted-design build).
set -euo pipefail
build=$(realpath "$1"); name=$2; shift 2
root=$(cd "$(dirname "$0")/.." && pwd)
work=$build/sc_tests/$name
rm -rf "$work"; mkdir -p "$work"
tg=$build/tritgate
"$tg" random-model "$@" -o "$work/m.json" 2>/dev/null
# shellcheck disable=SC2086
"$tg" gen "$work/m.json" -o "$work/gen" ${TG_GEN_FLAGS:-} 2>/dev/null
TG_BUILD=$build "$root/sim/build_sc_tb.sh" "$work/gen" "$work/sc" > /dev/null
sc=$work/sc/sc_tb
quiet() { grep -v -e '^$' -e 'SystemC 2' -e 'Copyright (c)' -e 'ALL RIGHTS RESERVED' || true; }
# Teacher-forced random codes (out-of-vocabulary included) with idle slots from the FIFO.
"$sc" --model "$work/m.json" --random 3000 --gaps 0.1 --seed 11 | quiet
# Free-running after a random prompt, then free-running from reset.
"$sc" --model "$work/m.json" --random 200 --free 1500 --seed 12 | quiet
# A text in the vocabulary (the model's own generation from a one-character prompt, plus the
# vocabulary bytes): BPC from the logits port against the bit-exact reference's `eval`.
first=$("$tg" run "$work/m.json" -n 600 | head -c 600)
printf '%s' "$first" > "$work/text.txt"
"$sc" --model "$work/m.json" --text "$work/text.txt" --gaps 0.05 > "$work/text.log" 2>&1 || { cat "$work/text.log"; exit 1; }
rtl=$(sed -n 's/.*bpc \([0-9.]*\);.*/\1/p' "$work/text.log")
ref=$("$tg" eval "$work/m.json" --corpus "$work/text.txt" --split all --json | sed -n 's/.*"bpc":\([-0-9.e]*\).*/\1/p')
awk -v a="$rtl" -v b="$ref" 'BEGIN { d = a - b; if (d < 0) d = -d; if (a == "" || d > 1e-9) { print "FAIL: bpc from the logits port " a " != reference " b; exit 1 } print "PASS: bpc from the SystemC bench " a " = reference " b }'
[ "${TG_SC_MUTATE:-1}" = 0 ] && exit 0
# A corrupted design (first register's next value inverted) must be reported.
sed -i '0,/      h\[0\] <= \(.*\);/s//      h[0] <= ~(\1);/' "$work/gen/tg_core.v"
grep -q 'h\[0\] <= ~(' "$work/gen/tg_core.v" || { echo "FAIL: mutation did not apply"; exit 1; }
TG_BUILD=$build "$root/sim/build_sc_tb.sh" "$work/gen" "$work/sc_bad" > /dev/null
if "$work/sc_bad/sc_tb" --model "$work/m.json" --random 2000 --seed 3 > "$work/bad.log" 2>&1; then
  echo "FAIL: the SystemC bench passed a corrupted design"; exit 1
fi
grep -q "MISMATCH at cycle" "$work/bad.log" || { echo "FAIL: no mismatch report"; cat "$work/bad.log"; exit 1; }
echo "PASS: corrupted design caught: $(grep -m1 MISMATCH "$work/bad.log")"
