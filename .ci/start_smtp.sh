# Sourced: starts .ci/smtp_faults.py (aiosmtpd in a venv, made on first use) on a free port of
# 127.0.0.1, offering STARTTLS with a certificate from a CA made for the run. Needs $root (the
# repository) and $work (a scratch folder). Sets $smtp (the URL), $ca (the CA's certificate, to
# pass as --tls-ca), $mode (the file that switches its faults), $received (where it stores
# messages) and $server_pid. The caller stops it.
venv="${APPEAL_CI_VENV:-$root/target/ci-venv}"
if ! "$venv/bin/python" -c 'import aiosmtpd, trustme' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q 'aiosmtpd==1.4.6' 'trustme==1.2.1'
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mode="$work/mode"
received="$work/received"
ca="$work/ca.pem"
echo ok > "$mode"
"$venv/bin/python" "$root/.ci/smtp_faults.py" "$port" "$received" "$mode" "$ca" > "$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 50); do
  grep -q listening "$work/server.log" 2>/dev/null && break
  sleep 0.1
done
grep -q listening "$work/server.log" || { echo "the test SMTP server did not start:"; cat "$work/server.log"; exit 1; }
smtp="smtp://127.0.0.1:$port"
