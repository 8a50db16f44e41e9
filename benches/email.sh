#!/usr/bin/env bash
# Times the release binary on N synthetic supporters (default 10,000) writing Russian letters to
# the Prosecutor General of the shipped Juraev campaign as email: `appeal queue` into a fresh
# outbox, then `appeal send --rate off` to a local SMTP server (Python's aiosmtpd, made in a venv
# on first use, as in CI). Prints messages per second and peak memory for each.
# Usage: benches/email.sh [N]; BENCH_DIR=/dev/shm puts the outbox on another file system.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
n=${1:-10000}
cargo build --release --quiet
work=$(mktemp -d -p "${BENCH_DIR:-${TMPDIR:-/tmp}}")
server_pid=
trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"' EXIT
source "$root/.ci/start_smtp.sh"
proj="$work/project"
mkdir -p "$proj"
cp -r campaigns recipients "$proj/"
sed -i 's|^    fax: "+7 495 987 58 41"$|&\n    email: "prosecutor@genproc.test"|' "$proj/recipients/russia.yaml"
printf 'from: "Amnesty Bench <appeals@amnesty.test>"\n' > "$proj/appeal.yaml"
python3 benches/supporters.py "$n" ru > "$work/supporters.csv"
cd "$proj"
bin="${CARGO_TARGET_DIR:-$root/target}/release/appeal"
t0=$(date +%s.%N)
/usr/bin/time -f "%M KB peak, %e s wall, %U s user CPU, %S s system CPU" "$bin" queue campaigns/juraev-2011.yaml \
    --supporters "$work/supporters.csv" --date 2011-04-01 > "$work/queue.out" 2> "$work/queue.err"
t1=$(date +%s.%N)
queued=$(grep -o '^[0-9]* message' "$work/queue.out" | grep -o '[0-9]*')
python3 -c "print(f'queue: {$queued} messages for $n supporters in {$t1-$t0:.2f} s: {$queued/($t1-$t0):.0f} messages/s')"
tail -1 "$work/queue.err"
t0=$(date +%s.%N)
/usr/bin/time -f "%M KB peak, %e s wall, %U s user CPU" "$bin" send --smtp "$smtp" --rate off --allow-late \
    > "$work/send.out" 2> "$work/send.err" || true
t1=$(date +%s.%N)
sent=$(grep -c '^sent ' "$work/send.out" || true)
python3 -c "print(f'send: {$sent} messages in {$t1-$t0:.2f} s: {$sent/($t1-$t0):.0f} messages/s to aiosmtpd on 127.0.0.1')"
tail -1 "$work/send.err"
echo "machine: $(nproc) cores, $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
