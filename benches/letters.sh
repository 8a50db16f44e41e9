#!/usr/bin/env bash
# Times the release binary end to end on N synthetic supporters (default 10,000) for the shipped
# Juraev campaign (three letters per supporter), and prints letters per second, peak memory and,
# for PDF, bytes per letter. LANG picks the letters' language: `mixed` (default: de, fr, en, es, ru
# by the supporter's country, names in several scripts), or one language for all letters, e.g.
# `ru` (Cyrillic) or `ar` (right to left, shaped), with names in that language's script.
# Usage: benches/letters.sh [N] [txt|pdf] [mixed|LANG]; BENCH_DIR=/dev/shm writes to another file system.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000}
format=${2:-txt}
lang=${3:-mixed}
cargo build --release --quiet
work=$(mktemp -d -p "${BENCH_DIR:-${TMPDIR:-/tmp}}")
trap 'rm -rf "$work"' EXIT
python3 benches/supporters.py "$n" "$lang" > "$work/supporters.csv"
letters_before=$(date +%s.%N)
/usr/bin/time -f "%M KB peak, %e s wall, %U s user CPU, %S s system CPU" "${CARGO_TARGET_DIR:-target}/release/appeal" letters campaigns/juraev-2011.yaml \
    --supporters "$work/supporters.csv" --out "$work/out" --date 2011-04-01 --format "$format" 2> "$work/time" >"$work/summary"
letters_after=$(date +%s.%N)
written=$(grep -o '^[0-9]* letter' "$work/summary" | grep -o '[0-9]*')
python3 -c "import sys; w=int('$written'); t=$letters_after-$letters_before; print(f'{w} $format letters ($lang) for $n supporters in {t:.2f} s: {w/t:.0f} letters/s')"
tail -1 "$work/time"
if [ "$format" = pdf ]; then
  bytes=$(find "$work/out" -name '*.pdf' -printf '%s\n' | awk '{ s += $1; n++ } END { printf "%.0f bytes per PDF letter on average (%d letters)", s / n, n }')
  echo "$bytes"
fi
echo "machine: $(nproc) cores, $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
