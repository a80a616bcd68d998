#!/usr/bin/env bash
# bench/tokens/sim_speed.sh: how fast Verilator simulates each rendering of the same model,
# as a ratio to the C++ reference on the same tokens in the same process (tb --ref-speed, CPU
# time, --no-check: only the model in the timed loop). Renderings: the gate-level adder trees
# (what synthesis reads) or their arithmetic form (gen --sim-arith, built with TG_SIM_ARITH=1),
# each with the token tables decoded in logic or read from the token ROM (gen --token-rom).
# One run, one table. usage: bench/tokens/sim_speed.sh [MODEL.json ...]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
tg=${TG:-$root/build/tritgate}
work=${WORK:-$root/build/bench_sim_speed}
tokens=${TOKENS:-300000}
models=("$@")
[ ${#models[@]} -gt 0 ] || models=("$root/models/default.json" "$root/models/random64.json")
printf '| model | token tables | adder trees | Verilator tok/s | reference tok/s | Verilator / reference |\n|---|---|---|---:|---:|---:|\n'
for m in "${models[@]}"; do
  name=$(basename "$m" .json)
  for rom in logic rom; do
    flags=(--sim-arith); [ $rom = rom ] && flags+=(--token-rom)
    d=$work/$name-$rom
    rm -rf "$d"; "$tg" gen "$m" -o "$d/gen" "${flags[@]}" > /dev/null
    for form in gates arith; do
      echo "sim_speed: $name $rom $form: building ..." >&2
      TG_SIM_ARITH=$([ $form = arith ] && echo 1 || echo 0) "$root/sim/build_tb.sh" "$d/gen" "$d/tb-$form" > /dev/null
      # Correctness first (every cycle against the reference and the model file), then speed.
      "$d/tb-$form/tb" --model "$m" --random 5000 --gaps 0.05 --resets 0.001 --seed 1 --quiet
      line=$("$d/tb-$form/tb" --model "$m" --random "$tokens" --seed 3 --no-check --ref-speed | grep 'ref-speed')
      rtl=$(echo "$line" | sed -n 's/.*rtl \([0-9]*\) tokens\/s.*/\1/p')
      ref=$(echo "$line" | sed -n 's/.*reference \([0-9]*\) tokens\/s.*/\1/p')
      ratio=$(echo "$line" | sed -n 's/.*rtl\/reference \([0-9.]*\).*/\1/p')
      printf '| %s | %s | %s | %s | %s | %s |\n' "$name" "$rom" "$form" "$rtl" "$ref" "$ratio"
    done
  done
done
