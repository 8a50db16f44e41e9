#!/usr/bin/env bash
# The text layer of PDF letters and sheets (issue 16), read back with a second extractor beside
# poppler's (tests/textlayer.rs): pypdf, in a venv. For every shipped campaign in 8 languages,
# letters and sheets: every character of the text form comes back exactly once (no letter
# doubled by a mark glyph, no ZWNJ lost), and outside Arabic and Persian every word, in order
# within each line. pypdf's own right-to-left heuristic reverses digit runs and moves
# punctuation beside Arabic words, so there the check is the characters (see docs/pdf.md).
#
# APPEAL_BIN=path/to/appeal uses that binary instead of `cargo run --release`.
set -euo pipefail
cd "$(dirname "$0")/.."

appeal() {
  if [ -n "${APPEAL_BIN:-}" ]; then "$APPEAL_BIN" "$@"; else cargo run --release --locked --quiet -- "$@"; fi
}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
python3 -m venv "$out/venv"
"$out/venv/bin/pip" install -q pypdf==7.1.1

langs=(en ru fr de es ar fa)
if fc-list :charset=738b 2>/dev/null | grep -q .; then langs+=(zh); else echo "textlayer: no CJK font, Chinese left out"; fi
lang_flags=(); for l in "${langs[@]}"; do lang_flags+=(--lang "$l"); done
eva=(--name "Eva Muster" --address "Hauptstraße 1" --postcode 10115 --city Berlin --country DE)
mkdir -p "$out/pdf/sheets" "$out/txt/sheets"
for campaign in campaigns/*.yaml; do
  appeal letters "$campaign" --format pdf --out "$out/pdf" "${eva[@]}" "${lang_flags[@]}" --date 2026-01-15 --quiet
  appeal letters "$campaign" --out "$out/txt" "${eva[@]}" "${lang_flags[@]}" --date 2026-01-15 --quiet
  id=$(basename "$campaign" .yaml)
  for l in "${langs[@]}"; do
    appeal sheet "$campaign" --lang "$l" --format pdf --out "$out/pdf/sheets/$id.$l.pdf" >/dev/null
    appeal sheet "$campaign" --lang "$l" --format txt --out "$out/txt/sheets/$id.$l.txt" >/dev/null
  done
done

"$out/venv/bin/python" - "$out" <<'PY'
import collections, os, re, sys, unicodedata
import pypdf

out = sys.argv[1]
BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
LABEL = {"page", "of", "страница", "из", "sur", "Seite", "von", "página", "de", "الصفحة", "من", "صفحهٔ", "از", "第"}

def cjk(c):
    o = ord(c)
    return 0x2E80 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF or 0xFF00 <= o <= 0xFFEF

def words(text):
    """Words, case folded (sheets set headings in capitals in one form only); each CJK
    character a word; a hyphen ends a word (a line may break after it)."""
    out = []
    for w in BIDI.sub("", text).casefold().split():
        cur = ""
        for c in w:
            if cjk(c):
                out += [cur, c] if cur else [c]
                cur = ""
            else:
                cur += c
                if c == "-":
                    out.append(cur)
                    cur = ""
        if cur:
            out.append(cur)
    return out

def unmarked(text):
    """`text` without its combining marks: a mark the font moves off its letter (the hamza of
    «صفحهٔ») is drawn apart from it, and pypdf may give it as a word of its own."""
    return "".join(c for c in text if unicodedata.category(c) != "Mn")

def furniture(line):
    """The return-address line, the continuation header and page labels: the PDF's, not the
    letter's. A label's digits may stick to its words (pypdf's right-to-left order)."""
    line = BIDI.sub("", line)
    if " · " in line:
        return True
    label = unmarked("".join(c for c in line if not (c.isnumeric() or c in "页，共"))).split()
    return bool(label) and any(c.isnumeric() for c in line) and all(w in {unmarked(l) for l in LABEL} for w in label)

failed, checked = [], collections.Counter()
for root, _, files in os.walk(os.path.join(out, "pdf")):
    for name in sorted(files):
        pdf = os.path.join(root, name)
        txt = os.path.join(out, "txt", os.path.relpath(pdf, os.path.join(out, "pdf")))[:-4] + ".txt"
        lang = name.split(".")[-2]
        text = "\n".join(p.extract_text() for p in pypdf.PdfReader(pdf).pages)
        lines = [l for l in text.splitlines() if l.strip() and not furniture(l)]
        got = [w for l in lines for w in words(l)]
        # A copy's separator, a row of hyphens in the text letter, is a drawn rule in the PDF.
        letter = open(txt, encoding="utf-8").read().splitlines()
        want = words("\n".join(l for l in letter if not re.fullmatch(r"\s*-{10,}\s*", l)))
        gc, wc = collections.Counter("".join(got)), collections.Counter("".join(want))
        problems = []
        if gc != wc:
            problems.append(f"characters extracted {dict(gc - wc)}, missing {dict(wc - gc)}")
        if lang not in ("ar", "fa"):
            gw, ww = collections.Counter(got), collections.Counter(want)
            if gw != ww:
                problems.append(f"words extracted {dict(gw - ww)}, missing {dict(ww - gw)}")
            seq = " " + " ".join(want) + " "
            problems += [f"line not in the letter: {l!r}" for l in lines if " " + " ".join(words(l)) + " " not in seq]
        if problems:
            failed.append((pdf, problems))
        checked[lang] += 1
for pdf, problems in failed:
    print(f"textlayer: {os.path.relpath(pdf, out)}:", *problems[:5], sep="\n  ")
print(f"textlayer: pypdf read back {sum(checked.values())} PDFs ({dict(sorted(checked.items()))}), {len(failed)} differ")
sys.exit(1 if failed else 0)
PY
