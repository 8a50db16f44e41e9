#!/usr/bin/env bash
# The letter on paper (issue 14), checked on the PDF files as a clerk receives them: the signed
# letters of every shipped campaign, in every language they have and both A4 layouts, read back
# with `pdftotext -bbox`: no page whose only body text is the closing, no widow or orphan (a
# paragraph's single line at the foot or the head of a page); blank letters print no `___` in
# the sender's block (they are drawn rules). Pages of a few letters are rendered to PNG
# (`pdftoppm -r 60`) for a person to look at; the folder is printed at the end.
#
# APPEAL_BIN=path/to/appeal uses that binary instead of `cargo run --release`; PAPER_OUT=DIR
# keeps the letters and pictures there (default: a temporary folder, removed unless set).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v pdftotext >/dev/null 2>&1 || ! command -v pdftoppm >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    (apt-get update -q >/dev/null 2>&1 || true)
    apt-get install -y -q poppler-utils >/dev/null
  fi
fi
if ! command -v python3 >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    apt-get install -y -q python3 >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q python3 >/dev/null; }
  fi
fi

appeal() {
  if [ -n "${APPEAL_BIN:-}" ]; then "$APPEAL_BIN" "$@"; else cargo run --release --locked --quiet -- "$@"; fi
}

if [ -n "${PAPER_OUT:-}" ]; then
  out=$PAPER_OUT
  rm -rf "$out"
  mkdir -p "$out"
else
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
fi

# Chinese needs a CJK font found through fontconfig (`.ci/run` installs one later on).
langs=(--lang en --lang ru --lang fr --lang de --lang es --lang ar --lang fa)
if fc-list :charset=738b 2>/dev/null | grep -q .; then
  langs+=(--lang zh)
else
  echo "paper: no CJK font found through fontconfig, Chinese letters left out"
fi
eva=(--name "Eva Muster" --address "Hauptstraße 1" --postcode 10115 --city Berlin --country DE)

for layout in din-b din-a; do
  for campaign in campaigns/*.yaml; do
    appeal letters "$campaign" --format pdf --layout "$layout" --out "$out/$layout" \
        "${eva[@]}" "${langs[@]}" --date 2026-01-15 --quiet
    appeal letters "$campaign" --format pdf --layout "$layout" --out "$out/blank-$layout" \
        --country DE "${langs[@]}" --date 2026-01-15 --quiet
  done
done
# The text of the same letters: where each paragraph begins and ends.
for campaign in campaigns/*.yaml; do
  appeal letters "$campaign" --out "$out/txt" "${eva[@]}" "${langs[@]}" --date 2026-01-15 --quiet
done

python3 - "$out" <<'PY'
import glob, html, os, re, subprocess, sys

out = sys.argv[1]
PT = 72 / 25.4
# Where the body may be, pt from the top: below the first page's head (DIN 5008 B and A), below
# the running head of the others, above the bottom margin's page number.
BODY_TOP = {"din-b": 103.4 * PT, "din-a": 85.0 * PT}
NEXT_TOP = 30.0 * PT
BOTTOM = 275.0 * PT
# Baseline to baseline: lines of a paragraph are 13-13.6 pt apart, paragraphs 16 pt or more,
# the signature space 40 pt or more. Chinese lines are 15.4-16.5 pt apart (1.5 em, fitted down to
# the CJK line box), their paragraphs 18.4 pt or more.
PARAGRAPH = 14.8
PARAGRAPH_CJK = 17.5
SIGNATURE = 35.0
WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>')


def pages_of(pdf):
    """Each page's words as (yMin, yMax, text), from pdftotext -bbox."""
    xml = subprocess.run(["pdftotext", "-bbox", pdf, "-"], check=True,
                         capture_output=True, text=True).stdout
    pages = []
    for page in xml.split("<page ")[1:]:
        pages.append([(float(a), float(b), html.unescape(t))
                      for _, a, _, b, t in WORD.findall(page)])
    return pages


def lines_of(words, top):
    """The body's lines on a page, top to bottom: (baseline-ish y, text)."""
    words = sorted((w for w in words if w[1] >= top and w[1] <= BOTTOM), key=lambda w: w[1])
    lines = []
    for y0, y1, t in words:
        if lines and abs(y1 - lines[-1][0]) < 4.0:
            lines[-1][1].append(t)
        else:
            lines.append((y1, [t]))
    return [(y, " ".join(ts)) for y, ts in lines]


def groups_of(lines, paragraph=PARAGRAPH):
    """Lines grouped into paragraphs by the space between them: (gap above, [texts])."""
    groups = []
    prev = None
    for y, text in lines:
        gap = None if prev is None else y - prev
        if gap is None or gap > paragraph:
            groups.append([gap, [text]])
        else:
            groups[-1][1].append(text)
        prev = y
    return groups


def squeeze(text):
    return "".join(text.split())


def whole(text, paragraphs, rtl):
    """Whether one line is a whole paragraph of the letter's text. Arabic script comes back
    from the PDF with its ligatures spelled differently, so there its length is compared."""
    s = squeeze(text)
    for p in paragraphs:
        q = squeeze(p)
        if q == s or (rtl and abs(len(q) - len(s)) <= max(2, len(q) // 10)):
            return True
    return False


def check(pdf, layout):
    rel = os.path.relpath(pdf, os.path.join(out, layout))
    txt = os.path.join(out, "txt", rel[:-4] + ".txt")
    paragraphs = [p for p in open(txt, encoding="utf-8").read().split("\n\n") if "\n" not in p.strip()]
    rtl = rel.endswith((".ar.pdf", ".fa.pdf"))
    paragraph = PARAGRAPH_CJK if rel.endswith(".zh.pdf") else PARAGRAPH
    pages = [groups_of(lines_of(w, BODY_TOP[layout] if i == 0 else NEXT_TOP), paragraph)
             for i, w in enumerate(pages_of(pdf))]
    faults = []
    for n, (here, nxt) in enumerate(zip(pages, pages[1:])):
        if here and len(here[-1][1]) == 1 and not whole(here[-1][1][0], paragraphs, rtl):
            faults.append(f"one line of a paragraph at the foot of page {n + 1}: {here[-1][1][0]!r}")
        if nxt and len(nxt[0][1]) == 1 and not whole(nxt[0][1][0], paragraphs, rtl):
            faults.append(f"one line of a paragraph at the head of page {n + 2}: {nxt[0][1][0]!r}")
    last = pages[-1]
    signature = [i for i, g in enumerate(last) if g[0] is not None and g[0] > SIGNATURE]
    if len(pages) > 1:
        if not signature:
            faults.append("the signature is not on the last page")
        elif signature[-1] < 2:
            faults.append(f"page {len(pages)} holds only the closing")
    return len(pages), faults


signed, blank, one, bad = 0, 0, 0, []
for layout in ("din-b", "din-a"):
    for pdf in sorted(glob.glob(os.path.join(out, layout, "**", "*.pdf"), recursive=True)):
        n, faults = check(pdf, layout)
        signed += 1
        one += n == 1
        bad += [f"{pdf}: {f}" for f in faults]
    for pdf in sorted(glob.glob(os.path.join(out, "blank-" + layout, "**", "*.pdf"), recursive=True)):
        head = [w for w in pages_of(pdf)[0] if w[1] < BODY_TOP[layout]]
        if any("___" in t for _, _, t in head):
            bad.append(f"{pdf}: underscores printed in the head instead of rules")
        blank += 1
for b in bad:
    print("paper:", b)
if bad:
    sys.exit(1)
print(f"paper: {one} of {signed} signed letters on one page, none with a lone closing, a widow or an orphan;"
      f" {blank} blank letters ruled, not underscored")
PY

# Pictures to look at: the main letter in Russian, German and Arabic, a letter of two pages,
# and blank letters in Cyrillic and Arabic script.
png="$out/png"
mkdir -p "$png"
for f in din-b/juraev-2011/eva-muster/ru-prosecutor-general.ru \
         din-b/juraev-2011/eva-muster/ru-prosecutor-general.de \
         din-a/juraev-2011/eva-muster/ru-prosecutor-general.ar \
         din-b/juraev-2011/eva-muster/ru-embassy-de.copy.de \
         blank-din-b/juraev-2011/blank/ru-prosecutor-general.ru \
         blank-din-b/juraev-2011/blank/ru-prosecutor-general.fa; do
  pdftoppm -r 60 -png "$out/$f.pdf" "$png/$(echo "$f" | tr '/' '_')"
done
echo "paper: page images in $png (kept when PAPER_OUT is set)"
