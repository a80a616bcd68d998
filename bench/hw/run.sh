#!/usr/bin/env bash
# bench/hw: LUT4 and Fmax on the iCE40 UP5K for the naive behavioural RTL against tritgate's
# optimised RTL (with and without a pipelined head), beside the lower bound
# sum ceil((k_i - 1) / 3) over the neurons' input counts. One run, one table; ratios are
# against the naive row of the same model, measured in the same run.
# usage: bench/hw/run.sh [MODEL.json ...]   (default: the fixed list below)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
tg=${TG:-$root/build/tritgate}
work=${WORK:-$root/build/bench_hw}
mkdir -p "$work"
models=("$@")
if [ ${#models[@]} -eq 0 ]; then
  "$tg" random-model --hidden 64 --vocab 32 --fanin 8 --head-fanin 8 --seed 1 -o "$work/r64_v32_k8.json" 2>/dev/null
  "$tg" random-model --hidden 128 --vocab 65 --fanin 8 --head-fanin 8 --seed 2 -o "$work/r128_v65_k8.json" 2>/dev/null
  models=("$work/r64_v32_k8.json" "$work/r128_v65_k8.json")
  [ -f "$root/models/default.json" ] && models+=("$root/models/default.json")
fi
variants=("naive|--style naive" "tree|" "tree+pipe2|--pipeline-head 2" "tree+rom|--token-rom"
          "tree+rom+pipe3|--token-rom --pipeline-head 3" "tree+rom+pipe4|--token-rom --pipeline-head 4"
          "tree+rom+units25+pipe3|--token-rom --unit-roms 25 --pipeline-head 3")
[ -n "${VARIANTS:-}" ] && IFS=';' read -r -a variants <<< "$VARIANTS"
printf '| model | RTL | LUT4 | vs naive | carries | EBR | FFs | Fmax MHz | vs naive | LUT4 lower bound | synth+pnr s |\n'
printf '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n'
for m in "${models[@]}"; do
  name=$(basename "$m" .json)
  base_luts=""; base_f=""
  for v in "${variants[@]}"; do
    vn=${v%%|*}; flags=${v#*|}
    d=$work/$name/$vn
    rm -rf "$d"; mkdir -p "$d"
    "$tg" gen "$m" -o "$d/gen" $flags 2>/dev/null
    t0=$(date +%s.%N)
    echo "bench/hw: $name $vn: yosys + nextpnr ..." >&2
    yosys -q -l "$d/yosys.log" -p "read_verilog -I$d/gen $d/gen/tg_core.v $root/rtl_templates/tg_top_core.v; synth_ice40 -top tg_top_core -json $d/synth.json; tee -q -o $d/stat.json stat -json" >/dev/null
    lb=$(grep -o '"lut4_lower_bound": [0-9]*' "$d/gen/gen_report.json" | grep -o '[0-9]*$')
    if ! "$tg" synth-report --stage fit --stat "$d/stat.json" --device up5k > "$d/fit.log" 2>&1; then
      luts=$(grep -o '"\$*SB_LUT4": [0-9]*' "$d/stat.json" | head -1 | grep -o '[0-9]*$')
      printf '| %s | %s | %s | | | | | does not fit the UP5K | | %s | |\n' "$name" "$vn" "${luts:-?}" "$lb"
      continue
    fi
    nextpnr-ice40 --up5k --package sg48 --json "$d/synth.json" --asc "$d/top.asc" --freq 48 --timing-allow-fail \
      --report "$d/pnr.json" -q -l "$d/nextpnr.log" 2>/dev/null
    secs=$(echo "$(date +%s.%N) - $t0" | bc)
    "$tg" synth-report --stat "$d/stat.json" --pnr "$d/pnr.json" --device up5k --model "$m" --seconds "$secs" -o "$d/report.json" >/dev/null
    get() { grep -o "\"$1\": [^,}]*" "$d/report.json" | head -1 | cut -d: -f2 | tr -d ' '; }
    luts=$(get luts); ffs=$(get ffs); car=$(get carries); f=$(get fmax_mhz); ebr=$(get brams)
    [ "$vn" = naive ] && { base_luts=$luts; base_f=$f; }
    rl=""; rf=""  # ratios only against a naive row of the same model that fit and was placed
    if [ -n "$base_luts" ]; then rl=$(echo "scale=2; $luts / $base_luts" | bc)x; rf=$(echo "scale=1; $f / $base_f" | bc)x; fi
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %.0f |\n' "$name" "$vn" "$luts" "$rl" "$car" "$ebr" "$ffs" "$f" "$rf" "$lb" "$secs"
  done
done
