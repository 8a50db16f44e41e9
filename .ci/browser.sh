#!/usr/bin/env bash
# The supporters' web pages (issue 18) in a real browser: Debian's chromium, headless, driven by
# Playwright for Python (.ci/browser.py) with JavaScript off. It fills the form in English and in
# Arabic, downloads the letters as PDF and reads them back with pdftotext, confirms a "send them
# by email for me" from the link in the mail that the SMTP test server (.ci/smtp_faults.py)
# received, fills the form by keyboard only, and takes screenshots. Called by .ci/run; needs
# python3 with venv and apt-get (or chromium and poppler-utils already there).
#
# APPEAL_BIN=path/to/appeal uses that binary instead of `cargo build --release`;
# BROWSER_OUT=DIR puts the screenshots and PDFs there (default: a new temporary folder, kept for
# a person to look at).
# Playwright uses /usr/bin/chromium (CHROMIUM=path for another): `playwright install` is never
# run, since it downloads a browser of its own from a CDN.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
target="${CARGO_TARGET_DIR:-$root/target}"
started=$(date +%s)

if [ -n "${APPEAL_BIN:-}" ]; then
  bin=$APPEAL_BIN
else
  cargo build --release --locked --quiet
  bin="$target/release/appeal"
fi

chromium="${CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$chromium" ] || ! command -v pdftotext >/dev/null 2>&1; then
  packages="chromium poppler-utils python3-venv"
  apt-get install -y -q $packages >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q $packages >/dev/null; }
fi
echo "browser: $("$chromium" --version 2>/dev/null || echo "$chromium")"

# One venv for Playwright and the SMTP test server, kept beside the build like email.sh's.
venv="$target/ci-browser-venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check -r "$root/.ci/browser-requirements.txt"

work=$(mktemp -d)
server_pid=
serve_pid=
cleanup() {
  [ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null || true
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
out="${BROWSER_OUT:-$(mktemp -d -t appeal-browser.XXXXXX)}"
mkdir -p "$out"

# The SMTP test server over STARTTLS with a CA made for the run (sets $smtp, $ca, $received).
export APPEAL_CI_VENV="$venv"
# shellcheck source=start_smtp.sh
source "$root/.ci/start_smtp.sh"

# A project: the shipped campaigns and directory, sending through the test server; the officials
# have fax numbers and the office a fax gateway, so "send them by email for me" is offered.
proj="$work/project"
mkdir -p "$proj"
cp -r campaigns recipients "$proj/"
cat > "$proj/appeal.yaml" <<EOF
from: "Amnesty CI <appeals@amnesty.test>"
smtp: "$smtp"
tls_ca: "$ca"
fax_gateway: "{number}@fax.example.net"
EOF

(cd "$proj" && exec "$bin" serve --listen 127.0.0.1:0 --today 2011-04-01) > "$work/serve.log" 2>&1 &
serve_pid=$!
for _ in $(seq 100); do
  grep -q '^listening on ' "$work/serve.log" 2>/dev/null && break
  sleep 0.1
done
url=$(sed -n 's/^listening on //p' "$work/serve.log" | head -1)
[ -n "$url" ] || { echo "browser: appeal serve did not start:"; cat "$work/serve.log"; exit 1; }

if ! CHROMIUM="$chromium" "$venv/bin/python" "$root/.ci/browser.py" "$url" "$proj" "$received" "$out"; then
  echo "browser: the server's log:"; cat "$work/serve.log"
  exit 1
fi
echo "browser check passed in $(($(date +%s) - started)) s; screenshots and PDFs in $out"
