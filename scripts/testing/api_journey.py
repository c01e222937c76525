#!/usr/bin/env python3
"""A buyer's clicks through the portal's JSON API, as a browser's script makes them, for the trace
test: sign in, put an open invoice in the cart for 1.00, check out on account, request a copy of
another invoice, then wait until HQ settled the payment and the copy was e-mailed.

    python3 scripts/testing/api_journey.py --base-url http://127.0.0.1:PORT --login LOGIN \\
        --password PW --checkout-traceparent 00-<trace>-<span>-01 [--timeout 120]

The checkout and the request each carry a W3C `traceparent` header (the checkout's is given, so
the test knows its trace id; the request's is made here), as an instrumented browser sends one.
Prints one JSON object on its last line: the invoices used, the commands' ids, both traceparents,
and the session cookie and CSRF token (the test checks no span carries them). Exits 1 with the
reason when the portal does something else or a wait runs out.
"""

import argparse
import http.cookiejar
import json
import os
import sys
import time
import urllib.error
import urllib.request


class Failure(Exception):
    pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--login", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--checkout-traceparent", required=True)
    parser.add_argument("--timeout", type=float, default=120)
    args = parser.parse_args()
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    state = {"csrf": None}

    def call(method, path, body=None, headers=None, expect=(200, 202)):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(args.base_url + "/api/v1" + path, data=data, method=method)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if state["csrf"]:
            request.add_header("X-CSRF-Token", state["csrf"])
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with opener.open(request, timeout=15) as answer:
                status, text = answer.status, answer.read().decode()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode()
        if status not in expect:
            raise Failure(f"{method} {path}: {status} {text[:300]}")
        return json.loads(text) if text else None

    def wait(what, check):
        deadline = time.monotonic() + args.timeout
        while time.monotonic() < deadline:
            found = check()
            if found:
                print(f"ok: {what}", flush=True)
                return found
            time.sleep(0.5)
        raise Failure(f"timed out after {args.timeout:.0f} s waiting until {what}")

    session = call("POST", "/session", {"login": args.login, "password": args.password})
    state["csrf"] = session["csrfToken"]
    print(f"ok: signed in as {session['login']}", flush=True)
    def open_invoices():
        found = [
            invoice
            for invoice in call("GET", "/invoices")["invoices"]
            if float(invoice["open"]["amount"]) > 1 and float(invoice["pending"]["amount"]) == 0
        ]
        return found[:2] if len(found) >= 2 else None

    unpaid = wait("the Invoices page lists two invoices with something open", open_invoices)
    paid, copied = unpaid[0]["number"], unpaid[1]["number"]

    added = call("POST", f"/invoices/{paid}/pay", {"amount": "1.00"})
    wait("the invoice is in the cart", lambda: call("GET", f"/commands/{added['id']}")["status"] == "accepted")
    checkout = call("POST", "/cart/checkout", {"tender": "onAccount"}, headers={"traceparent": args.checkout_traceparent})
    wait("the checkout is accepted", lambda: call("GET", f"/commands/{checkout['id']}")["status"] == "accepted")
    request_parent = "00-" + os.urandom(16).hex() + "-" + os.urandom(8).hex() + "-01"
    requested = call("POST", f"/invoices/{copied}/request", headers={"traceparent": request_parent})
    print(f"ok: paid 1.00 on {paid}, requested a copy of {copied}", flush=True)

    def settled():
        detail = call("GET", f"/invoices/{paid}")
        invoice = detail.get("invoice", detail)
        return invoice["status"] == "partially-paid" and float(invoice["pending"]["amount"]) == 0

    wait(f"HQ settled the payment on {paid}", settled)
    wait(
        f"the copy of {copied} is e-mailed",
        lambda: any(r.get("invoice") == copied and r["status"] == "completed" for r in call("GET", "/requests")["requests"]),
    )
    cookies = [cookie.value for cookie in jar]
    print(
        json.dumps(
            {
                "paid": paid,
                "copied": copied,
                "checkout": checkout["id"],
                "request": requested["id"],
                "checkoutTraceparent": args.checkout_traceparent,
                "requestTraceparent": request_parent,
                "cookies": cookies,
                "csrf": state["csrf"],
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    try:
        main()
    except Failure as failure:
        print(f"FAILED: {failure}", flush=True)
        sys.exit(1)
