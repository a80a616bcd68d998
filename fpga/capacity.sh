#!/usr/bin/env bash
# How large a model fits a board, measured: random models of several hidden sizes (one layer,
# elman, the given fan-in for the recurrent rows and the head, the given vocabulary) are
# generated and synthesised with yosys (synth_ice40 of the board's top, so that what the top
# leaves out of the core, e.g. the argmax tree of the UART top, is not counted); a
# least-squares line LUTs = a + b * hidden is fitted; the largest hidden size whose design
# stays within the device's LUT4 count (times UTIL) is reported, then checked by synthesising
# a model of that size. The board logic alone (top with the core as a black box) is reported
# too. Writes a JSON summary.
# usage: fpga/capacity.sh TG DEVICE "TOP_SRC" TOP "TOP_PARAMS" FANIN VOCAB "HIDDEN_LIST" UTIL OUT_JSON
set -euo pipefail
tg=$1; device=$2; top_src=$3; top=$4; top_params=$5; fanin=$6; vocab=$7; hidden_list=$8; util=$9; out=${10}
# Synthesis (synth_ice40) does not depend on the iCE40 device: points are shared between
# boards with the same top under build/capacity/ and reused when present.
# Generator options (the board's GEN_FLAGS, e.g. --token-rom) are part of the cache key.
gen_flags=${TG_GEN_FLAGS:-}
work=build/capacity/$top-k$fanin-v$vocab$(echo "$gen_flags" | tr -c 'a-z0-9\n' '_' | sed 's/^_*/-/;s/-$//')
mkdir -p "$work"

core_luts() {  # hidden -> LUT4 count of the whole design (core and board top)
  local h=$1 d=$work/h$1
  mkdir -p "$d"
  if [ ! -s "$d/stat.json" ]; then
    "$tg" random-model --hidden "$h" --vocab "$vocab" --fanin "$fanin" --head-fanin "$fanin" --seed 1 -o "$d/m.json" 2>/dev/null
    # shellcheck disable=SC2086
    "$tg" gen "$d/m.json" -o "$d/gen" $gen_flags 2>/dev/null
    yosys -q -l "$d/yosys.log" -p "read_verilog -I$d/gen $d/gen/tg_core.v $top_src; $top_params synth_ice40 -top $top; tee -q -o $d/stat.json.tmp stat -json" >/dev/null
    mv "$d/stat.json.tmp" "$d/stat.json"
  fi
  python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['design']['num_cells_by_type'].get('SB_LUT4', 0))" "$d/stat.json"
}
core_brams() {  # hidden -> block RAMs of the design (after core_luts)
  python3 -c "import json,sys; c=json.load(open(sys.argv[1]))['design']['num_cells_by_type']; print(sum(v for k, v in c.items() if k.startswith('SB_RAM')))" "$work/h$1/stat.json"
}

pts=()
for h in $hidden_list; do
  t0=$(date +%s)
  l=$(core_luts "$h")
  echo "capacity: hidden $h, fan-in $fanin, vocab $vocab: $l LUT4 ($top), $(( $(date +%s) - t0 )) s" >&2
  pts+=("$h:$l:$(core_brams "$h")")
done

board=0
if [ "$top" != tg_top_core ]; then
  g=$work/h$(echo $hidden_list | awk '{print $1}')/gen
  yosys -q -p "read_verilog -I$g $g/tg_core.v $top_src; $top_params blackbox tg_core; synth_ice40 -top $top; tee -q -o $work/stat_board_$top.json stat -json" >/dev/null
  board=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['design']['num_cells_by_type'].get('SB_LUT4', 0))" "$work/stat_board_$top.json")
fi
echo '{"lut4_lower_bound": 0}' > "$work/zero.json"
cap=$("$tg" synth-report --stage estimate --gen-report "$work/zero.json" --device "$device" 2>&1 | sed -n 's/.* has \([0-9]*\)$/\1/p')
bram_cap=$(python3 -c "import json,sys; print({'up5k':30,'up3k':20,'hx1k':16,'lp1k':16,'hx4k':20,'hx8k':32,'lp8k':32}.get(sys.argv[1],0))" "$device")
[ -n "$cap" ] || { echo "capacity: cannot read the LUT capacity of $device" >&2; exit 1; }

python3 - "$out" "$device" "$cap" "$board" "$fanin" "$vocab" "$util" "$bram_cap" "$gen_flags" "${pts[@]}" <<'PY'
import json, sys
out, device, cap, board, fanin, vocab, util = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), float(sys.argv[7])
bram_cap, gen_flags = int(sys.argv[8]), sys.argv[9]
pts3 = [tuple(map(int, p.split(":"))) for p in sys.argv[10:]]
pts = [(h, l) for h, l, _ in pts3]
# Block RAMs (gen --token-rom) grow with the units too: the largest hidden size within the
# device's EBRs from the measured points (brams per unit of the largest point, rounded up).
hb = max(pts3)
bram_hmax = int(bram_cap * hb[0] / hb[2]) if bram_cap and hb[2] else None
n = len(pts)
mx = sum(h for h, _ in pts) / n
my = sum(l for _, l in pts) / n
sxx = sum((h - mx) ** 2 for h, _ in pts)
b = sum((h - mx) * (l - my) for h, l in pts) / sxx if sxx else 0.0
a = my - b * mx
budget = cap * util
hmax = int((budget - a) / b) if b > 0 else None
lut_hmax = hmax
if hmax is not None and bram_hmax is not None and bram_hmax < hmax:
    hmax = bram_hmax
worst = max(abs(l - (a + b * h)) / l for h, l in pts if l)
r = {"device": device, "lut_capacity": cap, "utilisation_limit": util, "board_logic_luts": board, "fanin": fanin,
     "vocab": vocab, "gen_flags": gen_flags, "bram_capacity": bram_cap,
     "points": [{"hidden": h, "luts": l, "brams": e} for h, l, e in pts3],
     "max_hidden_by_luts": lut_hmax, "max_hidden_by_brams": bram_hmax,
     "fit": {"luts_per_unit": round(b, 3), "intercept": round(a, 1), "worst_relative_error": round(worst, 4)},
     "max_hidden": hmax}
json.dump(r, open(out, "w"), indent=2)
if hmax is not None and hmax < 1:
    r["max_hidden"] = hmax = 0
    json.dump(r, open(out, "w"), indent=2)
verdict = (f"largest hidden about {hmax}" if hmax else
           f"no model of this vocabulary and fan-in fits: the fixed part ({a:.0f}, board logic {board} included) "
           f"already exceeds {cap * util:.0f}; use a smaller vocabulary or head fan-in")
print(f"capacity: {device}: LUT4 ~ {a:.0f} + {b:.2f} x hidden (fan-in {fanin}, vocab {vocab}; worst point off by "
      f"{100 * worst:.1f}%; board logic alone {board}), capacity {cap} x {util}: {verdict}")
PY
hmax=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['max_hidden'] or 0)" "$out")
if [ "${CHECK:-1}" = 1 ] && [ "$hmax" -gt 0 ]; then
  l=$(core_luts "$hmax")
  e=$(core_brams "$hmax")
  python3 - "$out" "$hmax" "$l" "$e" <<'PY'
import json, sys
out, h, l, e = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
r = json.load(open(out))
fits = l <= r["lut_capacity"] and (not r["bram_capacity"] or e <= r["bram_capacity"])
r["check"] = {"hidden": h, "luts": l, "brams": e, "fits": fits}
json.dump(r, open(out, "w"), indent=2)
print(f"capacity: check: hidden {h} synthesised: {l} LUT4 of {r['lut_capacity']}, {e} block RAMs of "
      f"{r['bram_capacity']} ({'fits' if fits else 'does NOT fit'})")
PY
fi
echo "capacity: -> $out" >&2
