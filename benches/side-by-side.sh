#!/usr/bin/env bash
# Runs `appeal` and a peer on the same letters, on the same machine, in the same run, and prints
# letters per second for each and their ratio (the median of RUNS repetitions, default 3, appeal
# and the peer taking turns). The letters are N synthetic supporters' (default 1,000; three letters
# each) to the shipped Juraev campaign, as in benches/letters.sh:
#   pdf    `appeal letters --format pdf` against Typst (benches/peers/typst_letters.py: one
#          compile and one PDF file per letter, one process per core) typesetting the text of
#          the same letters, which `appeal letters --format txt` writes first, untimed, with the
#          font files appeal embeds (pdffonts on one of its letters, then fc-match);
#   txt    `appeal letters --format txt` against Jinja2 rendering appeal's own letter templates
#          with the same data (benches/peers/jinja_letters.py, one process per core), and the
#          floor: the same files written with nothing rendered (benches/peers/files_alone.c,
#          built with cc), whose rate over the peer's is the most any ratio can be;
#   queue  `appeal queue` into a fresh outbox against the same Jinja2 script writing the messages
#          with Python's `email` into an outbox of the same layout (as benches/email.sh, the
#          Prosecutor General gets an email address: one message per supporter).
# The peers' header comments say what they do differently. They run in a venv made on first use
# from benches/peers/requirements.txt (benches/.venv, or PEERS_VENV).
# Usage: benches/side-by-side.sh [N] [pdf|txt|queue|all] [ru|ar|mixed|LANG]   (default 1000 all ru)
# It works on a RAM file system (/dev/shm) unless BENCH_DIR says otherwise: this machine's root
# ext4 has no journal, and creating many files there measures the disk (docs/benchmarks.md).
# The CPU ratio (user + system time per letter, the peer's over appeal's) moves less than the
# wall-clock ratio on a machine shared with other work.
# APPEAL=path/to/appeal times that binary instead of building one; RUNS=5 repeats more;
# TYPST_FRESH=1 makes Typst start a new compiler for every letter (see typst_letters.py).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
n=${1:-1000}
what=${2:-all}
lang=${3:-ru}
runs=${RUNS:-3}
case "$what" in pdf | txt | queue) formats=$what ;; all) formats="pdf txt queue" ;; *)
  echo "usage: benches/side-by-side.sh [N] [pdf|txt|queue|all] [LANG]" >&2
  exit 2
  ;;
esac
if [ -z "${APPEAL:-}" ]; then
  cargo build --release --quiet
  APPEAL="${CARGO_TARGET_DIR:-target}/release/appeal"
fi
APPEAL=$(realpath "$APPEAL")
venv=${PEERS_VENV:-$root/benches/.venv}
if ! cmp -s benches/peers/requirements.txt "$venv/installed.txt" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r benches/peers/requirements.txt
  cp benches/peers/requirements.txt "$venv/installed.txt"
fi
py=$venv/bin/python
work=$(mktemp -d -p "${BENCH_DIR:-/dev/shm}")
trap 'rm -rf "$work"' EXIT
python3 benches/supporters.py "$n" "$lang" > "$work/supporters.csv"
campaign=$root/campaigns/juraev-2011.yaml
date=2011-04-01
results=$work/results.tsv

# Times one command: appends "format tool letters wall user+system" to the results. The command
# prints "N letter(s) ..." or "N message(s) ..." as its summary.
timed() {
  local format=$1 tool=$2
  shift 2
  local t0 t1
  t0=$(date +%s.%N)
  /usr/bin/time -f "%U %S" -o "$work/time" "$@" > "$work/summary" 2> "$work/stderr" || {
    cat "$work/summary" "$work/stderr" >&2
    exit 1
  }
  t1=$(date +%s.%N)
  local count
  count=$(grep -o '^[0-9]* \(letter\|message\)' "$work/summary" | grep -o '[0-9]*')
  echo "$format $tool $count $t0 $t1 $(tail -1 "$work/time")" >> "$results"
}

# The font files appeal embeds, found by the names pdffonts gives (without the subset tag).
fonts() {
  "$APPEAL" letters "$campaign" --supporters <(head -2 "$work/supporters.csv") --out "$work/probe" \
    --date $date --format pdf > /dev/null 2>&1
  if command -v pdffonts > /dev/null; then
    pdffonts "$(find "$work/probe" -name '*.pdf' | head -1)" | tail -n +3 | awk '{ print $1 }' |
      sed 's/^[A-Z]\{6\}+//; s/-\(.*\)$/:style=\1/' | while read -r name; do fc-match -f '%{file}\n' "$name"; done
  else
    fc-match -f '%{file}\n' 'DejaVu Sans'
    fc-match -f '%{file}\n' 'DejaVu Sans:style=Bold'
  fi
  rm -rf "$work/probe"
}

for format in $formats; do
  case $format in
    pdf)
      mapfile -t font_files < <(fonts)
      "$APPEAL" letters "$campaign" --supporters "$work/supporters.csv" --out "$work/text" \
        --date $date --format txt > /dev/null 2>&1
      for run in $(seq "$runs"); do
        rm -rf "$work/out"
        timed pdf appeal "$APPEAL" letters "$campaign" --supporters "$work/supporters.csv" \
          --out "$work/out" --date $date --format pdf
        rm -rf "$work/out"
        timed pdf typst "$py" benches/peers/typst_letters.py "$work/text/juraev-2011" "$work/out" \
          "${font_files[@]}" ${TYPST_FRESH:+--fresh}
      done
      echo "fonts: ${font_files[*]}" >> "$work/notes"
      ;;
    txt)
      # The floor: the same files with nothing rendered (peers/files_alone.c), when a C
      # compiler is there (the build needs one: libdeflate, ring, jemalloc).
      floor=
      if cc -O2 -o "$work/files_alone" benches/peers/files_alone.c 2> /dev/null; then
        "$APPEAL" letters "$campaign" --supporters "$work/supporters.csv" --out "$work/text" \
          --date $date --format txt > /dev/null 2>&1
        (cd "$work/text" && find . -name '*.txt' -printf '%P %s\n' | sort) > "$work/manifest"
        rm -rf "$work/text"
        floor=1
      fi
      for run in $(seq "$runs"); do
        rm -rf "$work/out"
        timed txt appeal "$APPEAL" letters "$campaign" --supporters "$work/supporters.csv" \
          --out "$work/out" --date $date --format txt
        rm -rf "$work/out"
        timed txt jinja2 "$py" benches/peers/jinja_letters.py txt "$campaign" recipients \
          "$work/supporters.csv" "$work/out" --date $date
        if [ -n "$floor" ]; then
          rm -rf "$work/out"
          timed txt files "$work/files_alone" "$work/manifest" "$work/out" "$(nproc)"
        fi
      done
      ;;
    queue)
      # The shipped directory gives no email address: the Prosecutor General gets one, as in
      # benches/email.sh, and both sides read this copy.
      proj=$work/project
      rm -rf "$proj"
      mkdir -p "$proj"
      cp -r campaigns recipients "$proj/"
      sed -i 's|^    fax: "+7 495 987 58 41"$|&\n    email: "prosecutor@genproc.test"|' "$proj/recipients/russia.yaml"
      printf 'from: "Amnesty Bench <appeals@amnesty.test>"\n' > "$proj/appeal.yaml"
      for run in $(seq "$runs"); do
        rm -rf "$work/outbox"
        (cd "$proj" && timed queue appeal "$APPEAL" queue campaigns/juraev-2011.yaml \
          --supporters "$work/supporters.csv" --outbox "$work/outbox" --date $date)
        rm -rf "$work/outbox"
        timed queue jinja2 "$py" benches/peers/jinja_letters.py eml "$proj/campaigns/juraev-2011.yaml" \
          "$proj/recipients" "$work/supporters.csv" "$work/outbox" --date $date \
          --from "Amnesty Bench <appeals@amnesty.test>"
      done
      ;;
  esac
done

"$py" - "$results" "$n" "$lang" "$runs" "$(nproc)" <<'PY'
import os, statistics, sys
from importlib.metadata import version
path, n, lang, runs, cores = sys.argv[1:]
rows = {}
for line in open(path):
    fmt, tool, count, t0, t1, user, system = line.split()
    rows.setdefault((fmt, tool), []).append((int(count), float(t1) - float(t0), float(user) + float(system)))
fresh = " --fresh" if os.environ.get("TYPST_FRESH") else ""
labels = {"appeal": "appeal", "typst": f"typst {version('typst')} (Python){fresh}",
          "jinja2": f"Jinja2 {version('jinja2')} + email"}
what = {"pdf": "letters --format pdf", "txt": "letters --format txt", "queue": "queue"}
goals = {"pdf": 12, "txt": 10, "queue": 10}
for fmt in ("pdf", "txt", "queue"):
    if (fmt, "appeal") not in rows:
        continue
    peer = "typst" if fmt == "pdf" else "jinja2"
    print(f"{fmt} ({lang}), {n} supporters, median of {runs} runs, {cores} processes or threads each:")
    rates, cpus = {}, {}
    for tool in ("appeal", peer):
        runs_ = rows[(fmt, tool)]
        count = runs_[0][0]
        if any(r[0] != count for r in runs_):
            sys.exit(f"{tool} wrote different numbers of letters: {[r[0] for r in runs_]}")
        wall = statistics.median(r[1] for r in runs_)
        cpu = statistics.median(r[2] for r in runs_)
        rates[tool] = count / wall
        cpus[tool] = cpu / count
        name = f"appeal {what[fmt]}" if tool == "appeal" else labels[tool]
        print(f"  {name:<32} {count} in {wall:6.2f} s: {count / wall:8.0f}/s, "
              f"{cpu / count * 1e3:.2f} ms CPU each (all runs: {', '.join(f'{r[1]:.2f}' for r in runs_)} s)")
    if rows[(fmt, "appeal")][0][0] != rows[(fmt, peer)][0][0]:
        sys.exit(f"{fmt}: appeal and {peer} wrote different numbers of letters")
    ratio = rates["appeal"] / rates[peer]
    print(f"  ratio {ratio:.1f}x (goal: at least {goals[fmt]}x); CPU per letter {cpus[peer] / cpus['appeal']:.1f}x")
    if (fmt, "files") in rows:
        runs_ = rows[(fmt, "files")]
        count = runs_[0][0]
        if count != rows[(fmt, "appeal")][0][0]:
            sys.exit(f"{fmt}: the floor wrote {count} files, appeal {rows[(fmt, 'appeal')][0][0]}")
        wall = statistics.median(r[1] for r in runs_)
        cpu = statistics.median(r[2] for r in runs_)
        print(f"  {'files alone (C, nothing rendered)':<32} {count} in {wall:6.2f} s: {count / wall:8.0f}/s, "
              f"{cpu / count * 1e3:.2f} ms CPU each (all runs: {', '.join(f'{r[1]:.2f}' for r in runs_)} s)")
        print(f"  ceiling for one file per letter: {count / wall / rates[peer]:.1f}x the peer; "
              f"appeal {rates['appeal'] / (count / wall) * 100:.0f}% of the floor's rate")
PY
[ -f "$work/notes" ] && cat "$work/notes"
echo "machine: $(nproc) cores, $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load average $(cut -d' ' -f1-3 /proc/loadavg)"
