#!/usr/bin/env bash
# Tests of `tritgate cosim`.
# usage: cosim/cosim_test.sh BUILD_DIR (errors | tiny | pipe1 | pipe2 | context)
#   errors: a checkpoint that does not match the model file (vocabulary, hidden size), a text
#           with a byte outside the vocabulary, a missing Verilated build: each a clear error.
#   tiny:   models/tiny.json with its float checkpoint on a slice of its training corpus (or a
#           small model trained here, see below): the
#           RTL must agree with the reference everywhere, BPC identical, a JSON report.
#   pipeN:  the same with the design built by --pipeline-head N (out_token N cycles late,
#           free-running generation one token every N + 1 cycles).
#   context: a small model trained here with --head-context 4 (the head also reads the last two
#           tokens through a table): the same checks on a text longer than one float chunk.
set -euo pipefail
build=$(realpath "$1"); mode=$2
root=$(cd "$(dirname "$0")/.." && pwd)
tg=$build/tritgate
work=$build/cosim_tests/$mode
rm -rf "$work"; mkdir -p "$work"
tiny=$root/models/tiny.json; tinypt=$root/models/tiny.pt
corpus=/usr/share/common-licenses/GPL-3
for f in "$tiny" "$tinypt" "$corpus"; do [ -f "$f" ] || { echo "SKIP: $f not present"; exit 0; }; done
head -c 2000 "$corpus" > "$work/text.txt"

expect_error() {  # expect_error PATTERN cosim-args...
  local pat=$1; shift
  if "$tg" cosim "$@" > "$work/out.log" 2>&1; then echo "FAIL: cosim $* succeeded"; cat "$work/out.log"; exit 1; fi
  grep -q -- "$pat" "$work/out.log" || { echo "FAIL: cosim $*: expected an error matching '$pat':"; cat "$work/out.log"; exit 1; }
  echo "PASS: $(grep -m1 'error' "$work/out.log")"
}

if [ "$mode" = errors ]; then
  # Vocabulary: the default model's checkpoint against tiny.json.
  if [ -f "$root/models/default.pt" ]; then
    expect_error "vocabulary of the checkpoint" --model "$tiny" --float "$root/models/default.pt" --text "$work/text.txt" --no-build --cache "$work/cache"
  fi
  # Hidden size: the model file says it was trained with 32 units.
  sed "s/\"hidden\":16,/\"hidden\":32,/" "$tiny" > "$work/hidden.json"
  grep -q "\"hidden\":32," "$work/hidden.json" || { echo "FAIL: could not edit provenance.hidden"; exit 1; }
  expect_error "hidden size 16 does not match the model file's 32" --model "$work/hidden.json" --float "$tinypt" --text "$work/text.txt" --no-build --cache "$work/cache"
  # A byte outside the vocabulary.
  printf 'GNU \001 license' > "$work/bad.txt"
  expect_error "offset" --model "$tiny" --float "$tinypt" --text "$work/bad.txt" --no-build --cache "$work/cache"
  # No Verilated build and building forbidden; a --tb that does not exist.
  expect_error "no Verilated build for" --model "$tiny" --float "$tinypt" --text "$work/text.txt" --no-build --cache "$work/cache"
  expect_error "no Verilated bench there" --model "$tiny" --float "$tinypt" --text "$work/text.txt" --tb "$work/nothing/tb"
  # A missing checkpoint.
  expect_error "float checkpoint not found" --model "$tiny" --float "$work/none.pt" --text "$work/text.txt"
  exit 0
fi

# tiny: a full run, the bench built into a fresh cache. The Verilator bench builds with -Wall
# (lint warnings are fatal), so a design the emitter does not make lint-clean cannot be
# cosimulated: then a small model is trained here (200 deterministic steps, a few seconds) and
# used instead.
model=$tiny; pt=$tinypt; text=$work/text.txt; prompt="GNU "
pipe=()
case $mode in pipe[12]) pipe=(--pipeline-head "${mode#pipe}") ;; tiny | context) ;; *) echo "cosim_test: unknown mode $mode"; exit 2 ;; esac
if [ "$mode" = context ]; then
  head -c 30000 "$corpus" | tr -cd 'a-z \n' > "$work/corpus.txt"
  "$tg" train --corpus "$work/corpus.txt" -o "$work/ctx.json" --hidden 16 --fanin 4 --head-fanin 6 --cell gated \
    --head-context 4 --steps 200 --batch 16 --bptt 32 --seed 1 --threads 1 --quiet
  grep -q '"context"' "$work/ctx.json" || { echo "FAIL: the trained model has no head.context table"; exit 1; }
  model=$work/ctx.json; pt=$work/ctx.pt; prompt="the "
  head -c 1500 "$work/corpus.txt" > "$text"  # three float chunks of 512: the context code carries over
fi
lint_clean() { "$tg" gen "$1" -o "$work/lintgen" "${pipe[@]}" 2>/dev/null && verilator --lint-only -Wall "$work/lintgen/tg_core.v" > "$work/lint.log" 2>&1; }
if ! lint_clean "$model"; then
  echo "NOTE: the generated design of $model is not lint-clean ($(grep -m1 -o 'Warning-[A-Z]*' "$work/lint.log")): an emitter defect; training a small model instead"
  head -c 30000 "$corpus" | tr -cd 'a-z \n' > "$work/corpus.txt"
  "$tg" train --corpus "$work/corpus.txt" -o "$work/small.json" --hidden 16 --fanin 4 --head-fanin 6 --cell gated \
    --steps 200 --batch 16 --bptt 32 --seed 1 --threads 1 --quiet
  model=$work/small.json; pt=$work/small.pt; prompt="the "
  head -c 2000 "$work/corpus.txt" > "$text"
  lint_clean "$model" || { echo "SKIP: neither tiny.json nor the small trained model gives a lint-clean design ${pipe[*]} (emitter defect: $(grep -m1 '%Warning' "$work/lint.log"))"; exit 0; }
fi
"$tg" cosim --model "$model" --float "$pt" --text "$text" --prompt "$prompt" --generate 80 "${pipe[@]}" \
  --json "$work/report.json" --cache "$work/cache" | tee "$work/out.log"
grep -q "\"pipeline_head\": ${mode#pipe}" "$work/report.json" || [ "$mode" = tiny ] || [ "$mode" = context ] || { echo "FAIL: report does not name the pipeline head"; exit 1; }
grep -q '"pass": true' "$work/report.json" || { echo "FAIL: report does not pass"; exit 1; }
grep -q '"rtl_reference_agreement": 1.0' "$work/report.json" || { echo "FAIL: RTL/reference agreement below 100%"; exit 1; }
grep -q '"bpc_rtl_equals_reference": true' "$work/report.json" || { echo "FAIL: RTL BPC differs"; exit 1; }
grep -q '"rtl_equals_reference": true' "$work/report.json" || { echo "FAIL: generation differs"; exit 1; }
# The reference BPC is `tritgate eval`'s on the same text.
ev=$("$tg" eval "$model" --corpus "$text" --split all --json | sed -n 's/.*"bpc":\([-0-9.e]*\).*/\1/p')
rb=$(sed -n 's/.*"bpc_reference": \([-0-9.e]*\).*/\1/p' "$work/report.json")
awk -v a="$ev" -v b="$rb" 'BEGIN { d = a - b; if (d < 0) d = -d; if (a == "" || d > 1e-9) { print "FAIL: eval " a " != cosim reference " b; exit 1 } print "PASS: cosim reference bpc " b " = eval " a }'
# A second run reuses the cached bench (--no-build must not fail).
"$tg" cosim --model "$model" --float "$pt" --text "$text" --cache "$work/cache" --no-build "${pipe[@]}" > /dev/null
echo "PASS: cosim on $(basename "$model")"
