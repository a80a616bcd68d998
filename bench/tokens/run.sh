#!/usr/bin/env bash
# Token-generation benchmark: one run, one table of tokens per second for
#   float      the float model (libtorch, batch 1, one thread, one forward call per token), and
#              a plain torch::nn::GRUCell of the same size as the usual float baseline
#   reference  the generated C++ reference tg_ref.hpp, one core: its AVX-512 rendering
#              (g++ -O2 -march=native) and its portable per-term rendering (g++ -O2)
#   bit-sliced gen/bitslice's interpreter and the compiled tg_bitslice.hpp (gen --bitslice-cpp),
#              one core, 512 streams (8 words of 64); ratios against the AVX-512 reference
#   Verilator  sim/tb_core.cpp, --no-check --ref-speed (one token per clock, free-running): the
#              ratio is against the reference run on the same tokens in the same process (same
#              count, same compiler flags, one core), printed by the bench itself; also the same
#              bench on the --sim-arith --token-rom rendering (the fastest to simulate); the
#              bench's same-process reference is the per-term rendering (-O2): both ratios shown
#   SystemC    sim/sc_main.cpp (verilator --sc), --no-check --ref-speed
#   Icarus     iverilog/vvp on a shorter stream, every cycle checked against the reference
#   FPGA       Fmax x one token per clock, from build/ice40/<model>/report.json when present
# All in greedy generation (the prediction fed back), at H = 64, 128, 256 random gated models
# (fan-in 8, vocabulary 65) and models/default.json (with its float checkpoint) when present.
# usage: [ONLY=REGEX] bench/tokens/run.sh [BUILD_DIR]   (ONLY: the rows whose name matches; BUILD_DIR needs tritgate, libtglib.a and
#        tg_bench_float: make -C BUILD_DIR tritgate tg_bench_float)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(realpath "${1:-$root/build}")
tg=$build/tritgate
out=$build/bench_tokens
mkdir -p "$out"
for f in "$tg" "$build/libtglib.a" "$build/tg_bench_float"; do
  [ -e "$f" ] || { echo "bench/tokens: $f missing (make -C $build tritgate tg_bench_float)" >&2; exit 2; }
done
N_REF=${N_REF:-10000000}; N_VL=${N_VL:-1000000}; N_SC=${N_SC:-200000}; N_IV=${N_IV:-1500}; N_FL=${N_FL:-20000}

declare -a names models floats
for H in 64 128 256; do
  "$tg" random-model --hidden "$H" --vocab 65 --fanin 8 --head-fanin 8 --cell gated --seed "$H" -o "$out/h$H.json" 2>/dev/null
  names+=("random H=$H"); models+=("$out/h$H.json"); floats+=("--hidden $H --vocab 65 --cell gated")
done
if [ -f "$root/models/default.json" ] && [ -f "$root/models/default.pt" ]; then
  names+=("models/default.json"); models+=("$root/models/default.json"); floats+=("--model $root/models/default.json --float $root/models/default.pt")
fi
# The synthesised random model, for the FPGA figure (random float weights of the same shape).
if [ -f "$root/models/random64.json" ] && [ -f "$root/build/ice40/random64/report.json" ]; then
  names+=("models/random64.json"); models+=("$root/models/random64.json")
  floats+=("--hidden 64 --vocab 32 --cell $(sed -n 's/.*"cell": *"\([a-z]*\)".*/\1/p' "$root/models/random64.json" | head -1)")
fi

num() { sed -n "s/.*$1 \([0-9.]*\).*/\1/p" | head -1; }
rows=()
for i in "${!models[@]}"; do
  m=${models[$i]}; name=${names[$i]}; stem=$(basename "$m" .json); w=$out/$stem
  [[ "$name" =~ ${ONLY:-.} ]] || continue  # ONLY=REGEX: the rows whose name matches
  rm -rf "$w"; mkdir -p "$w"
  "$tg" gen "$m" -o "$w/gen" --bitslice-cpp 2> "$w/gen.log"
  H=$(sed -n 's/.*"model_state_bits": \([0-9]*\).*/\1/p' "$w/gen/gen_report.json")
  echo "== $name: float model" >&2
  # shellcheck disable=SC2086
  "$build/tg_bench_float" ${floats[$i]} --tokens "$N_FL" > "$w/float.txt"
  fl=$(num float_tok_s < "$w/float.txt"); gru=$(num gru_tok_s < "$w/float.txt")
  echo "== $name: reference and bit-sliced" >&2
  # The reference twice: its AVX-512 rendering (-march=native) and the per-term rendering that
  # the Verilator and SystemC benches' own reference uses (-O2, no popcount instruction).
  g++ -std=c++20 -O2 -march=native -Wno-uninitialized -I"$w/gen" -I"$root/gen" "$root/bench/tokens/native_bench.cpp" "$build/libtglib.a" -lfmt -o "$w/native"
  "$w/native" "$m" "$N_REF" 8 > "$w/native.txt"
  ref=$(num reference_tok_s < "$w/native.txt"); bs=$(num bitslice_tok_s < "$w/native.txt"); bsc=$(num bitslice_cpp_tok_s < "$w/native.txt")
  mkdir -p "$w/gen_noc"; cp "$w/gen/tg_ref.hpp" "$w/gen_noc/"  # no tg_bitslice.hpp: reference only
  g++ -std=c++20 -O2 -I"$w/gen_noc" -I"$root/gen" "$root/bench/tokens/native_bench.cpp" "$build/libtglib.a" -lfmt -o "$w/native_pt"
  "$w/native_pt" "$m" "$N_REF" 1 > "$w/native_pt.txt"
  grep -q "reference_path per-term" "$w/native_pt.txt" || { echo "bench/tokens: -O2 did not give the per-term reference" >&2; exit 1; }
  refp=$(num reference_tok_s < "$w/native_pt.txt")
  echo "== $name: Verilator (gate RTL, then --sim-arith --token-rom)" >&2
  TG_BUILD=$build "$root/sim/build_tb.sh" "$w/gen" "$w/tb" > /dev/null
  "$w/tb/tb" --model "$m" --free "$N_VL" --no-check --ref-speed > "$w/tb.txt"
  vl=$(sed -n 's/.*ref-speed:.* rtl \([0-9]*\) tokens\/s.*/\1/p' "$w/tb.txt"); vlr=$(sed -n 's/.*rtl\/reference \([0-9.]*\).*/\1/p' "$w/tb.txt")
  "$tg" gen "$m" -o "$w/gen_fast" --sim-arith --token-rom 2>> "$w/gen.log"
  TG_SIM_ARITH=1 TG_BUILD=$build "$root/sim/build_tb.sh" "$w/gen_fast" "$w/tb_fast" > /dev/null
  "$w/tb_fast/tb" --model "$m" --random 3000 --seed 1 --quiet  # correctness of this rendering first
  "$w/tb_fast/tb" --model "$m" --free "$N_VL" --no-check --ref-speed > "$w/tb_fast.txt"
  vf=$(sed -n 's/.*ref-speed:.* rtl \([0-9]*\) tokens\/s.*/\1/p' "$w/tb_fast.txt"); vfr=$(sed -n 's/.*rtl\/reference \([0-9.]*\).*/\1/p' "$w/tb_fast.txt")
  echo "== $name: SystemC, Icarus" >&2
  TG_BUILD=$build "$root/sim/build_sc_tb.sh" "$w/gen" "$w/sc" > /dev/null
  "$w/sc/sc_tb" --model "$m" --free "$N_SC" --no-check --ref-speed > "$w/sc.txt"
  sc=$(sed -n 's/.*ref-speed:.* rtl \([0-9]*\) tokens\/s.*/\1/p' "$w/sc.txt"); scr=$(sed -n 's/.*rtl\/reference \([0-9.]*\).*/\1/p' "$w/sc.txt")
  iv=$(TG_IV_MIX="1 0 0" "$root/sim/run_iverilog.sh" "$w/gen" "$w/iv" "$N_IV" 1 | sed -n 's/.* \([0-9]*\) cycles\/s.*/\1/p')
  fpga="n/a"
  rep=$root/build/ice40/$stem/report.json
  if [ -f "$rep" ]; then
    fmax=$(sed -n 's/.*"fmax_mhz": \([0-9.]*\).*/\1/p' "$rep")
    [ -n "$fmax" ] && fpga=$(awk -v f="$fmax" 'BEGIN { printf "%.0f (%.2f MHz)", f * 1e6, f }')
  fi
  rows+=("$(awk -v n="$name" -v h="$H" -v fl="$fl" -v gru="$gru" -v ref="$ref" -v refp="$refp" -v bs="$bs" -v bsc="$bsc" -v vl="$vl" -v vlr="$vlr" -v vf="$vf" -v vfr="$vfr" -v sc="$sc" -v scr="$scr" -v iv="$iv" -v fp="$fpga" 'BEGIN {
    printf "| %s | %d | %.3gk | %.3gk | %.3gM (%.0fx float) | %.3gM (%.0fx float) | %.3gM (%.1fx ref) | %.3gM (%.1fx ref) | %.3gM (%.3fx / %.3fx) | %.3gM (%.3fx / %.3fx) | %.3gk (%.3fx / %.3fx) | %.0f (1/%.0f of Verilator) | %s |",
      n, h, fl / 1e3, gru / 1e3, ref / 1e6, ref / fl, refp / 1e6, refp / fl, bs / 1e6, bs / ref, bsc / 1e6, bsc / ref,
      vl / 1e6, vlr, vl / ref, vf / 1e6, vfr, vf / ref, sc / 1e3, scr, sc / ref, iv, vf / iv, fp }')")
done
{
  echo "| model | state bits | float model (libtorch, 1 thread) | plain GRUCell (libtorch, 1 thread) | C++ reference, AVX-512 (-O2 -march=native) | C++ reference, per-term (-O2) | bit-sliced interpreter (512 streams) | bit-sliced compiled (512 streams) | Verilator, gate RTL (x per-term ref same process / x AVX-512 ref) | Verilator, --sim-arith --token-rom (same) | SystemC, gate RTL (same) | Icarus (checked per cycle) | FPGA (Fmax x 1 token/clock) |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
} | tee "$out/results.md"
