#!/usr/bin/env bash
# Command-line behaviour: help and version, clear errors with non-zero exits, and no half
# files over good ones.
set -uo pipefail
build=$(realpath "$1")
tg=$build/tritgate
work=$build/cli_test; rm -rf "$work"; mkdir -p "$work"
fails=0; passes=0
ok()   { passes=$((passes+1)); }
bad()  { echo "FAIL: $*"; fails=$((fails+1)); }
# expect_fail EXPECTED_RC FRAGMENT... -- command
expect_fail() {
  local rc=$1; shift; local frags=()
  while [ "$1" != "--" ]; do frags+=("$1"); shift; done; shift
  local out; out=$("$@" 2>&1); local got=$?
  [ $got -eq "$rc" ] || { bad "'$*' exited $got, expected $rc: $out"; return; }
  for f in "${frags[@]}"; do
    grep -qF -- "$f" <<<"$out" || { bad "'$*' output lacks '$f': $out"; return; }
  done
  ok
}
"$tg" --help | grep -q "commands:" && ok || bad "--help"
"$tg" --version | grep -q "^tritgate [0-9]" && ok || bad "--version"
for c in random-model check gen eval run synth-report; do
  "$tg" $c --help | grep -q "usage: tritgate $c" && ok || bad "$c --help"
done
expect_fail 2 "unknown command 'frobnicate'" -- "$tg" frobnicate
expect_fail 1 "missing.json: cannot open" -- "$tg" check "$work/missing.json"

"$tg" random-model --hidden 6 --vocab 4 --fanin 2 --seed 1 -o "$work/good.json" 2>/dev/null || bad "random-model"
head -c 300 "$work/good.json" > "$work/trunc.json"
expect_fail 1 "trunc.json: not valid JSON" -- "$tg" check "$work/trunc.json"
sed 's/"version": 1/"version": 9/' "$work/good.json" > "$work/v9.json"
expect_fail 1 "v9.json: version: expected 1, got 9" -- "$tg" check "$work/v9.json"
expect_fail 1 "--fanin: expected 0..6" -- "$tg" random-model --hidden 6 --fanin 7 -o "$work/x.json"
[ -e "$work/x.json" ] && bad "random-model wrote a file for impossible options" || ok
expect_fail 1 "--vocab: expected 1..256" -- "$tg" random-model --vocab 0 -o "$work/x.json"
expect_fail 1 "--token-units: needs --layers 1 and --levels 1" -- "$tg" random-model --layers 2 --token-units 4 -o "$work/x.json"
expect_fail 1 "--token-units: expected 0..1024, got -1" -- "$tg" random-model --token-units -1 -o "$work/x.json"

# A failed random-model must not touch an existing good file.
cp "$work/good.json" "$work/keep.json"
expect_fail 1 "--hidden" -- "$tg" random-model --hidden 0 -o "$work/keep.json"
cmp -s "$work/good.json" "$work/keep.json" && ok || bad "keep.json changed by a failed run"

# gen: a bad model leaves an earlier generation untouched.
"$tg" gen "$work/good.json" -o "$work/gen" 2>/dev/null || bad "gen good"
cp "$work/gen/tg_core.v" "$work/core.before"
expect_fail 1 "trunc.json" -- "$tg" gen "$work/trunc.json" -o "$work/gen"
cmp -s "$work/gen/tg_core.v" "$work/core.before" && ok || bad "gen overwrote output on error"
expect_fail 1 "unknown pass 'bogus'" "known passes: drop-zero" -- "$tg" gen "$work/good.json" -o "$work/gen3" --passes drop-zero,bogus
expect_fail 1 "--top: expected a Verilog identifier" -- "$tg" gen "$work/good.json" -o "$work/gen3" --top "1x"
expect_fail 1 "--fold-token-units needs the tree style" -- "$tg" gen "$work/good.json" -o "$work/gen3" --style naive --fold-token-units
"$tg" gen --list-passes | grep -q "^fold-const" && ok || bad "--list-passes"

# head.context (a table of the last two tokens): check, eval, eval-fast, run and gen (all
# outputs) read it; options it cannot serve are refused by name and write nothing.
"$tg" random-model --hidden 6 --vocab 4 --fanin 2 --seed 2 --context 2 -o "$work/ctx.json" 2>/dev/null || bad "random-model --context"
"$tg" check "$work/ctx.json" | grep -q "a table of the last two tokens on 2 logits" && ok || bad "check: context summary"
"$tg" gen "$work/ctx.json" -o "$work/gen_ctx" 2>/dev/null && grep -q "ctx_mem" "$work/gen_ctx/tg_core.v" && ok || bad "gen of a context model"
expect_fail 1 "head.context table needs the tree style" -- "$tg" gen "$work/ctx.json" -o "$work/gen_ctx2" --style naive
[ -e "$work/gen_ctx2" ] && bad "gen wrote output for an impossible option" || ok
"$tg" random-model --hidden 6 --vocab 200 --fanin 2 --seed 2 --context 2 -o "$work/ctx200.json" 2>/dev/null || bad "random-model vocab 200"
expect_fail 1 "--context-load: 16 address bits (vocabulary 200)" -- "$tg" gen "$work/ctx200.json" -o "$work/gen_ctx3" --context-load
[ -e "$work/gen_ctx3" ] && bad "gen wrote output for an impossible option" || ok
"$tg" gen "$work/ctx.json" -o "$work/gen_ctx4" --bitslice-cpp 2>/dev/null && grep -q "kCtx\[" "$work/gen_ctx4/tg_bitslice.hpp" && ok || bad "gen --bitslice-cpp of a context model"
printf 'eat a tea at ate ' > "$work/ctx.txt"  # the random model's vocabulary: " eta"
"$tg" eval "$work/ctx.json" --corpus "$work/ctx.txt" --split all | grep -q "bits/char" && ok || bad "eval of a context model"
# one chunk from reset: the bit-sliced evaluator must print the reference's number exactly
bpc_ref=$("$tg" eval "$work/ctx.json" --corpus "$work/ctx.txt" --split all | grep -o '[0-9.]* bits/char')
bpc_fast=$("$tg" eval-fast "$work/ctx.json" --corpus "$work/ctx.txt" --split all --chunks 1 | grep -o '[0-9.]* bits/char')
[ -n "$bpc_ref" ] && [ "$bpc_ref" = "$bpc_fast" ] && ok || bad "eval-fast of a context model: '$bpc_fast', eval: '$bpc_ref'"
expect_fail 1 "--context: expected 0..4 logits" -- "$tg" random-model --vocab 4 --context 5 -o "$work/x.json"
sed 's/"logits": \[\([0-9]*\), [0-9]*\]/"logits": [\1, \1]/' "$work/ctx.json" > "$work/ctx_dup.json"
expect_fail 1 "ctx_dup.json" "head.context.logits[1]" "appears twice" -- "$tg" check "$work/ctx_dup.json"

# eval: characters outside the vocabulary are named with their offset.
printf 'hello \001 world\n' > "$work/text.txt"
expect_fail 1 "text.txt (all split): byte offset" "is not in the model's vocabulary" -- "$tg" eval "$work/good.json" --corpus "$work/text.txt" --split all
expect_fail 1 "--split: expected train, val or all" -- "$tg" eval "$work/good.json" --corpus "$work/text.txt" --split test
expect_fail 1 "unknown device 'zz9'" "known devices:" -- "$tg" synth-report --stage fit --stat /dev/null --device zz9

echo "$passes passed, $fails failed"
[ $fails -eq 0 ]
