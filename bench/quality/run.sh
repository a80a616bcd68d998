#!/bin/sh
# Quality benchmark (issue 3): trains one float + ternary/binary model per (hidden, fan-in) row on
# tinyshakespeare for the same number of minutes and prints ONE markdown table of validation
# bits per character, sizes and (when yosys is installed) the iCE40 LUT4 estimate of the
# generated core (`tritgate gen` + `yosys synth_ice40 -top tg_core`).
#
#   bench/quality/run.sh [MINUTES] > bench/quality/RESULTS.md      (from the repository root)
#
# Environment: STEPS (train a fixed number of steps instead of MINUTES: reproducible, and fair on
# a shared machine), TG (the tritgate binary, default build-train/tritgate), CORPUS (default
# ../shared/data/tinyshakespeare.txt), ROWS ("hidden:fanin:head_fanin:cell[:distill] ..."), OUT (work dir).
set -eu
MIN=${1:-3}
TG=${TG:-build-train/tritgate}
CORPUS=${CORPUS:-../shared/data/tinyshakespeare.txt}
ROWS=${ROWS:-"64:5:8:gated 64:5:8:gated:0.5 128:8:12:gated 256:8:16:gated"}
OUT=${OUT:-/tmp/tg_bench_quality}
EXTRA=${EXTRA:-}                 # extra train options for every row, e.g. "--surrogate int"
SYNTH_TIMEOUT=${SYNTH_TIMEOUT:-300}
STEPS=${STEPS:-}
if [ -n "$STEPS" ]; then BUDGET="--steps $STEPS"; else BUDGET="--minutes $MIN"; fi
mkdir -p "$OUT"
[ -x "$TG" ] || { echo "run.sh: $TG not found (build it: make -C build-train tritgate)" >&2; exit 1; }
[ -f "$CORPUS" ] || { echo "run.sh: corpus $CORPUS not found" >&2; exit 1; }

echo "# Validation BPC on tinyshakespeare: float vs ternary-weight/binary-state models"
echo
echo "Command: \`STEPS=\"$STEPS\" ROWS=\"$ROWS\" EXTRA=\"$EXTRA\" bench/quality/run.sh $MIN\`, $(date -u +%Y-%m-%d), $(nproc) CPU cores shared with other jobs."
echo "Each row: \`tritgate train $BUDGET $EXTRA\` (seed 1); minutes are the training loop's wall clock."
echo "LUT4: \`tritgate gen\` + \`yosys synth_ice40 -top tg_core\` (no place and route), ${SYNTH_TIMEOUT} s limit."
echo "Float = the float model of the same topology (fan-in masks, sigmoid state) at the end of the float stages;"
echo "int = the exported integer model, scored by the same rule as \`tritgate eval\`."
echo
echo "| hidden | fan-in | head fan-in | cell | distill | float params | nonzero weights (int model) | units kept | minutes | steps | tok/s | val BPC float | val BPC int | iCE40 LUT4 |"
echo "|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for row in $ROWS; do
  H=${row%%:*}; r=${row#*:}; K=${r%%:*}; r=${r#*:}; K2=${r%%:*}; r=${r#*:}; CELL=${r%%:*}; D=0
  case "$r" in *:*) D=${r#*:};; esac
  TAG="h${H}_k${K}_k${K2}_${CELL}_d${D}"
  M="$OUT/$TAG.json"
  "$TG" train --corpus "$CORPUS" -o "$M" --hidden "$H" --fanin "$K" --head-fanin "$K2" --cell "$CELL" \
    --distill "$D" $BUDGET $EXTRA -q > "$OUT/train_$TAG.log" 2>&1 || { echo "| $H | $K | $K2 | $CELL | $D | training failed, see $OUT/train_$TAG.log |"; continue; }
  LUT="n/a"
  if command -v yosys > /dev/null 2>&1; then
    G="$OUT/gen_$TAG"
    if "$TG" gen "$M" -o "$G" > /dev/null 2>&1 &&
       timeout "$SYNTH_TIMEOUT" yosys -q -p "read_verilog $G/tg_core.v; synth_ice40 -top tg_core; tee -o $G/stat.txt stat" > /dev/null 2>&1; then
      LUT=$(awk '/SB_LUT4/ {print $2; exit}' "$G/stat.txt")
    else
      LUT="timeout"
    fi
  fi
  python3 - "$M" "$LUT" <<'PY'
import json, sys
m = json.load(open(sys.argv[1])); p = m["provenance"]
V = len(m["vocab"]); H = p["hidden"]; gated = m["cell"] == "gated"; L = p["layers"]
banks = 2 if gated else 1
Lv = m["layers"][0].get("levels", 1)  # state bits per unit
params = banks * (V * H + H * H * Lv + H) + (L - 1) * banks * (2 * H * H * Lv + H) + V * H * Lv + V + L * H * (Lv - 1)
def nz_rows(rows):
    return sum(sum(1 for c in r if c != '0') if isinstance(r, str) else sum(1 for x in r if x) for r in rows)
nz = 0
for l in m["layers"]:
    for b in [l] + ([l["gate"]] if "gate" in l else []):
        nz += nz_rows(b["recurrent"]) + nz_rows(b["input"])
nz += nz_rows(m["head"]["weights"])
units = sum(l["units"] for l in m["layers"])
print(f"| {H} | {p['fanin']} | {p['head_fanin']} | {m['cell']} | {p['distill']} | {params} | {nz} | {units} | {p['minutes']:.2f} | {p['steps']} | "
      f"{p['tokens_per_s']:.0f} | {p['val_bpc_float']:.3f} | {p['val_bpc']:.3f} | {sys.argv[2]} |")
PY
done
echo
echo "Anchors measured on this machine earlier: n-gram orders 1-4: 3.59, 2.94, 2.55, 2.37 val BPC; float GRU H=128 10 min: 2.34."
