#!/usr/bin/env bash
# The PDF as a document (issue 16), read back with poppler: what `pdfinfo` and `pdfinfo -meta`
# say (no PDF/X claim, the letter's date, appeal as producer, `Tagged: yes`, the PDF/A
# identification under --pdfa), `qpdf --check`, and the structure tree in reading order:
# `pdfinfo -struct-text` from the subject line on reads, word for word, as the text letter does.
#
# APPEAL_BIN=path/to/appeal uses that binary instead of `cargo run --release`.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v pdfinfo >/dev/null 2>&1 || ! command -v qpdf >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    (apt-get update -q >/dev/null 2>&1 || true)
    apt-get install -y -q poppler-utils qpdf python3 >/dev/null
  fi
fi

appeal() {
  if [ -n "${APPEAL_BIN:-}" ]; then "$APPEAL_BIN" "$@"; else cargo run --release --locked --quiet -- "$@"; fi
}

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
eva=(--name "Eva Muster" --address "Hauptstraße 1" --postcode 10115 --city Berlin --country DE --date 2026-01-15)
# Right-to-left letters are tagged too; their words are compared by the text-layer check.
ltr=(en ru fr de es)
for campaign in campaigns/*.yaml; do
  for lang in "${ltr[@]}"; do
    appeal letters "$campaign" --out "$out/txt" "${eva[@]}" --lang "$lang" >/dev/null 2>&1 || true
    appeal letters "$campaign" --format pdf --pdfa --out "$out/pdf" "${eva[@]}" --lang "$lang" >/dev/null 2>&1 || true
  done
done
appeal sheet campaigns/juraev-2011.yaml --lang en --format pdf --pdfa --out "$out/sheet.en.pdf" >/dev/null 2>&1

count=0
while IFS= read -r -d '' pdf; do
  info=$(pdfinfo "$pdf")
  if grep -q "PDF subtype" <<<"$info"; then echo "ci: $pdf claims a PDF subtype:"; echo "$info"; exit 1; fi
  grep -q "^Tagged: *yes" <<<"$info" || { echo "ci: $pdf is not tagged"; exit 1; }
  grep -q "^Producer: *appeal " <<<"$info" || { echo "ci: $pdf has no producer"; exit 1; }
  grep -q "^CreationDate: .*20[0-9][0-9]" <<<"$info" || { echo "ci: $pdf has no creation date"; exit 1; }
  grep -q "^CreationDate: .*1970" <<<"$info" && { echo "ci: $pdf dated 1970"; exit 1; }
  grep -q "^PDF version: *1.7" <<<"$info" || { echo "ci: $pdf is not PDF 1.7"; exit 1; }
  pdfinfo -meta "$pdf" | grep -q "<pdfaid:part>2</pdfaid:part>" || { echo "ci: $pdf lacks the PDF/A identification"; exit 1; }
  qpdf --check "$pdf" >/dev/null || { echo "ci: qpdf --check fails on $pdf"; exit 1; }
  count=$((count + 1))
done < <(find "$out" -name '*.pdf' -print0)
test "$count" -gt 30
echo "checked $count PDF files: no PDF/X claim, dated, produced by appeal, PDF 1.7, tagged, PDF/A-2b identified, qpdf clean"

# Reading order: the structure tree's text from the subject line on equals the text letter's.
compared=0
while IFS= read -r -d '' pdf; do
  txt="$out/txt/${pdf#"$out/pdf/"}"
  txt="${txt%.pdf}.txt"
  test -f "$txt" || continue
  pdfinfo -struct-text "$pdf" > "$out/struct.txt"
  python3 - "$out/struct.txt" "$txt" <<'PY'
import re, sys
struct, text = sys.argv[1], sys.argv[2]
lines = open(struct, encoding="utf-8").read().splitlines()
# The quoted lines, from the first heading (the subject) on.
words, seen = [], False
for line in lines:
    if line.strip().startswith("H1"):
        seen = True
    m = re.match(r'\s*"(.*)"\s*$', line)
    if seen and m:
        line_words = [w for w in m.group(1).split() if not re.fullmatch(r"-{5,}", w)]
        # A line broken after a hyphen ("Yukos-" / "Mitarbeiter") is one word of the letter.
        if words and line_words and re.search(r"\w-$", words[-1]):
            words[-1] += line_words.pop(0)
        words += line_words
letter = open(text, encoding="utf-8").read().splitlines()
start = next(i for i, l in enumerate(letter) if words and l.split()[:1] == words[:1])
expected = [w for l in letter[start:] for w in l.split() if not re.fullmatch(r"-{5,}", w)]
if words != expected:
    n = next((i for i, (a, b) in enumerate(zip(words, expected)) if a != b), min(len(words), len(expected)))
    print(f"ci: {struct} reads differently from {text} at word {n}: {words[n:n+8]} vs {expected[n:n+8]}")
    sys.exit(1)
PY
  compared=$((compared + 1))
done < <(find "$out/pdf" -name '*.pdf' -print0)
test "$compared" -gt 30
echo "compared $compared letters: the structure tree reads, from the subject on, as the text letter"
