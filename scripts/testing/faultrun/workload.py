"""The workload on the seeded world: the backlogs (payment posts, cart adds, copy requests and
producers' invoice.pay, built by scripts/benchmarks/kinds.py, each planned to be applied exactly
once), published in parts (`plan_backlogs`, `publish_first_part`); each user's checkout once every
cart add of theirs is applied (`Checkouts`); and five buyers reading and requesting copies through
the buyer portal (`Buyers`)."""
import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from types import SimpleNamespace

from .common import BACKLOGS, CHECKOUT_TAG, DEMO_PASSWORD, channel_store, cluster_nodes, fail, free_port, kinds


def plan_backlogs(args, store, faults):
    """The backlogs (a plan of each kept as plan-KIND.json), in as many parts as there are faults
    plus one: the first part goes out before any worker runs, each other part right before its
    fault, so that every fault meets work in flight. Returns (plans, parts)."""
    plans, parts = {}, [[] for _ in range(len(faults) + 1)]
    for index, kind in enumerate(BACKLOGS):
        # Cart adds keep off the invoices the payments settle meanwhile (a cart add of a paid invoice
        # is refused, rightly, and would make the count depend on timing).
        # Producers' invoice.pay keeps off both.
        avoid = {"cart-validation": plans.get("payment-posting", {}).get("invoices", []),
                 "invoice-pay": plans.get("payment-posting", {}).get("invoices", []) + plans.get("cart-validation", {}).get("invoices", [])
                 }.get(kind, ())
        # Each invoice in one cart only, so that every cart can be checked out.
        outbound, plans[kind] = kinds.prepare(SimpleNamespace(kind=kind, store=store, count=args.count, tag=f"fault{index}",
                                                              avoid=avoid, distinct=kind == "cart-validation"))
        json.dump(plans[kind], open(os.path.join(args.out, f"plan-{kind}.json"), "w"))
        for part in range(len(parts)):
            parts[part] += outbound[len(outbound) * part // len(parts):len(outbound) * (part + 1) // len(parts)]
    return plans, parts


def publish_first_part(args, parts):
    """The producers' reply queue, and the backlogs' first part published with confirms."""
    # On a cluster the producer's reply queue is a quorum queue: a classic one lives on one node, and
    # while that node is down answers to it are dropped (Remit keeps each outcome in the channel
    # store; the answer is the convenience).
    kinds.declare_reply_queue(args.peer_url, quorum=bool(cluster_nodes(args)))
    kinds.publish(args.peer_url, parts[0], timeout=300)
    print(f"  published {len(parts[0])} of {args.count * len(BACKLOGS)} messages; the rest in {len(parts) - 1} parts, "
          f"one right before each fault", file=sys.stderr)


class Checkouts(threading.Thread):
    """Each user's checkout (card, answered), published once every cart add of that user is
    applied — so that the cart checked out is the whole planned cart —, while the faults go on. A
    publish that fails (the broker down or blocked) is tried again; a checkout published twice is
    the same message (its id), applied once."""

    def __init__(self, args, carts):
        super().__init__(daemon=True)
        self.args = args
        self.carts = dict(carts)  # login → the ids of their cart adds
        self.ids = {login: f"{CHECKOUT_TAG}-{index}" for index, login in enumerate(sorted(carts))}
        self.pending = set(carts)
        self.outbound = {}  # login → the checkout as first built
        self.failed_publishes = 0
        self.last_error = None  # the last failure tried again (a publish refused, the store unreadable)
        self.stopping = threading.Event()

    def run(self):
        own = kinds.open_store(channel_store(self.args))
        try:
            while self.pending and not self.stopping.wait(0.5):
                try:
                    self.check_out_ready(own)
                except Exception as error:  # the store busy or full, the broker gone: tried again
                    self.failed_publishes += isinstance(error, kinds.PublishFailed)
                    self.last_error = f"{type(error).__name__}: {error}"
        finally:
            own.close()

    def check_out_ready(self, own):
        """Publishes the checkouts of every cart whose adds are all applied (a failure raises: the
        caller tries again half a second later)."""
        done = {row[0] for row in own.execute("SELECT correlation_id FROM command_outcome WHERE type = 'cart.add-invoice'")}
        ready = sorted(login for login in self.pending if all(key in done for key in self.carts[login]))
        if not ready:
            return
        # Built once: a publish tried again sends the same bytes (the same id with other content,
        # even another occurredAt, is an id conflict, rightly dead-lettered).
        for login in ready:
            if login not in self.outbound:
                self.outbound[login] = kinds.to_outbound([(
                    "cart.checkout", 1, self.ids[login], f"user:{login}",
                    {"user": login, "tender": "card", "cardAuthorization": f"psp-{self.ids[login]}"}, True)])[0]
        kinds.publish(self.args.peer_url, [self.outbound[login] for login in ready], timeout=60, on_failure=kinds.PublishFailed)
        self.pending -= set(ready)

    def applied(self, db):
        return db.execute("SELECT count(*) FROM inbox WHERE consumer = 'cart-validation' AND message_type = 'cart.checkout' "
                          "AND message_id LIKE ?", (f"{CHECKOUT_TAG}-%",)).fetchone()[0]

    def payments_applied(self, db):
        """The checkouts' payment posts (one per cart line) applied: their correlation id is the checkout's."""
        return db.execute("SELECT count(*) FROM command_outcome WHERE type = 'payment.post' AND correlation_id LIKE ?",
                          (f"{CHECKOUT_TAG}-%",)).fetchone()[0]


class NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer of its own (the portal's 303 to /sign-in is a lost session)."""

    def redirect_request(self, *_):
        return None


READS = ("/api/v1/invoices?status=unpaid", "/api/v1/account", "/invoices")
SIGN_IN = "/api/v1/session"
REQUEST = "/api/v1/invoices/{number}/request"
REQUESTS_PER_BUYER = 8  # copy requests each buyer clicks through the portal during the run


class Buyers(threading.Thread):
    """The buyer portal (`remit portal`, not killed; on a run of several hosts, one a host behind
    nginx's round robin, killed with its host) with five buyers signed in through the API, each
    reading their unpaid invoices, their account and the Invoices page every half second all through
    the run, and every three seconds asking for a copy of one of their invoices (Request invoice,
    `REQUESTS_PER_BUYER` each; none the backlog asks for the same user, so that none joins another).
    Their session cookies and CSRF tokens join the secrets no file may show. Every read must answer
    200 (or 503, a store that does not answer, said so), redirects not followed: a 303 to the
    sign-in page is a session lost; a request answers 202 with its command, or 503 when the broker
    did not confirm it (clicked again three seconds later, as a buyer would); no answer, any other
    status or a reader that died are violations (`problems`). With several hosts each answer is
    also held against the faults' times: a 503 only while PostgreSQL is down (a request's also while
    the broker restarts or blocks), a request's 502 only while a host is killed (the portal that had
    it died; clicked again), and a 303 to the sign-in page never — the sessions live in PostgreSQL."""

    def __init__(self, args, db, avoid):
        super().__init__(daemon=True)
        self.args, self.port = args, free_port()
        self.logins = [row[0] for row in db.execute("SELECT login FROM channel_user ORDER BY login LIMIT 5")]
        self.avoid = {tuple(pair) for pair in avoid}  # (login, invoice) pairs the backlog requests
        self.secrets = []
        self.statuses = {path: {} for path in (SIGN_IN,) + READS + (REQUEST,)}  # path → status → count
        self.commands = {}  # (login, invoice) → the ids of its requests the portal answered 202
        self.clicked = set()  # (login, invoice) pairs requested at all (a 503 may still have gone out)
        self.clicking = threading.Lock()  # held while a request is made
        self.clicks_over = False
        self.errors = []  # requests without an answer (refused, reset, timed out, cut short)
        self.crashed = None  # what ended the readers early
        self.lock = threading.Lock()
        self.opener = urllib.request.build_opener(NoRedirects)
        self.stopping = threading.Event()
        self.hosts = [f"h{host}" for host in range(1, getattr(args, "hosts", 1) + 1)]
        # One host: the buyers talk to its portal. Several: to nginx, in front of a portal a host.
        self.portal_ports = {host: (self.port if len(self.hosts) == 1 else free_port()) for host in self.hosts}
        self.processes = {}  # host → its portal
        self.exit_codes = {}  # host → how its portal's final SIGTERM ended
        self.answered = []  # (monotonic time, path, status) of every answer other than 200 and 202
        self.outages = None  # the nemesis, whose fault windows the answers are held against (set by the runner)
        self.nginx = None

    def start_portals(self):
        for host in self.hosts:
            self.start_portal(host)
        if len(self.hosts) > 1:
            self.start_front()

    def start_portal(self, host="h1"):
        from .pipeline import store_arguments  # noqa: PLC0415 (pipeline imports this module's neighbours)
        log = open(os.path.join(self.args.out, f"portal-{host}.log" if len(self.hosts) > 1 else "portal.log"), "a")
        port = self.portal_ports[host]
        command = [os.path.join(self.args.bin, "remit"), "portal", "--port", str(port), *store_arguments(self.args, host),
                   "--amqp-url", self.args.amqp_url, "--log-level", "info", "--portal-trusted-proxies", "127.0.0.1"]
        self.processes[host] = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5).read()
                return
            except OSError:
                # A portal that could not start (its store or broker not answering yet, as when its
                # host comes back during another fault) is started again, as a supervisor would.
                if self.processes[host].poll() is not None:
                    self.portal_restarts = getattr(self, "portal_restarts", 0) + 1
                    self.processes[host] = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
                time.sleep(0.5)
        fail(f"the portal of {host} did not answer /health within 120 s; see its log")

    def start_front(self):
        """nginx, round robin over the portals: no sticky sessions. A portal that refuses the
        connection (its host killed) is skipped for the next one; a request it had already taken
        is not sent again (a POST is not idempotent), so the buyer sees 502 and clicks again."""
        folder = os.path.abspath(os.path.join(self.args.out, "nginx"))
        os.makedirs(folder, exist_ok=True)
        upstreams = "".join(f"    server 127.0.0.1:{port} max_fails=0;\n" for port in self.portal_ports.values())
        with open(os.path.join(folder, "nginx.conf"), "w") as conf:
            conf.write(f"""daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 256; }}
http {{
  access_log {folder}/access.log;
  client_body_temp_path {folder}/body; proxy_temp_path {folder}/proxy;
  fastcgi_temp_path {folder}/fastcgi; uwsgi_temp_path {folder}/uwsgi; scgi_temp_path {folder}/scgi;
  upstream portals {{
{upstreams}  }}
  server {{
    listen 127.0.0.1:{self.port};
    location / {{
      proxy_pass http://portals;
      proxy_next_upstream error timeout;
      proxy_connect_timeout 2s;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $remote_addr;
    }}
  }}
}}
""")
        self.nginx = subprocess.Popen(["nginx", "-p", folder, "-c", os.path.join(folder, "nginx.conf")],
                                      stdout=open(os.path.join(folder, "nginx.out"), "a"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=5).read()
                return
            except OSError:
                time.sleep(0.3)
        fail("nginx did not answer /health within 30 s; see nginx/error.log")

    def kill_portal(self, host):
        process = self.processes.pop(host, None)
        if process and process.poll() is None:
            process.kill()
            process.wait()

    def kill_all(self):
        for host in list(self.processes):
            self.kill_portal(host)
        if self.nginx and self.nginx.poll() is None:
            self.nginx.kill()
            self.nginx.wait()

    def call(self, path, cookie=None, body=None, token=None, label=None):
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=body,
                                         headers={"Content-Type": "application/json", **({"Cookie": cookie} if cookie else {}),
                                                  **({"X-CSRF-Token": token} if token else {})},
                                         method="POST" if body is not None or token else "GET")
        label = label or path
        try:
            with self.opener.open(request, timeout=30) as answer:
                status, headers, data = answer.status, answer.headers, answer.read()
        except urllib.error.HTTPError as error:
            status, headers, data = error.code, error.headers, error.read()
        except (OSError, http.client.HTTPException) as error:  # no answer, or one cut short
            with self.lock:
                self.errors.append(f"{label}: {type(error).__name__}: {error}")
            return None, None, None
        with self.lock:
            self.statuses[label][status] = self.statuses[label].get(status, 0) + 1
            if status not in (200, 202):
                self.answered.append((time.monotonic(), label, status))
        return status, headers, data

    def run(self):
        try:
            self.read()
        except BaseException as error:  # the readers' own failure ends the check: said, not swallowed
            self.crashed = f"{type(error).__name__}: {error}"

    def read(self):
        sessions, tokens, candidates, tick = {}, {}, {}, 0
        while not self.stopping.wait(0.5):
            tick += 1
            for login in self.logins:
                if login not in sessions:
                    status, headers, data = self.call(SIGN_IN, body=json.dumps({"login": login, "password": DEMO_PASSWORD}).encode())
                    cookie = next((value.split(";", 1)[0] for value in (headers.get_all("Set-Cookie") or [] if headers else [])
                                   if value.startswith("remit_session=")), None)
                    if status == 200 and cookie:
                        sessions[login], tokens[login] = cookie, json.loads(data)["csrfToken"]
                        self.secrets += [cookie.split("=", 1)[1], tokens[login]]
                    continue
                for path in READS:
                    status, _, data = self.call(path, cookie=sessions[login])
                    if path == READS[0] and status == 200 and login not in candidates:
                        candidates[login] = [invoice["number"] for invoice in json.loads(data)["invoices"]
                                             if (login, invoice["number"]) not in self.avoid][:REQUESTS_PER_BUYER]
                if tick % 6 == 0:
                    self.request_copy(login, sessions[login], tokens[login], candidates.get(login, []))

    def request_copy(self, login, cookie, token, numbers):
        """Request invoice for the first of `numbers` not yet answered 202 (a 503 is clicked again)."""
        number = next((number for number in numbers if (login, number) not in self.commands), None)
        with self.clicking:
            if number is None or self.clicks_over:
                return
            self.clicked.add((login, number))
            status, _, data = self.call(REQUEST.format(number=urllib.parse.quote(number)), cookie=cookie, token=token, label=REQUEST)
            if status == 202:
                self.commands.setdefault((login, number), []).append(json.loads(data)["id"])

    def stop_clicking(self):
        """No request after this returns (the final rounds complete what was requested)."""
        with self.clicking:
            self.clicks_over = True

    def stop(self):
        self.stopping.set()
        self.join(60)
        for host, process in list(self.processes.items()):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(60)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            self.exit_codes[host] = process.returncode
        if self.nginx and self.nginx.poll() is None:
            self.nginx.send_signal(signal.SIGQUIT)
            try:
                self.nginx.wait(30)
            except subprocess.TimeoutExpired:
                self.nginx.kill()

    def problems(self):
        """What the portal did wrong under the faults (or what kept the check from seeing it)."""
        found = []
        if self.is_alive():
            found.append("the portal's readers did not stop within 60 s")
        if self.crashed:
            found.append(f"the portal's readers ended early: {self.crashed}")
        if len(self.secrets) != 2 * len(self.logins) or not self.logins:
            found.append(f"{len(self.secrets) // 2} of {len(self.logins)} buyers signed in; sign-ins answered {self.statuses[SIGN_IN]}")
        for path in READS:
            answers = self.statuses[path]
            wrong = {status: count for status, count in answers.items() if status not in (200, 503)}
            if not answers.get(200) or wrong:
                found.append(f"{path} answered {answers} (every read must be 200, or 503 while the store does not answer)")
        answers = self.statuses[REQUEST]
        if set(answers) - ({202, 503, 502} if len(self.hosts) > 1 else {202, 503}) or len(self.commands) < len(self.logins):
            found.append(f"Request invoice answered {answers} for {len(self.commands)} invoices (202, or 503 while the broker "
                         f"does not confirm; at least one request a buyer)")
        if self.errors:
            found.append(f"{len(self.errors)} requests got no answer, e.g. {self.errors[0][:200]}")
        if len(self.hosts) > 1:
            found += self.out_of_window()
        return found

    # How long after a fault its answers may still come: the portals' pool reconnects, the broker's
    # publisher comes back.
    GRACE = 10.0

    def out_of_window(self):
        """With several hosts, each answer other than 200/202 against the faults' times: 503 only
        while PostgreSQL is down (a request's also while the broker restarts or blocks), a request's
        502 only while a host is killed; a 303 (a session lost) or anything else never."""
        windows = self.outages.windows if self.outages else []
        current = getattr(self.outages, "current", None)

        def during(names, moment):
            return any(fault in names and start - 1 <= moment <= end + self.GRACE for fault, start, end in windows) or (
                current in names)
        wrong = []
        for moment, path, status in self.answered:
            if status == 503 and during(("postgres-restart",), moment):
                continue
            if path == REQUEST and status == 503 and during(("broker-restart", "memory-alarm", "host-kill"), moment):
                continue
            if path == REQUEST and status == 502 and during(("host-kill",), moment):
                continue
            wrong.append((path, status))
        if not wrong:
            return []
        counted = {}
        for key in wrong:
            counted[key] = counted.get(key, 0) + 1
        return [f"answers outside their faults' windows (503 only while PostgreSQL is down; 303 a lost session): {counted}"]

