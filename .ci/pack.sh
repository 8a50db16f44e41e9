#!/usr/bin/env bash
# The print pack against outside programs: a duplex pack of every shipped campaign for supporters
# in three scripts, checked with qpdf (structure, streams) and poppler (pages, outline, text, page
# images). Run by .ci/run after the release build and the PDF tools are installed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bin="${APPEAL:-${CARGO_TARGET_DIR:-$root/target}/release/appeal}"
[ -x "$bin" ] || cargo build --release --locked --quiet
for tool in qpdf pdfinfo pdftotext pdftoppm; do
  if ! command -v "$tool" >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
    (apt-get update -q >/dev/null 2>&1 || true)
    apt-get install -y -q poppler-utils qpdf >/dev/null
  fi
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf 'name,country,lang\nEva Muster,DE,\nJean Dupont,FR,\nИван Петров,RU,\nليلى حداد,EG,ar\n' > "$work/s.csv"
for campaign in campaigns/*.yaml; do
  id=$(basename "$campaign" .yaml)
  out="$work/$id"
  "$bin" letters "$campaign" --supporters "$work/s.csv" --format pdf --out "$out/single" \
      --date 2026-01-15 >/dev/null 2>&1 || true
  "$bin" letters "$campaign" --supporters "$work/s.csv" --format pdf --combine --duplex \
      --out "$out/pack" --date 2026-01-15 >"$work/summary" 2>/dev/null || true
  pack="$out/pack/$id/print-pack.pdf"
  test -f "$pack" || { echo "ci: no print pack for $campaign"; cat "$work/summary"; exit 1; }
  qpdf --check "$pack" >/dev/null || { echo "ci: qpdf --check fails on $pack"; qpdf --check "$pack"; exit 1; }
  letters=$(find "$out/single" -name '*.pdf' | wc -l)
  # Each letter's pages, rounded up to an even number (its blank back).
  want=0
  while IFS= read -r -d '' pdf; do
    p=$(pdfinfo "$pdf" | awk '/^Pages:/ { print $2 }')
    want=$((want + p + p % 2))
  done < <(find "$out/single" -name '*.pdf' -print0)
  pages=$(pdfinfo "$pack" | awk '/^Pages:/ { print $2 }')
  test "$pages" -eq "$want" || { echo "ci: $pack has $pages pages, want $want"; exit 1; }
  # One outline item per letter, each opening an odd (front) page.
  qpdf --json --json-key=outlines "$pack" > "$work/outline.json"
  python3 - "$work/outline.json" "$letters" "$pack" <<'PY'
import json, sys
items = json.load(open(sys.argv[1]))["outlines"]
letters = int(sys.argv[2])
assert len(items) == letters, f"{sys.argv[3]}: {len(items)} bookmarks for {letters} letters"
for item in items:
    assert " → " in item["title"], item["title"]
    assert item["destpageposfrom1"] % 2 == 1, f"{item['title']} opens page {item['destpageposfrom1']}"
PY
  pdftotext "$pack" "$work/text.txt"
  grep -q "Eva Muster" "$work/text.txt" || { echo "ci: no text comes back from $pack"; exit 1; }
  pdftoppm -r 20 -png -f 1 -l 4 "$pack" "$work/$id-page"
  echo "$id: $letters letters on $pages pages, qpdf clean, one bookmark per letter on a front side"
done
