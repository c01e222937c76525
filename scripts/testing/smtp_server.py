#!/usr/bin/env python3
"""A real SMTP server for Remit's mail tests (aiosmtpd), with the failures a test needs on demand.

    python3 scripts/testing/smtp_server.py --port P --maildir DIR
        [--reject-rcpt-regex R [--reject-code 550]]   refuse matching recipients at RCPT TO
        [--defer-data-count N]                        answer 451 to the first N DATA commands
        [--auth USER:PASS]                            require AUTH PLAIN/LOGIN (allowed without TLS)
        [--starttls CERT KEY]                         offer STARTTLS and require it before MAIL

Each accepted message is written to DIR/<n>.eml (temp file, then an atomic rename), numbered on
from the files already there, so a server restarted on the same directory keeps counting. Prints
"READY <port>" once listening (port 0 picks a free one) and exits 0 on SIGTERM or SIGINT.
"""

import argparse
import asyncio
import os
import re
import signal
import ssl
import sys
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Handler:
    def __init__(self, maildir, reject_rcpt, reject_code, defer_data_count):
        self.maildir = maildir
        self.reject_rcpt = reject_rcpt
        self.reject_code = reject_code
        self.deferrals_left = defer_data_count
        self.count = len([name for name in os.listdir(maildir) if name.endswith(".eml")])

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.reject_rcpt is not None and self.reject_rcpt.search(address):
            return f"{self.reject_code} 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.deferrals_left > 0:
            self.deferrals_left -= 1
            return "451 4.3.0 Temporary local problem, try again later"
        self.count += 1
        path = os.path.join(self.maildir, f"{self.count}.eml")
        temporary = path + ".tmp"
        with open(temporary, "wb") as file:
            file.write(envelope.original_content or envelope.content)
            file.flush()
            os.fsync(file.fileno())
        os.rename(temporary, path)
        return f"250 2.0.0 OK queued as {self.count}"


def authenticator_for(credentials):
    user, _, password = credentials.partition(":")

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password
        # handled=False: aiosmtpd then answers "535 5.7.8 Authentication credentials invalid" itself.
        return AuthResult(success=ok, handled=False)

    return authenticate


async def serve(arguments):
    os.makedirs(arguments.maildir, exist_ok=True)
    handler = Handler(
        arguments.maildir,
        re.compile(arguments.reject_rcpt_regex) if arguments.reject_rcpt_regex else None,
        arguments.reject_code,
        arguments.defer_data_count,
    )
    options = {"hostname": "remit-test-smtp"}
    if arguments.auth:
        # Plain-text AUTH is what the tests want; aiosmtpd warns about it on every connection.
        warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
        options.update(authenticator=authenticator_for(arguments.auth), auth_required=True, auth_require_tls=False)
    if arguments.starttls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*arguments.starttls)
        options.update(tls_context=context, require_starttls=True)

    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(handler, **options), host="127.0.0.1", port=arguments.port, reuse_address=True)
    stopped = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopped.set)
    # A child inherits its parent's blocked signals; a test runner's worker thread may block SIGTERM.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    print(f"READY {server.sockets[0].getsockname()[1]}", flush=True)
    await stopped.wait()
    server.close()
    await server.wait_closed()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--maildir", required=True)
    parser.add_argument("--reject-rcpt-regex")
    parser.add_argument("--reject-code", type=int, default=550)
    parser.add_argument("--defer-data-count", type=int, default=0)
    parser.add_argument("--auth", metavar="USER:PASS")
    parser.add_argument("--starttls", nargs=2, metavar=("CERT", "KEY"))
    asyncio.run(serve(parser.parse_args()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
