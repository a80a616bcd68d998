#!/bin/bash
# The quality/area frontier (issue 3): for each row, a ternary-weight/binary-state model, the
# float model of the same topology trained for the same number of steps, and the iCE40 LUT4
# estimate of the quantised model. Prints ONE markdown table and writes frontier.tsv and
# frontier.svg (validation BPC against LUT4) under $OUT.
#
#   bench/quality/run.sh > table.md          (from the repository root; progress on stderr)
#
# Each row is HIDDEN:FANIN:HEAD_FANIN:STEPS:RECIPE, RECIPE one of
#   sh    the H = 256 recipe of bench/quality/RESULTS.md (gated, --delta 0.3, --qat-lr 1.333e-2)
#   up5k  stop 16's models/default.json (gated, --weight-ema 0.999, --head-token 4)
#   ctx   the command of models/default.json: up5k with --head-context 16 (a table of the last
#         two tokens; its LUT4 here leaves the table's memory out, as it does block RAM)
# Per row, three jobs (JOBS at a time, one thread each, so rows that run side by side share the
# machine alike):
#   int    tritgate train RECIPE --steps N                         (float stages: the first N/2)
#   float  tritgate train RECIPE --steps 2N --stop-after N+1       (float stages end at step N: the
#          float comparator, given the int model's whole step budget as float training)
#   lut    tritgate gen --fold-token-units + yosys synth_ice40 -top tg_core (LUT4 only: no block
#          RAM, no place and route; SYNTH_TIMEOUT s)
# Environment: ROWS, SEED (1), JOBS (2), TG (build/tritgate), CORPUS
# (../shared/data/tinyshakespeare.txt), OUT (/tmp/tg_bench_quality), SYNTH_TIMEOUT (1800),
# REUSE=1 keeps finished jobs' outputs in OUT (a job whose output exists is not rerun).
set -euo pipefail
TG=${TG:-build/tritgate}
CORPUS=${CORPUS:-../shared/data/tinyshakespeare.txt}
ROWS=${ROWS:-"64:8:16:3000:sh 128:8:16:3000:sh 256:8:16:3000:sh 64:5:16:6000:up5k 64:5:16:6000:ctx"}
SEED=${SEED:-1}
JOBS=${JOBS:-2}
OUT=${OUT:-/tmp/tg_bench_quality}
SYNTH_TIMEOUT=${SYNTH_TIMEOUT:-1800}
REUSE=${REUSE:-0}
[ -x "$TG" ] || { echo "run.sh: $TG not found (make build)" >&2; exit 1; }
[ -f "$CORPUS" ] || { echo "run.sh: corpus $CORPUS not found" >&2; exit 1; }
command -v yosys > /dev/null || { echo "run.sh: yosys not found (scripts/install-deps.sh)" >&2; exit 1; }
mkdir -p "$OUT"
TG=$(realpath "$TG"); CORPUS=$(realpath "$CORPUS"); HERE=$(dirname "$(realpath "$0")")

recipe() {
  case $1 in
    sh) echo "--cell gated --threads 1 --surrogate int --stochastic --soft-frac 0.3 --tau-end 0.05 --lr 2e-2 --qat-lr 1.333e-2 --delta 0.3" ;;
    up5k) echo "--cell gated --threads 1 --lr 2e-2 --surrogate int --stochastic --soft-frac 0.3 --tau-end 0.05 --weight-ema 0.999 --head-token 4" ;;
    ctx) echo "--cell gated --threads 1 --lr 2e-2 --surrogate int --stochastic --soft-frac 0.3 --tau-end 0.05 --weight-ema 0.999 --head-token 4 --head-context 16" ;;
    *) echo "run.sh: unknown recipe '$1' (sh, up5k, ctx)" >&2; return 1 ;;
  esac
}
throttle() { while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n || true; done; }
job() {  # job NAME OUTPUT CMD...: runs CMD (log in $OUT/NAME.log) unless REUSE=1 and OUTPUT exists
  local n=$1 o=$2; shift 2
  if [ "$REUSE" = 1 ] && [ -e "$o" ]; then echo "run.sh: reuse $n" >&2; return 0; fi
  echo "run.sh: start $n $(date -u +%H:%M:%S)" >&2
  local t0=$SECONDS
  if "$@" > "$OUT/$n.log" 2>&1; then echo "$((SECONDS - t0))" > "$OUT/$n.seconds"; echo "run.sh: done $n ($((SECONDS - t0)) s)" >&2
  else echo "run.sh: $n failed, see $OUT/$n.log" >&2; fi
}
lut() {  # lut TAG: gen + yosys on $OUT/TAG.json
  local g="$OUT/gen_$1"
  "$TG" gen "$OUT/$1.json" -o "$g" --fold-token-units &&
    timeout "$SYNTH_TIMEOUT" yosys -q -p "read_verilog $g/tg_core.v; synth_ice40 -top tg_core; tee -o $g/stat.txt stat"
}

declare -a tags=()
for row in $ROWS; do
  IFS=: read -r H K K2 N R <<< "$row"
  opts="--hidden $H --fanin $K --head-fanin $K2 $(recipe "$R") --seed $SEED"
  tag="h${H}_k${K}_k${K2}_n${N}_${R}_s${SEED}"; tags+=("$tag|$row")
  # shellcheck disable=SC2086
  throttle; job "$tag" "$OUT/$tag.json" "$TG" train --corpus "$CORPUS" -o "$OUT/$tag.json" $opts --steps "$N" &
  # shellcheck disable=SC2086
  throttle; job "${tag}_float" "$OUT/${tag}_float.log" "$TG" train --corpus "$CORPUS" -o "$OUT/${tag}_float.json" $opts \
    --steps $((2 * N)) --stop-after $((N + 1)) &
done
wait
for t in "${tags[@]}"; do
  tag=${t%%|*}
  [ -f "$OUT/$tag.json" ] || continue
  throttle; job "${tag}_lut" "$OUT/gen_$tag/stat.txt" lut "$tag" &
done
wait

: > "$OUT/frontier.tsv"
echo "Command: \`ROWS=\"$ROWS\" SEED=$SEED bench/quality/run.sh\`, $(date -u +%Y-%m-%d), $(nproc) cores, $JOBS jobs at a time."
echo
echo "| hidden | fan-in | head fan-in | recipe | steps | float params | nonzero weights | units (hidden + token) | val BPC float, N/2 float steps | val BPC float, N float steps | val BPC int | gap to N-step float | minutes int | minutes float | iCE40 LUT4 | FF |"
echo "|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for t in "${tags[@]}"; do
  tag=${t%%|*}; row=${t#*|}
  if [ ! -f "$OUT/$tag.json" ]; then echo "| $row | training failed, see $OUT/$tag.log |"; continue; fi
  python3 - "$OUT" "$tag" "$row" <<'PY' | tee -a "$OUT/frontier.tsv.md"
import json, os, re, sys
out, tag, row = sys.argv[1:4]
H, K, K2, N, R = row.split(":")
m = json.load(open(f"{out}/{tag}.json")); p = m["provenance"]
V = len(m["vocab"]); h = p["hidden"]; banks = 2 if m["cell"] == "gated" else 1
params = banks * (V * h + h * h + h) + V * h + V + (V * V if p.get("head_token", 0) else 0)
params += (V + 1) ** 2 * p.get("head_context", 0)  # the table of the last two tokens
def nz(rows):
    return sum(sum(c != "0" for c in r) if isinstance(r, str) else sum(1 for x in r if x) for r in rows)
nzw = sum(nz(b["recurrent"]) for l in m["layers"] for b in [l] + ([l["gate"]] if "gate" in l else []))
nzw += nz(m["head"]["weights"])
units = m["layers"][0]["units"]; hid = sum(1 for u in p["kept_units"][0] if u < h)
log = open(f"{out}/{tag}_float.log").read()
f = re.findall(r"float stages done at step \d+: val ([0-9.]+) bpc", log)
fN = float(f[0]) if f else float("nan")
fmin = int(open(f"{out}/{tag}_float.seconds").read()) / 60 if os.path.exists(f"{out}/{tag}_float.seconds") else float("nan")
lut = ff = "n/a"
st = f"{out}/gen_{tag}/stat.txt"
if os.path.exists(st):
    s = open(st).read()
    mm = re.search(r"SB_LUT4\s+(\d+)", s); lut = mm.group(1) if mm else "n/a"
    ff = str(sum(int(x) for x in re.findall(r"SB_DFF\w*\s+(\d+)", s)))
print(f"| {H} | {K} | {K2} | {R} | {N} | {params} | {nzw} | {hid} + {units - hid} | {p['val_bpc_float']:.3f} | {fN:.3f} | "
      f"{p['val_bpc']:.3f} | {p['val_bpc'] - fN:.3f} | {p['minutes']:.1f} | {fmin:.1f} | {lut} | {ff} |")
with open(f"{out}/frontier.tsv", "a") as t:
    t.write("\t".join(map(str, [H, K, K2, N, R, p["val_bpc_float"], fN, p["val_bpc"], lut])) + "\n")
PY
done
rm -f "$OUT/frontier.tsv.md"
python3 "$HERE/plot_frontier.py" "$OUT/frontier.tsv" "$OUT/frontier.svg"
echo
echo "Picture: $OUT/frontier.svg. Minutes are wall clock of the training loop (int) and of the whole float run (float)."
