#!/usr/bin/env bash
# Proven equivalence of optimised and plain netlists on small random models (degenerate ones
# give the passes work), and a corrupted design that the prover must reject.
set -euo pipefail
build=$(realpath "$1")
tg=$build/tritgate
work=$build/equiv_test; rm -rf "$work"; mkdir -p "$work"
i=0
for opts in "--hidden 10 --vocab 6 --fanin 3 --degenerate --seed 31" \
            "--hidden 6 --vocab 5 --fanin 2 --layers 2 --cell gated --degenerate --seed 32" \
            "--hidden 6 --vocab 9 --fanin 4 --levels 2 --degenerate --seed 33"; do
  i=$((i+1))
  "$tg" random-model $opts -o "$work/m$i.json" 2>/dev/null
  "$tg" equiv "$work/m$i.json" -o "$work/e$i" --timeout 300
done
# Token classes from the ROM (gen --token-rom), in its combinational form.
"$tg" equiv "$work/m3.json" -o "$work/rom" --token-rom --timeout 300
grep -q tok_cls "$work/rom/tg_opt.v" || { echo "FAIL: --token-rom left no token ROM in the optimised design"; exit 1; }
# A ROM word capped at 2 bits (gen --token-rom-bits): the first units' fields in the ROM, the others
# decoded from the token in LUTs, both proved.
"$tg" equiv "$work/m3.json" -o "$work/romcap" --token-rom --token-rom-bits 2 --timeout 300
grep -q "reg \[1:0\] tok_cls" "$work/romcap/tg_opt.v" || { echo "FAIL: --token-rom-bits 2 did not cap the ROM word at 2 bits"; exit 1; }
grep -q "case (tok)" "$work/romcap/tg_opt.v" || { echo "FAIL: --token-rom-bits 2 left no unit decoded in LUTs"; exit 1; }
# Token-only units folded into the head (gen --fold-token-units): one table of the last token's
# code per logit, in LUTs, then with a capped ROM word: some tables in the fold ROM, the rest in
# LUTs (the degenerate model also keeps some token-only units out of the fold).
"$tg" random-model --hidden 4 --vocab 12 --fanin 2 --cell gated --token-units 40 --degenerate --seed 34 -o "$work/m4.json" 2>/dev/null
"$tg" equiv "$work/m4.json" -o "$work/fold" --fold-token-units --timeout 300
grep -q "case (fold_code)" "$work/fold/tg_opt.v" || { echo "FAIL: --fold-token-units folded nothing"; exit 1; }
"$tg" equiv "$work/m4.json" -o "$work/foldrom" --fold-token-units --token-rom --token-rom-bits 48 --timeout 300
grep -q "Fold ROM: .*, 16 bits per code" "$work/foldrom/tg_opt.v" || { echo "FAIL: no 16-bit fold ROM under --token-rom-bits 48"; exit 1; }
grep -q "case (fold_code)" "$work/foldrom/tg_opt.v" || { echo "FAIL: no folded table left in LUTs under --token-rom-bits 48"; exit 1; }
# Units in ROMs of their own (gen --unit-roms), the rest through the token ROM.
"$tg" equiv "$work/m1.json" -o "$work/urom" --token-rom --unit-roms 4 --timeout 300
grep -q "_INIT\[" "$work/urom/tg_opt.v" || { echo "FAIL: --unit-roms left no unit ROM in the optimised design"; exit 1; }
# The arithmetic rendering of the adder trees (gen --sim-arith, read with TG_SIM_ARITH).
"$tg" equiv "$work/m2.json" -o "$work/arith" --sim-arith --token-rom --timeout 300
grep -q "_cnt = " "$work/arith/tg_opt.v" || { echo "FAIL: --sim-arith wrote no arithmetic rendering"; exit 1; }
# A trained model's integer token tables: thresholds stored in the ROM (and group indices).
"$tg" equiv "$(dirname "$0")/../models/tiny.json" -o "$work/rom_tiny" --token-rom --timeout 600
grep -q "_thr = tok_cls" "$work/rom_tiny/tg_opt.v" || { echo "FAIL: no threshold field in the token ROM"; exit 1; }
if "$tg" equiv "$work/m1.json" -o "$work/bad" --mutate > "$work/bad.log" 2>&1; then
  echo "FAIL: the prover accepted a corrupted design"; cat "$work/bad.log"; exit 1
fi
grep -q "NOT EQUIVALENT" "$work/bad.log" || { cat "$work/bad.log"; exit 1; }
echo "ok: corrupted design rejected"
