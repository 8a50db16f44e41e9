#!/usr/bin/env bash
# Email against Python's aiosmtpd (a server no one here wrote) over STARTTLS with injected faults, driven
# against the release binary: each fault ends in the state the issue asks for, a SIGKILL mid-run
# loses nothing and sends nothing twice, and every received message parses with Python's strict
# RFC 5322 policy. Called by .ci/run; needs python3 with venv.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
bin="${CARGO_TARGET_DIR:-$root/target}/release/appeal"
work=$(mktemp -d)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# shellcheck source=start_smtp.sh
source "$root/.ci/start_smtp.sh"

# A project: the shipped Juraev campaign and directory, the Prosecutor General with an email.
proj="$work/project"
mkdir -p "$proj"
cp -r campaigns recipients "$proj/"
sed -i 's|^    fax: "+7 495 987 58 41"$|&\n    email: "prosecutor@genproc.test"|' "$proj/recipients/russia.yaml"
grep -q 'prosecutor@genproc.test' "$proj/recipients/russia.yaml"
printf 'from: "Amnesty CI <appeals@amnesty.test>"\n' > "$proj/appeal.yaml"
cd "$proj"

# queue N: one outbox per scenario, N supporters, Russian letters to the Prosecutor General.
queue() {
  local box=$1 n=$2
  {
    echo "name,address,postcode,city,country,email,lang"
    for i in $(seq "$n"); do echo "Supporter $box $i,Street $i,10115,Berlin,DE,s$i@example.org,ru"; done
  } > "$work/$box.csv"
  "$bin" queue campaigns/juraev-2011.yaml --supporters "$work/$box.csv" --outbox "$box" >/dev/null 2>&1
}
count() { find "$1/$2" -mindepth 1 -maxdepth 1 -type f | wc -l; }
expect() { # outbox state n
  local got
  got=$(count "$1" "$2")
  [ "$got" -eq "$3" ] || { echo "ci: $1: expected $3 in $2/, found $got"; "$bin" outbox --outbox "$1"; exit 1; }
}
send() { "$bin" send --smtp "$smtp" --rate off --allow-late --tls-ca "$ca" "$@"; }

echo "-- all accepted ($(date +%T))"
queue ok 3
echo ok > "$mode"
send --outbox ok > "$work/out" 2>&1
expect ok sent 3
send --outbox ok 2>&1 | grep -q "nothing to send"

echo "-- STARTTLS is used on loopback too, without a login ($(date +%T))"
if grep -q '"tls": false' "$received/log.jsonl"; then echo "ci: a message went in clear text"; exit 1; fi

echo "-- the CI CA unknown: refused with how to trust it, nothing sent ($(date +%T))"
queue noca 1
if APPEAL_SMTP_PASSWORD=right-password "$bin" send --smtp "smtp://appeals@localhost:$port" --rate off --allow-late --outbox noca > "$work/out" 2>&1; then
  echo "ci: a certificate from an unknown CA was accepted"; exit 1
fi
grep -q "UnknownIssuer" "$work/out" && grep -q -- "--tls-ca FILE" "$work/out" || { cat "$work/out"; exit 1; }
expect noca ready 1

echo "-- a wrong password (after STARTTLS) stops the run and moves nothing ($(date +%T))"
queue auth 1
if APPEAL_SMTP_PASSWORD=wrong "$bin" send --smtp "smtp://appeals@127.0.0.1:$port" --rate off --allow-late --tls-ca "$ca" --outbox auth > "$work/out" 2>&1; then
  echo "ci: a wrong password did not fail"; exit 1
fi
grep -q "refused the login of \`appeals\`" "$work/out" || { cat "$work/out"; exit 1; }
if grep -q wrong "$work/out"; then echo "ci: the password was printed"; exit 1; fi
expect auth ready 1
APPEAL_SMTP_PASSWORD=right-password "$bin" send --smtp "smtp://appeals@localhost:$port" --rate off --allow-late --tls-ca "$ca" --outbox auth >/dev/null
expect auth sent 1

for fault in temp-rcpt:deferred perm-rcpt:failed temp-data:deferred perm-data:failed drop-data:uncertain throttle:deferred; do
  m=${fault%%:*} state=${fault##*:}
  echo "-- $m -> $state ($(date +%T))"
  queue "$m" 1
  echo "$m" > "$mode"
  if send --outbox "$m" > "$work/out" 2>&1; then echo "ci: $m: send did not report the fault"; cat "$work/out"; exit 1; fi
  expect "$m" "$state" 1
done

echo "-- no reply within --data-timeout -> uncertain, never resent ($(date +%T))"
queue slow 1
echo slow-data > "$mode"
send --outbox slow --data-timeout 1 >/dev/null 2>&1 || true
expect slow uncertain 1
echo ok > "$mode"
before=$(wc -l < "$received/log.jsonl")
send --outbox slow 2>&1 | grep -q "nothing to send"
send --outbox drop-data 2>&1 | grep -q "nothing to send"
[ "$(wc -l < "$received/log.jsonl")" -eq "$before" ] || { echo "ci: an uncertain message was resent"; exit 1; }

echo "-- SIGKILL mid-run, then run again: each message in one state, none received twice ($(date +%T))"
queue kill 8
echo slow-data > "$mode"
"$bin" send --smtp "$smtp" --rate off --allow-late --tls-ca "$ca" --outbox kill >/dev/null 2>&1 &
pid=$!
sleep 4.5
{ kill -9 "$pid"; wait "$pid"; } 2>/dev/null || true
echo ok > "$mode"
send --outbox kill >/dev/null 2>&1 || true
total=0
for s in ready sending deferred uncertain sent failed expired; do total=$((total + $(count kill "$s"))); done
[ "$total" -eq 8 ] || { echo "ci: after the kill, $total messages in the outbox instead of 8"; exit 1; }
expect kill ready 0
expect kill sending 0
echo "after the kill: $(count kill sent) sent, $(count kill uncertain) uncertain"

echo "-- every message received parses with Python's strict policy; none accepted twice ($(date +%T))"
"$venv/bin/python" - "$received" <<'PY'
import json, sys
from email import policy
from email.parser import BytesParser
from pathlib import Path
out = Path(sys.argv[1])
entries = [json.loads(l) for l in (out / "log.jsonl").read_text().splitlines()]
seen = {}
for e in entries:
    data = Path(e["file"]).read_bytes()
    msg = BytesParser(policy=policy.strict).parsebytes(data)
    defects = list(msg.defects) + [d for part in msg.walk() for d in part.defects]
    assert not defects, (e["file"], defects)
    for name in ("From", "To", "Date", "Message-ID", "Subject"):
        assert msg[name], (e["file"], name)
    assert all(len(line) <= 998 for line in data.split(b"\r\n")), e["file"]
    if e["accepted"]:
        assert e["message_id"] not in seen, ("accepted twice", e["message_id"])
        seen[e["message_id"]] = e["file"]
assert all(e["tls"] for e in entries), "a message came in clear text"
print(f"{len(entries)} messages received over STARTTLS, all strict RFC 5322; {len(seen)} accepted, none twice")
PY
