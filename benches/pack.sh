#!/usr/bin/env bash
# Peak memory and time of the print pack (`letters --format pdf --combine`, streamed to disk) for
# N synthetic supporters (default 10,000) of the shipped Juraev campaign (three letters each),
# measured with `/usr/bin/time -v` (maximum resident set size). It works on a RAM file system
# (/dev/shm) by default: this machine's root ext4 has no journal, and creating and deleting big
# files there measures the disk, not the pack.
# Usage: benches/pack.sh [N] [mixed|LANG] [FLAGS...], e.g. benches/pack.sh 100000 mixed --duplex
# BENCH_DIR=DIR works elsewhere; APPEAL=path/to/appeal times that binary instead of building one
# (e.g. an older build, for a before-and-after figure).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000}
lang=${2:-mixed}
shift $(($# < 2 ? $# : 2))
if [ -z "${APPEAL:-}" ]; then
  cargo build --release --quiet
  APPEAL="${CARGO_TARGET_DIR:-target}/release/appeal"
fi
work=$(mktemp -d -p "${BENCH_DIR:-/dev/shm}")
trap 'rm -rf "$work"' EXIT
python3 benches/supporters.py "$n" "$lang" > "$work/supporters.csv"
before=$(date +%s.%N)
/usr/bin/time -v "$APPEAL" letters campaigns/juraev-2011.yaml --supporters "$work/supporters.csv" \
    --out "$work/out" --date 2011-04-01 --format pdf --combine "$@" 2> "$work/time" >"$work/summary" || {
  cat "$work/summary" "$work/time" >&2
  exit 1
}
after=$(date +%s.%N)
pack=$work/out/juraev-2011/print-pack.pdf
written=$(grep -o '^[0-9]* letter' "$work/summary" | grep -o '[0-9]*')
bytes=$(stat -c %s "$pack")
python3 - "$written" "$before" "$after" "$bytes" "$n" "$lang" "$*" <<'PY'
import sys
w, t0, t1, size, n, lang, flags = sys.argv[1:]
w, t, size = int(w), float(t1) - float(t0), int(size)
print(f"{w} letters ({lang}) for {n} supporters in one pack{' ' + flags if flags else ''}: "
      f"{t:.2f} s, {w / t:.0f} letters/s; {size / 1e6:.1f} MB, {size / w:.0f} bytes a letter")
PY
peak=$(grep 'Maximum resident set size' "$work/time" | grep -o '[0-9]*$')
user=$(grep 'User time' "$work/time" | grep -o '[0-9.]*$')
sys=$(grep 'System time' "$work/time" | grep -o '[0-9.]*$')
echo "$((peak / 1024)) MB peak RSS ($peak KB), $user s user CPU, $sys s system CPU"
if command -v pdfinfo >/dev/null 2>&1; then
  echo "$(pdfinfo "$pack" | grep '^Pages:' | tr -s ' ')"
fi
echo "machine: $(nproc) cores, $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(( $(grep MemTotal /proc/meminfo | grep -o '[0-9]*') / 1024 / 1024 )) GB"
