#!/bin/bash
# Recipe comparison at one size (issue 3): trains the float stages ONCE per seed (`--stop-after`),
# then branches every recipe off that checkpoint (`--resume` with other quantisation options), so
# the rows of one seed share their float model exactly and differ only in the quantised stages.
# Also trains the float comparator: the same topology given the whole step budget as float
# stages (`--steps 2N --stop-after N+1`: its float stages end at step N). Prints one markdown table.
#
#   bench/quality/branch.sh > table.md        (from the repository root; progress on stderr)
#
# Environment (defaults = the H = 256 rows of bench/quality/RESULTS.md):
#   TG      tritgate binary (build/tritgate)       CORPUS  ../shared/data/tinyshakespeare.txt
#   SHAPE   topology and shared options            STEPS   total steps of a run (3000)
#   SEEDS   "1 2 3"                                 JOBS    runs at a time (2)
#   RECIPES "name=options;name=options" (added to SHAPE, replacing SHAPE's own value of an
#           option they repeat; "-" for none). Only quantisation options may differ from the
#           float stage's run (the checkpoint refuses another shape).
#   OUT     work directory (/tmp/tg_bench_branch)   FLOAT   1: also train the float comparator
set -euo pipefail
TG=${TG:-build/tritgate}
CORPUS=${CORPUS:-../shared/data/tinyshakespeare.txt}
SHAPE=${SHAPE:-"--hidden 256 --fanin 8 --head-fanin 16 --cell gated --threads 1 --surrogate int --stochastic --soft-frac 0.3 --tau-end 0.05 --lr 2e-2 --qat-lr 1.333e-2"}
STEPS=${STEPS:-3000}
SEEDS=${SEEDS:-"1 2 3"}
JOBS=${JOBS:-2}
RECIPES=${RECIPES:-"delta0.3=--delta 0.3"}
OUT=${OUT:-/tmp/tg_bench_branch}
FLOAT=${FLOAT:-1}
[ -x "$TG" ] || { echo "branch.sh: $TG not found (make build)" >&2; exit 1; }
[ -f "$CORPUS" ] || { echo "branch.sh: corpus $CORPUS not found" >&2; exit 1; }
mkdir -p "$OUT"
TG=$(realpath "$TG"); CORPUS=$(realpath "$CORPUS")
HALF=$((STEPS / 2))

run() {  # run NAME SHAPE ARGS...: one training run, its log in $OUT/NAME.log
  local n=$1 shape=$2; shift 2
  echo "branch.sh: start $n" >&2
  # shellcheck disable=SC2086
  "$TG" train --corpus "$CORPUS" -o "$OUT/$n.json" $shape "$@" > "$OUT/$n.log" 2>&1 ||
    { echo "branch.sh: $n failed, see $OUT/$n.log" >&2; return 1; }
  echo "branch.sh: done $n" >&2
}
# SHAPE without the options a recipe gives again (the recipe's value wins; tritgate refuses an
# option given twice). An option's value is the next word unless that starts with --.
shape_for() {
  local -a shape rec out=()
  read -r -a shape <<< "$SHAPE"; read -r -a rec <<< "$1"
  local i
  for ((i = 0; i < ${#shape[@]}; i++)); do
    local a=${shape[i]}
    if [[ $a == --* && " ${rec[*]} " == *" $a "* ]]; then
      if ((i + 1 < ${#shape[@]})) && [[ ${shape[i + 1]} != --* ]]; then i=$((i + 1)); fi
      continue
    fi
    out+=("$a")
  done
  echo "${out[*]}"
}
throttle() { while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n || true; done; }

# 1. float stages per seed (and the float comparator)
for s in $SEEDS; do
  throttle; run "float_s$s" "$SHAPE" --steps "$STEPS" --seed "$s" --stop-after "$HALF" &
  if [ "$FLOAT" = 1 ]; then throttle; run "floatonly_s$s" "$SHAPE" --steps $((2 * STEPS)) --seed "$s" --stop-after $((STEPS + 1)) & fi
done
wait
# 2. recipes branched off each seed's float stages
IFS=';' read -r -a recs <<< "$RECIPES"
for s in $SEEDS; do
  for r in "${recs[@]}"; do
    name=${r%%=*}; opts=${r#*=}; [ "$opts" = "-" ] && opts=""
    cp "$OUT/float_s$s.ckpt.pt" "$OUT/${name}_s$s.ckpt.pt"
    cp "$OUT/float_s$s.ckpt.pt.opt" "$OUT/${name}_s$s.ckpt.pt.opt"
    # shellcheck disable=SC2086
    throttle; run "${name}_s$s" "$(shape_for "$opts")" --steps "$STEPS" --seed "$s" --resume $opts &
  done
done
wait

fbpc() { sed -n 's/.*float stages done at step [0-9]*: val \([0-9.]*\) bpc.*/\1/p' "$1" | head -1; }
echo "Command: \`SHAPE=\"$SHAPE\" STEPS=$STEPS SEEDS=\"$SEEDS\" RECIPES=\"$RECIPES\" bench/quality/branch.sh\`, $(date -u +%Y-%m-%d)"
echo
echo "| recipe | seed | val BPC float (end of float stages, step $HALF) | val BPC float, $STEPS float steps | val BPC int | gap to float stages | gap to $STEPS-step float | units kept | minutes |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for r in "${recs[@]}"; do
  name=${r%%=*}
  for s in $SEEDS; do
    j="$OUT/${name}_s$s.json"
    [ -f "$j" ] || { echo "| $name | $s | failed |"; continue; }
    ff=$(fbpc "$OUT/${name}_s$s.log"); fo="n/a"
    [ "$FLOAT" = 1 ] && fo=$(fbpc "$OUT/floatonly_s$s.log")
    python3 - "$j" "$name" "$s" "$ff" "$fo" <<'PY'
import json, sys
j, name, seed, ff, fo = sys.argv[1:]
p = json.load(open(j))["provenance"]
q = p["val_bpc"]
g2 = f"{q - float(fo):.3f}" if fo not in ("", "n/a") else "n/a"
units = sum(len(k) for k in p.get("kept_units", [])) or "?"
print(f"| {name} | {seed} | {float(ff):.3f} | {fo if fo else 'n/a'} | {q:.3f} | {q - float(ff):.3f} | {g2} | {units} | {p['minutes']:.2f} |")
PY
  done
done
