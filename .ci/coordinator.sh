#!/usr/bin/env bash
# Coordinator tools against outside programs: the deadlines calendar read by Python's icalendar
# (an independent RFC 5545 parser), and every shipped campaign's action sheet as PDF in every
# language checked with qpdf and poppler. Run by .ci/run after the PDF tools are installed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bin="${CARGO_TARGET_DIR:-$root/target}/release/appeal"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
venv="${APPEAL_CI_VENV:-$root/target/ci-venv}"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c 'import icalendar' 2>/dev/null || "$venv/bin/pip" install -q 'icalendar==7.3.0'

echo "-- deadlines --ics, parsed by Python's icalendar"
"$bin" deadlines --date 2011-04-25 --ics "$work/deadlines.ics" --remind 4 >/dev/null
"$venv/bin/python" - "$work/deadlines.ics" <<'PY'
import sys, datetime, icalendar
raw = open(sys.argv[1], "rb").read()
assert b"\r\n" in raw and all(len(l) <= 75 for l in raw.split(b"\r\n")), "lines folded at 75 octets, CRLF"
cal = icalendar.Calendar.from_ical(raw)
events = [c for c in cal.walk("VEVENT")]
starts = sorted(e.decoded("DTSTART") for e in events)
assert starts == [datetime.date(2011, 5, 3), datetime.date(2012, 1, 31), datetime.date(2015, 11, 12)], starts
for e in events:
    alarms = e.walk("VALARM")
    assert len(alarms) == 1 and alarms[0].decoded("TRIGGER") == -datetime.timedelta(days=4), e["UID"]
    assert str(e["SUMMARY"]).startswith("Urgent action deadline: ")
print(f"{len(events)} events, each with a reminder 4 days before, as Python's icalendar reads them")
PY

echo "-- every shipped campaign's action sheet as PDF in every language"
count=0
for campaign in campaigns/*.yaml; do
  id=$(basename "$campaign" .yaml)
  langs=$(sed -n 's/^languages: \[\(.*\)\]/\1/p' "$campaign" | tr -d ' ' | tr ',' ' ')
  for lang in $langs; do
    pdf="$work/$id.$lang.pdf"
    "$bin" sheet "$campaign" --lang "$lang" --format pdf --out "$pdf" 2>/dev/null
    qpdf --check "$pdf" >/dev/null
    fonts=$(pdffonts "$pdf" | tail -n +3)
    if ! echo "$fonts" | awk '{ if ($(NF-4) != "yes" || $(NF-3) != "yes") bad=1 } END { exit bad }'; then
      echo "ci: font not embedded and subset in $pdf:"; echo "$fonts"; exit 1
    fi
    # The sheet's title, as the Markdown sheet gives it, comes back from the PDF (right-to-left
    # text comes back from pdftotext in shaped forms and visual order: there, only that text
    # comes back at all).
    # No-break spaces (French typography puts U+202F before a colon) count as spaces, on both
    # sides: extractors differ in how they give them back.
    nbsp='s/\xe2\x80\xaf/ /g; s/\xc2\xa0/ /g'
    title=$("$bin" sheet "$campaign" --lang "$lang" | sed -n "s/^# //p" | sed -n 2p | sed "$nbsp" | cut -d" " -f1)
    case "$lang" in
      ar|fa|he|ur) test -n "$(pdftotext "$pdf" - | tr -d '[:space:]')" || { echo "ci: no text comes back from $pdf"; exit 1; } ;;
      *) pdftotext "$pdf" - | sed "$nbsp" | tr "\n" " " | grep -qF "$title" || { echo "ci: '$title' does not come back from $pdf"; exit 1; } ;;
    esac
    count=$((count + 1))
  done
done
echo "checked $count sheets: qpdf --check clean, fonts embedded and subset, title extracts"
