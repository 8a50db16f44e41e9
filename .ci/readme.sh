#!/usr/bin/env bash
# Every command the README shows, run exactly as written in a fresh clone of the repository (a
# new user's first hour): the `sh` blocks are read from README.md, continuation lines joined, and
# each command runs in the clone's folder. The exit status each command must give is the one the
# README tells the reader; commands that need what a fresh clone cannot have (your own SMTP
# server and password, an installed binary) are listed and skipped, with the reason.
# Run by .ci/run; the clone builds into the CI's target folder, so only `appeal` itself compiles.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git clone -q "$root" "$work/clone"
cd "$work/clone"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"

# The commands, one a line, from the README's ```sh blocks (comments after `#` are kept: the
# shell ignores them, as it would for a reader who pastes them).
python3 - "$work/clone/README.md" > "$work/commands" <<'PY'
import sys
lines, block, pending = [], False, ""
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.rstrip("\n")
    if line.startswith("```"):
        block = line.strip() == "```sh" if not block else False
        continue
    if not block:
        continue
    if line.rstrip().endswith("\\"):
        pending += line.rstrip()[:-1] + " "
        continue
    lines.append(pending + line)
    pending = ""
for l in lines:
    if l.strip():
        print(l)
PY

# The status the README promises for a command (by a part of it), 0 for the others.
expected() {
  case "$1" in
    *"send --dry-run"*) echo 1 ;;                                   # "the dry run says they would expire (and exits 1)"
    *"check campaigns/kazakh-journalist-2026.yaml"*) echo 1 ;;     # "each blank still to fill"
    *) echo 0 ;;
  esac
}

ran=0
while IFS= read -r cmd; do
  case "$cmd" in
    "cargo install"*) echo "skip (installs into ~/.cargo/bin): $cmd"; continue ;;
    "cargo test"*) echo "skip (.ci/run runs the test suite): $cmd"; continue ;;
    "APPEAL_SMTP_PASSWORD=..."*) echo "skip (needs your own SMTP server and password): $cmd"; continue ;;
  esac
  want=$(expected "$cmd")
  set +e
  bash -c "$cmd" >"$work/out" 2>&1
  got=$?
  set -e
  if [ "$got" != "$want" ]; then
    echo "ci: the README's command exits $got, the README says $want: $cmd"
    cat "$work/out"
    exit 1
  fi
  echo "ok (exit $got): $cmd"
  ran=$((ran + 1))
done < "$work/commands"

# What the README says the commands leave behind.
test -n "$(find letters/juraev-2011/blank -name '*.txt' -print -quit)"
test -n "$(find letters/juraev-2011/eva-muster -name '*.pdf' -print -quit)"
test -n "$(find outbox/ready -type f -print -quit)"
test -f campaigns/kazakh-journalist-2026.yaml
test -f juraev-2011.en.pdf
grep -q BEGIN:VCALENDAR deadlines.ics
echo "ran $ran README commands as written in a fresh clone; their files are where the README says"
