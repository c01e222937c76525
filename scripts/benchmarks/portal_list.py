"""The portal's invoice list on a big channel store: p50/p99/max of `GET /invoices?status=unpaid`
(the Invoices page, HTML) and of `GET /api/v1/invoices?status=unpaid` (the JSON API), page 1, as
a client on loopback sees them, from a real `remit portal` process.

Two buyers are measured: the one whose unpaid invoices fill the number of pages closest to
--pages (a customer of its own), and the one who sees the most (an organization member sees its
own account's invoices and the organization's). Each answer is checked (status 200, the page's
first invoice, the API's total and page count against the store); a wrong answer fails the run.
Prints one JSON line per buyer and surface."""
import argparse
import http.client
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse

PAGE_SIZE = 50  # the portal's (openapi.yaml: "50 invoices a page")

parser = argparse.ArgumentParser()
parser.add_argument("--bin", required=True, help="folder with the remit binary")
parser.add_argument("--data-dir", required=True)
parser.add_argument("--amqp-url", required=True)
parser.add_argument("--requests", type=int, default=2000, help="timed requests per buyer and surface")
parser.add_argument("--warmup", type=int, default=100)
parser.add_argument("--pages", type=int, default=50, help="the typical buyer: unpaid pages closest to this")
parser.add_argument("--password", default="remit-demo", help="the seed's demo password")
parser.add_argument("--store", help="the channel store on PostgreSQL (a postgres:// URL) instead of the data dir's file")
parser.add_argument("--mode", default="portal-list", help="the results' mode prefix")
args = parser.parse_args()


def log(text):
    print(f"[portal-list] {text}", file=sys.stderr, flush=True)


def fail(text):
    log(f"FAILED: {text}")
    sys.exit(1)


# Who sees how many unpaid invoices, from the store the portal reads.
if args.store:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from kinds import open_store  # noqa: E402 (PostgreSQL read as kinds.py reads it)
    store = open_store(args.store)
else:
    store = sqlite3.connect(f"file:{os.path.join(args.data_dir, 'channel.sqlite')}?mode=ro", uri=True)
invoices = store.execute("SELECT COUNT(*) FROM channel_invoice").fetchone()[0]
unpaid = dict(tuple(row) for row in store.execute("SELECT customer_account, COUNT(*) FROM channel_invoice WHERE status = 'unpaid' GROUP BY 1"))
buyers = []
for login, account, organization in store.execute(
        "SELECT u.login, u.customer_account, c.invoice_account FROM channel_user u JOIN channel_customer c ON c.account = u.customer_account"):
    seen = unpaid.get(account, 0) + (unpaid.get(organization, 0) if organization else 0)
    buyers.append((login, seen, organization is not None))
store.close()
if not buyers:
    fail("the channel store has no users (was the world distributed?)")
own = [b for b in buyers if not b[2]] or buyers
typical = min(own, key=lambda b: (abs(-(-b[1] // PAGE_SIZE) - args.pages), b[0]))
largest = max(buyers, key=lambda b: (b[1], b[0]))
chosen = [("typical", typical)] + ([("largest", largest)] if largest[0] != typical[0] else [])

with socket.socket() as probe:
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
portal = subprocess.Popen([os.path.join(args.bin, "remit"), "portal", "--data-dir", args.data_dir, "--amqp-url", args.amqp_url,
                           "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
                          + (["--store", args.store] if args.store else []),
                          stdout=subprocess.DEVNULL, stderr=open(os.path.join(args.data_dir, "portal.log"), "w"))


def stop_portal():
    if portal.poll() is None:
        portal.send_signal(signal.SIGTERM)
        try:
            portal.wait(30)
        except subprocess.TimeoutExpired:
            portal.kill()


try:
    deadline = time.monotonic() + 60
    while True:
        if portal.poll() is not None:
            fail(f"remit portal exited with {portal.returncode} (see {args.data_dir}/portal.log)")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/health")
            if connection.getresponse().status == 200:
                break
        except OSError:
            pass
        if time.monotonic() > deadline:
            fail("the portal did not answer /health within 60 s")
        time.sleep(0.2)

    for role, (login, seen, member) in chosen:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("POST", "/api/v1/session", body=json.dumps({"login": login, "password": args.password}),
                           headers={"Content-Type": "application/json"})
        answer = connection.getresponse()
        answer.read()
        if answer.status != 200:
            fail(f"signing in as {login} answered {answer.status}")
        cookie = "; ".join(header.split(";", 1)[0] for name, header in answer.getheaders() if name.lower() == "set-cookie")
        pages = -(-seen // PAGE_SIZE)

        def get(path):
            connection.request("GET", path, headers={"Cookie": cookie})
            response = connection.getresponse()
            return response.status, response.read()

        status, body = get("/api/v1/invoices?status=unpaid&page=1")
        if status != 200:
            fail(f"{login}: the API list answered {status}")
        page = json.loads(body)
        if page["total"] != seen or page["pageCount"] != pages or len(page["invoices"]) != min(PAGE_SIZE, seen):
            fail(f"{login}: the API says {page['total']} unpaid in {page['pageCount']} pages, the store {seen} in {pages}")
        first = page["invoices"][0]["number"].encode() if seen else b""
        for surface, path in (("page", "/invoices?status=unpaid"), ("api", "/api/v1/invoices?status=unpaid&page=1")):
            times = []
            for index in range(args.warmup + args.requests):
                started = time.perf_counter_ns()
                status, body = get(path)
                elapsed = time.perf_counter_ns() - started
                if status != 200 or first not in body:
                    fail(f"{login}: {path} answered {status} without the first unpaid invoice")
                if index >= args.warmup:
                    times.append(elapsed / 1e6)
            times.sort()

            def percentile(p):
                return times[min(len(times) - 1, int(len(times) * p))]

            print(json.dumps({"mode": f"{args.mode}:{surface}:{role}", "login": login, "organization_member": member,
                              "invoices_in_store": invoices, "unpaid_seen": seen, "pages": pages, "requests": len(times),
                              "p50_ms": round(percentile(0.50), 2), "p90_ms": round(percentile(0.90), 2),
                              "p99_ms": round(percentile(0.99), 2), "max_ms": round(times[-1], 2)}), flush=True)
        connection.close()
finally:
    stop_portal()
if portal.returncode not in (0, None):
    fail(f"remit portal exited with {portal.returncode} on SIGTERM (see {args.data_dir}/portal.log)")
