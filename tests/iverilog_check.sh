#!/usr/bin/env bash
# Icarus Verilog as the peer simulator: a generated core runs in iverilog/vvp on a random
# stimulus and every cycle's outputs must equal the generated reference's; a corrupted design
# must be caught.
# usage: tests/iverilog_check.sh BUILD_DIR NAME (--model FILE | random-model options...)
# Environment: TG_GEN_FLAGS (more gen options; with --pipeline-head a core that ignores busy,
# in_ready tied high, must be caught too), TG_CYCLES.
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
# shellcheck disable=SC2086
"$tg" gen "$work/m.json" -o "$work/gen" ${TG_GEN_FLAGS:-} 2>/dev/null
"$root/sim/run_iverilog.sh" "$work/gen" "$work/run" "${TG_CYCLES:-2000}" 5
cp -r "$work/gen" "$work/gen_bad"
sed -i '0,/      h\[0\] <= \(.*\);/s//      h[0] <= ~(\1);/' "$work/gen_bad/tg_core.v"
grep -q 'h\[0\] <= ~(' "$work/gen_bad/tg_core.v" || { echo "FAIL: mutation did not apply"; exit 1; }
if "$root/sim/run_iverilog.sh" "$work/gen_bad" "$work/run_bad" 100 5 > "$work/bad.log" 2>&1; then
  echo "FAIL: Icarus run of a corrupted design matched the reference"; exit 1
fi
grep -q "MISMATCH at cycle" "$work/bad.log" || { echo "FAIL: no mismatch report"; cat "$work/bad.log"; exit 1; }
echo "PASS: corrupted design caught: $(head -1 "$work/bad.log")"
if grep -q '^`define TG_CTX_LOAD' "$work/gen/tg_config.vh"; then
  # A loaded head.context table: the same core with a corrupted flash image (every byte
  # inverted) must be caught, so the table really travels through the flash and the loader.
  cp -r "$work/gen" "$work/gen_flash"
  while read -r b; do printf '%02x\n' $(( 0x$b ^ 0xff )); done < "$work/gen/tg_ctx.hex" > "$work/gen_flash/tg_ctx.hex"
  if "$root/sim/run_iverilog.sh" "$work/gen_flash" "$work/run_flash" 300 5 > "$work/flash.log" 2>&1; then
    echo "FAIL: Icarus run with a corrupted flash image matched the reference"; exit 1
  fi
  grep -q "MISMATCH at cycle" "$work/flash.log" || { echo "FAIL: no mismatch report"; cat "$work/flash.log"; exit 1; }
  echo "PASS: corrupted flash image caught: $(head -1 "$work/flash.log")"
fi
if grep -q '^  assign in_ready = ' "$work/gen/tg_core.v"; then
  # Pipelined head: a core that steps while its prediction is still in flight must be caught.
  cp -r "$work/gen" "$work/gen_ready"
  sed -i 's/^  assign in_ready = .*;/  assign in_ready = 1'"'"'b1;/' "$work/gen_ready/tg_core.v"
  if TG_IV_MIX="1 0 0" "$root/sim/run_iverilog.sh" "$work/gen_ready" "$work/run_ready" 300 5 > "$work/ready.log" 2>&1; then
    echo "FAIL: Icarus run of a core with in_ready tied high matched the reference"; exit 1
  fi
  grep -q "MISMATCH at cycle" "$work/ready.log" || { echo "FAIL: no mismatch report"; cat "$work/ready.log"; exit 1; }
  echo "PASS: in_ready tied high caught: $(head -1 "$work/ready.log")"
fi
