#!/bin/sh
# Command-line smoke test of `tritgate analyze` and `tritgate query`: every output file is
# written, the HTML page is offline, answers and exit codes (0 answer, 1 error, 3 timeout).
# usage: cli_test.sh path/to/tritgate
set -eu
T="$1"
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
fail() { echo "cli_test: FAIL: $*" >&2; exit 1; }
expect_rc() {  # expect_rc RC PATTERN command...   (PATTERN searched in stdout+stderr)
  want=$1; pat=$2; shift 2
  set +e; "$@" >"$D/out.txt" 2>&1; rc=$?; set -e
  [ "$rc" = "$want" ] || { cat "$D/out.txt" >&2; fail "exit $rc (wanted $want): $*"; }
  grep -q -- "$pat" "$D/out.txt" || { cat "$D/out.txt" >&2; fail "no '$pat' in the output of: $*"; }
}

"$T" analyze --help | grep -q -- "--output" || fail "analyze --help"
"$T" query --help | grep -q -- "--neuron" || fail "query --help"

"$T" random-model --hidden 12 --vocab 5 --degenerate --seed 4 -o "$D/m.json" 2>/dev/null
"$T" analyze "$D/m.json" -o "$D/rep" 2>/dev/null
for f in index.html report.json graph.dot graph.graphml graph.json graph.svg graph.png machine.aag transition.cnf; do
  [ -s "$D/rep/$f" ] || fail "analyze did not write $f"
done
if grep -Eq '(src|href)="(https?:)?//' "$D/rep/index.html"; then fail "index.html refers to an external URL"; fi
grep -q 'data:image/png;base64,' "$D/rep/index.html" || fail "index.html does not embed the picture"

cat >"$D/k.json" <<'EOF'
{"format": "tritgate-model", "version": 1, "name": "known", "vocab": [97, 98, 99], "cell": "elman",
 "layers": [{"units": 4, "levels": 1, "input": ["+00", "000", "0+0", "000"],
             "recurrent": ["0000", "+0+0", "0000", "+000"], "thresholds": [1, 2, 1, 1]}],
 "head": {"weights": ["000+", "0000", "0000"], "bias": [0, 1, -5], "logit_scale": 1.0}}
EOF
expect_rc 0 '^no: h1 stays off .*bound 4' "$T" query "$D/k.json" activate --neuron n1 --steps 4
expect_rc 0 '^yes: h3 switches on at step 2' "$T" query "$D/k.json" activate --neuron n3 --steps 4
expect_rc 0 '^yes: token a(0)' "$T" query "$D/k.json" emit --token a
expect_rc 0 '^no: no state emits token c(2)' "$T" query "$D/k.json" emit --token c
expect_rc 0 '"answer":"yes"' "$T" query "$D/k.json" reach --text ab --steps 3 --json
expect_rc 0 '^yes: 1 of 3 tokens can flip register h0' "$T" query "$D/k.json" flip --neuron h0 --partial h0=0
expect_rc 0 'exported' "$T" query "$D/k.json" export --cnf "$D/t.cnf" --aiger "$D/t.aag"
head -n 1 "$D/t.aag" | grep -q '^aag ' || fail "AIGER header"
grep -q '^p cnf ' "$D/t.cnf" || fail "DIMACS header"

expect_rc 1 "'n9' does not exist" "$T" query "$D/k.json" activate --neuron n9 --steps 4
expect_rc 1 'at least 1, got 0' "$T" query "$D/k.json" activate --neuron n3 --steps 0
expect_rc 1 'at least 1, got -3' "$T" query "$D/k.json" reach --text ab --steps -3
expect_rc 1 "not in the model's vocabulary" "$T" query "$D/k.json" emit --token z
expect_rc 1 "register 'h7' does not exist" "$T" query "$D/k.json" flip --neuron n0 --partial h7=1
sed 's/\[1, 2, 1, 1\]/[1, 9, 1, 1]/' "$D/k.json" >"$D/bad.json"
expect_rc 1 'bad.json' "$T" query "$D/bad.json" emit --token a
expect_rc 1 'bad.json' "$T" analyze "$D/bad.json" -o "$D/x"

# Missing external programs name their Debian package.
expect_rc 1 'Debian package cadical' env PATH=/nonexistent "$T" query "$D/k.json" emit --token a
expect_rc 1 'Debian package berkeley-abc' env PATH=/nonexistent "$T" analyze "$D/k.json" -o "$D/y"

"$T" random-model --hidden 64 --vocab 16 --fanin 6 --seed 2 -o "$D/big.json" 2>/dev/null
expect_rc 3 '^timeout: .*did not finish' "$T" query "$D/big.json" reach --text eeeeeeee --steps 64 --timeout 0.001
echo "cli_test: ok"
