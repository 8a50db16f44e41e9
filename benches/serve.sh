#!/usr/bin/env bash
# Latency of `appeal serve` under load, measured with oha (a Rust HTTP load generator, installed
# with `cargo install oha --locked` when missing) against 127.0.0.1 on this machine: a supporter's
# letters downloaded as one PDF (the form posted with its cookie and token, as a browser posts
# it), C clients at once for S seconds; then the same for the action page. Prints oha's summary
# (requests/s, p50, p99) and the server's peak memory.
#
# The shipped Juraev campaign writes three letters per supporter (the Prosecutor General and two
# copies); `single` (the default) benchmarks a copy of it without copies: one letter, as the
# issue's "single-letter PDF download" asks; `three` benchmarks the campaign as shipped.
# Usage: benches/serve.sh [CONCURRENCY] [SECONDS] [single|three]
# APPEAL=path/to/appeal times that binary instead of building one; BENCH_DIR=DIR (default
# /dev/shm: this machine's root ext4 has no journal).
set -euo pipefail
cd "$(dirname "$0")/.."
clients=${1:-50}
seconds=${2:-20}
letters=${3:-single}
if ! command -v oha >/dev/null; then
  cargo install oha --locked --quiet
fi
if [ -z "${APPEAL:-}" ]; then
  cargo build --release --quiet
  APPEAL="$(pwd)/${CARGO_TARGET_DIR:-target}/release/appeal"
fi
# The server runs in its own folder: a relative APPEAL would not be found there.
APPEAL=$(realpath "$APPEAL")
work=$(mktemp -d -p "${BENCH_DIR:-/dev/shm}")
server=
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/campaigns"
cp -r recipients "$work/"
if [ "$letters" = single ]; then
  # The campaign without its `copies:` block: one letter per supporter.
  python3 - campaigns/juraev-2011.yaml "$work/campaigns/juraev-2011.yaml" <<'EOF'
import sys
lines, out, skip = open(sys.argv[1], encoding="utf-8").read().split("\n"), [], False
for line in lines:
    if line.startswith("copies:"):
        skip = True
        continue
    if skip and line and not line.startswith((" ", "-", "#")):
        skip = False
    if not skip:
        out.append(line)
open(sys.argv[2], "w", encoding="utf-8").write("\n".join(out))
EOF
else
  cp campaigns/juraev-2011.yaml "$work/campaigns/"
fi
(cd "$work" && exec "$APPEAL" serve --listen 127.0.0.1:0 --today 2011-04-01 \
  --posts-per-hour 1000000000 >"$work/stdout" 2>"$work/stderr") &
server=$!
for _ in $(seq 100); do
  grep -q listening "$work/stdout" 2>/dev/null && break
  sleep 0.1
done
base=$(sed -n 's/^listening on //p' "$work/stdout")
page=$(curl -s -c "$work/jar" "$base/action/juraev-2011")
token=$(printf '%s' "$page" | grep -o 'name="csrf" value="[0-9a-f]*"' | grep -o '[0-9a-f]\{64\}')
cookie=$(awk '$6 == "appeal_csrf" { print "appeal_csrf=" $7 }' "$work/jar")
body="csrf=$token&name=Eva+Muster&address=Hauptstra%C3%9Fe+1&postcode=10115&city=Berlin&country=DE&lang=ru&format=pdf"
check=$(curl -s -o "$work/check.pdf" -w '%{http_code} %{content_type}' -X POST -H "Cookie: $cookie" \
  -d "$body" "$base/action/juraev-2011/download")
# The page dictionaries are in compressed object streams: pdfinfo counts the pages.
pages=$(pdfinfo "$work/check.pdf" 2>/dev/null | awk '/^Pages:/ { print $2 }')
echo "one download: $check, $(stat -c %s "$work/check.pdf") bytes, $pages page(s) ($letters)"
echo
echo "== PDF download: $clients clients, ${seconds}s =="
oha --no-tui -c "$clients" -z "${seconds}s" -m POST -H "Cookie: $cookie" \
  -H "Content-Type: application/x-www-form-urlencoded" -d "$body" "$base/action/juraev-2011/download" |
  grep -E "Success rate|Requests/sec|Slowest|Fastest|Average|50.00%|90.00%|99.00%|99.90%|\[[0-9]{3}\]"
echo
echo "== action page: $clients clients, ${seconds}s =="
oha --no-tui -c "$clients" -z "${seconds}s" "$base/action/juraev-2011" |
  grep -E "Success rate|Requests/sec|50.00%|99.00%|\[[0-9]{3}\]"
echo
echo "server peak memory: $(awk '/VmHWM/ { print $2, $3 }' "/proc/$server/status")"
echo "machine: $(nproc) cores, $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
