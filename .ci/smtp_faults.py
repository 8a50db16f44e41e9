"""An SMTP server for CI (aiosmtpd, not written here) that misbehaves on request.

The mode is read from MODE_FILE before each reply, so a script can switch it between runs:
  ok            250 everywhere
  temp-rcpt     451 at RCPT          perm-rcpt   550 at RCPT
  temp-data     451 after the body   perm-data   554 after the body
  drop-data     the connection is cut after the body, with no reply
  slow-data     the reply after the body comes after SLOW seconds
  throttle      421 at MAIL
Every body received (whatever the reply) is stored in OUT/NNNN.eml with a line in OUT/log.jsonl
(mode, recipients, Message-ID, and whether it was accepted with 250), and whether it came over
TLS. STARTTLS is offered with a certificate for 127.0.0.1 and localhost from a CA made at start
(trustme), whose certificate is written to CA_FILE; AUTH PLAIN/LOGIN is offered only after
STARTTLS (as Postfix's smtpd_tls_auth_only) and accepts appeals / right-password.

usage: smtp_faults.py PORT OUT MODE_FILE CA_FILE
"""

import asyncio
import json
import os
import ssl
import sys
from email import policy
from email.parser import BytesParser

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
import trustme

PORT, OUT, MODE_FILE, CA_FILE = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
SLOW = 3


def mode():
    try:
        with open(MODE_FILE) as f:
            return f.read().strip() or "ok"
    except FileNotFoundError:
        return "ok"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == b"appeals"
        and auth_data.password == b"right-password"
    )
    # handled=False: aiosmtpd itself answers 535 on failure (True would leave the client waiting).
    return AuthResult(success=ok, handled=False)


class Faults:
    def __init__(self):
        self.count = 0

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if mode() == "throttle":
            return "421 4.7.0 Too many messages, slow down"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        m = mode()
        if m == "temp-rcpt":
            return "451 4.3.0 Mailbox temporarily unavailable"
        if m == "perm-rcpt":
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        m = mode()
        self.count += 1
        data = envelope.original_content or envelope.content
        path = os.path.join(OUT, f"{self.count:04d}.eml")
        with open(path, "wb") as f:
            f.write(data)
        msg = BytesParser(policy=policy.default).parsebytes(data)
        entry = {
            "file": path,
            "mode": m,
            "to": envelope.rcpt_tos,
            "message_id": msg.get("Message-ID"),
            "accepted": m in ("ok", "slow-data"),
            "tls": session.ssl is not None,
        }
        with open(os.path.join(OUT, "log.jsonl"), "a") as f:
            f.write(json.dumps(entry) + "\n")
        if m == "temp-data":
            return "451 4.7.1 Try again later"
        if m == "perm-data":
            return "554 5.7.1 Message refused"
        if m == "drop-data":
            server.transport.abort()
            return "250 OK (never seen: the connection is gone)"
        if m == "slow-data":
            await asyncio.sleep(SLOW)
        return "250 2.0.0 OK queued as %04d" % self.count


async def main():
    os.makedirs(OUT, exist_ok=True)
    ca = trustme.CA(organization_name="appeal CI test CA")
    ca.cert_pem.write_to_path(CA_FILE)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(tls)
    controller = Controller(
        Faults(),
        hostname="127.0.0.1",
        port=PORT,
        authenticator=authenticator,
        tls_context=tls,
        require_starttls=False,
        auth_require_tls=True,
        auth_required=False,
    )
    controller.start()
    print(f"listening on 127.0.0.1:{PORT}", flush=True)
    await asyncio.Event().wait()


asyncio.run(main())
