"""Faults against the real pipeline (issue #11). The mix: backlogs of payment posts, cart adds and
copy requests (built by scripts/benchmarks/kinds.py from the seeded world, each planned to be
applied exactly once; payments and requests answered to a producer's queue), HQ jobs every two
seconds (P-0001 uploads payments and requests, Synchronize settles invoices and turns requests into
e-mails, Distribution sends the changed invoices back to the channel), and e-mail dispatch to a
real SMTP server that requires a password. One `remit worker` process per kind, while a nemesis:
  - SIGKILLs random workers and restarts them; every eighth time sends SIGTERM (drain, exit 0);
  - stops the SMTP server for a while;
  - holds a write lock on the channel store from outside (BEGIN IMMEDIATE, beyond the busy timeout);
  - fills the data directory's disk (a tmpfs) and frees it again;
  - raises a broker memory alarm (publishers blocked) and clears it;
  - restarts the broker's application (every connection closed).
Afterwards the jobs run until everything has gone round, and the checker reads the stores, the
queues and the SMTP server's mailbox alone: every planned message applied exactly once (counts and
sums) and answered; every payment uploaded, posted and settled once in HQ, its settlement equal to
the channel's payment; every invoice's settled + discount taken + open = due, and the channel's
figures equal HQ's; every request completed with exactly one e-mail (by Message-ID) at the SMTP
server; every work, retry and dead-letter queue empty; every job run finished. Prints the figures
as one JSON line; exits 1 on any violation.

  fault_run.py --data-dir DIR --amqp-url URL --bin BIN --count N --min-kills K --broker-restarts R
               --out DIR [--disk-fault] [--seed S]"""
import argparse
import email
import http.client
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from types import SimpleNamespace

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "benchmarks"))
import kinds  # noqa: E402
import pika  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
# The backlogs (kinds.py's names): producers' invoice.pay goes to payment posting, as payment.post does.
BACKLOGS = ["payment-posting", "cart-validation", "invoice-requests", "invoice-pay"]
KINDS = ["payment-posting", "cart-validation", "invoice-requests", "email-dispatch", "channel-updates", "hq-p0001", "hq-sync",
         "hq-distribution"]
DEMO_PASSWORD = "remit-demo"  # HQSeeder.demoPassword: every seeded buyer's
JOBS = ["hq.p-0001.run", "hq.sync.run", "hq.distribution.run"]
# What each fault leaves in a worker's log when it reaches the worker as the worker's own fault.
TRACES = {"smtp-outage": "the effect's far side is unavailable; consuming paused", "store-lock": "database is locked",
          "disk-full": "database or disk is full", "memory-alarm": "the broker blocks this connection",
          "broker-restart": "CONNECTION_FORCED"}


# What each backlog's messages are in the inbox: the consumer and the type. A backlog's messages
# have the ids TAG-N, its tag `fault<index in BACKLOGS>` (a checkout's payment posts have ids of
# their own).
INBOX = {"payment-posting": ("payment-posting", "payment.post"), "cart-validation": ("cart-validation", "cart.add-invoice"),
         "invoice-requests": ("invoice-requests", "invoice.request"), "invoice-pay": ("payment-posting", "invoice.pay")}
CHECKOUT_TAG = "checkout"


def applied(db, kind):
    """How many of backlog `kind`'s messages the inbox holds."""
    consumer, message_type = INBOX[kind]
    return db.execute("SELECT count(*) FROM inbox WHERE consumer = ? AND message_type = ? AND message_id LIKE ?",
                      (consumer, message_type, f"fault{BACKLOGS.index(kind)}-%")).fetchone()[0]


def fail(message):
    print(f"fault_run.py: {message}", file=sys.stderr)
    sys.exit(1)


def as_root(*command):
    prefix = [] if os.geteuid() == 0 else ["sudo"]
    return subprocess.run(prefix + list(command), stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=180)


def ctl(args, *command, node=None):
    """rabbitmqctl on the local broker, or on a node of the cluster (the first one by default)."""
    nodes = cluster_nodes(args)
    target = ["-n", node or nodes[0][0]] if nodes else []
    return as_root("rabbitmqctl", "-q", *target, *command)


def cluster_nodes(args):
    """[(node name, AMQP port)] from --nodes "NAME:AMQP:MANAGEMENT …"; empty for the local broker."""
    return [(item.split(":")[0], int(item.split(":")[1])) for item in args.nodes.split()]


def worker_url(args, kind):
    """The AMQP URL for `kind`: with --kind-users as USER-KIND (password PASSWORD-KIND); on a
    cluster naming every node, each kind with another node first."""
    nodes = cluster_nodes(args)
    scheme, rest = args.amqp_url.split("://", 1)
    userinfo, rest = rest.rsplit("@", 1)
    if args.kind_users:
        user, password = userinfo.split(":", 1)
        userinfo = f"{user}-{kind}:{password}-{kind}"
    if not nodes:
        return f"{scheme}://{userinfo}@{rest}"
    index = KINDS.index(kind)
    vhost = rest.split("/", 1)[1]
    ports = [port for _, port in nodes]
    ports = ports[index % len(ports):] + ports[:index % len(ports)]
    return f"{scheme}://{userinfo}@" + ",".join(f"127.0.0.1:{port}" for port in ports) + f"/{vhost}"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SMTPServer:
    """scripts/testing/smtp_server.py on a fixed port (so that it can be stopped and started again
    where the workers look for it), requiring AUTH with the run's SMTP password."""

    def __init__(self, out, port, credentials):
        self.maildir = os.path.join(out, "mailbox")
        self.port, self.credentials, self.process = port, credentials, None
        self.log = open(os.path.join(out, "smtp-server.log"), "a")

    def start(self):
        self.process = subprocess.Popen(
            [sys.executable, os.path.join(ROOT, "scripts/testing/smtp_server.py"), "--port", str(self.port), "--maildir", self.maildir,
             "--auth", self.credentials], stdout=subprocess.PIPE, stderr=self.log, text=True)
        line = self.process.stdout.readline()
        if not line.startswith("READY"):
            fail(f"the SMTP server did not start: {line!r}; see smtp-server.log")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(30)
        self.process = None

    def message_ids(self):
        """Message-ID of every e-mail the server accepted, one entry per e-mail."""
        found = []
        for name in sorted(os.listdir(self.maildir)):
            if name.endswith(".eml"):
                with open(os.path.join(self.maildir, name), "rb") as file:
                    found.append(email.message_from_binary_file(file).get("Message-ID", "").strip())
        return found


class Workers:
    """One `remit worker KIND` process per kind; restarted whenever it is gone."""

    def __init__(self, args, smtp_url):
        self.args, self.smtp_url = args, smtp_url
        self.processes = {}
        self.started_at = {}
        self.metrics_ports = {kind: free_port() for kind in KINDS}  # each kind's /metrics, the same across restarts
        self.starts = {kind: 0 for kind in KINDS}
        self.self_exits = []
        self.held = set()  # kinds the nemesis keeps down for a moment: not revived
        self.lock = threading.Lock()

    def start(self, kind):
        log = open(os.path.join(self.args.out, f"worker-{kind}.log"), "a")
        # On a cluster a worker may start while any one node is down: it checks no topology there
        # (the management API it would ask may be the node that is down).
        verify = ["--skip-verify"] if cluster_nodes(self.args) else []
        self.processes[kind] = subprocess.Popen(
            [os.path.join(self.args.bin, "remit"), "worker", kind, *verify, "--data-dir", self.args.data_dir, "--amqp-url",
             worker_url(self.args, kind), "--smtp-url", self.smtp_url, "--metrics-port", str(self.metrics_ports[kind]),
             "--log-level", "info"],
            stdout=log, stderr=subprocess.STDOUT)
        self.started_at[kind] = time.monotonic()
        self.starts[kind] += 1

    def revive(self):
        """Restarts every worker that is gone (and notes the ones that ended by themselves)."""
        with self.lock:
            for kind in KINDS:
                if kind in self.held:
                    continue
                process = self.processes.get(kind)
                if process is None:
                    self.start(kind)
                elif process.poll() is not None:
                    self.self_exits.append((kind, process.returncode, self.last_line(kind)))
                    self.start(kind)

    def last_line(self, kind):
        with open(os.path.join(self.args.out, f"worker-{kind}.log"), "rb") as log:
            log.seek(max(0, os.fstat(log.fileno()).st_size - 2000))
            lines = [line for line in log.read().decode(errors="replace").splitlines() if line.strip()]
        return lines[-1] if lines else ""

    def kill(self, kind):
        with self.lock:
            process = self.processes.pop(kind, None)
        if process:
            process.send_signal(signal.SIGKILL)
            process.wait()

    def hold(self, kind):
        """Stops `kind` (SIGKILL: it may be still starting) and keeps it down until `release`."""
        with self.lock:
            self.held.add(kind)
        self.kill(kind)

    def release(self, kind):
        with self.lock:
            self.held.discard(kind)

    def terminate(self, kind, timeout=90):
        """SIGTERM: the worker must drain and exit 0."""
        with self.lock:
            process = self.processes.pop(kind, None)
        if process is None:
            return 0
        process.send_signal(signal.SIGTERM)
        try:
            return process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            return f"no exit within {timeout} s"


class JobTicker(threading.Thread):
    """Starts a run of each HQ job every two seconds (`remit hq run-job --wait 0`), as the job
    scheduler does; a start that fails (the broker down or blocked) is counted and tried next tick."""

    def __init__(self, args):
        super().__init__(daemon=True)
        self.args, self.started, self.failed = args, 0, 0
        self.stopping = threading.Event()
        self.log = open(os.path.join(args.out, "jobs.log"), "a")

    def start_run(self, job, wait=0, timeout=30):
        command = [os.path.join(self.args.bin, "remit"), "hq", "run-job", job, "--wait", str(wait), "--data-dir",
                   self.args.data_dir, "--amqp-url", self.args.amqp_url, "--log-level", "warning"]
        try:
            result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            self.log.write(f"{job}: no answer within {timeout} s\n")
            return None
        self.log.write(result.stdout)
        return result.stdout.strip().splitlines()[-1] if result.returncode == 0 and result.stdout.strip() else None

    def run(self):
        while not self.stopping.wait(2):
            for job in JOBS:
                if self.start_run(job) is None:
                    self.failed += 1
                else:
                    self.started += 1


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
        own = kinds.open_store(os.path.join(self.args.data_dir, "channel.sqlite"))
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
    """The buyer portal (`remit portal`, not killed) with five buyers signed in through the API, each
    reading their unpaid invoices, their account and the Invoices page every half second all through
    the run, and every three seconds asking for a copy of one of their invoices (Request invoice,
    `REQUESTS_PER_BUYER` each; none the backlog asks for the same user, so that none joins another).
    Their session cookies and CSRF tokens join the secrets no file may show. Every read must answer
    200 (or 503, a store that does not answer, said so), redirects not followed: a 303 to the
    sign-in page is a session lost; a request answers 202 with its command, or 503 when the broker
    did not confirm it (clicked again three seconds later, as a buyer would); no answer, any other
    status or a reader that died are violations (`problems`)."""

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
        self.process = None

    def start_portal(self):
        log = open(os.path.join(self.args.out, "portal.log"), "a")
        self.process = subprocess.Popen(
            [os.path.join(self.args.bin, "remit"), "portal", "--port", str(self.port), "--data-dir", self.args.data_dir,
             "--amqp-url", self.args.amqp_url, "--log-level", "info"], stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=5).read()
                return
            except OSError:
                time.sleep(0.3)
        fail("the portal did not answer /health within 60 s; see portal.log")

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
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

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
        if set(answers) - {202, 503} or len(self.commands) < len(self.logins):
            found.append(f"Request invoice answered {answers} for {len(self.commands)} invoices (202, or 503 while the broker "
                         f"does not confirm; at least one request a buyer)")
        if self.errors:
            found.append(f"{len(self.errors)} requests got no answer, e.g. {self.errors[0][:200]}")
        return found


class Outages(threading.Thread):
    """The nemesis's slower faults, one at a time, each right after the next part of the backlogs went out."""

    def __init__(self, args, rng, smtp, workers, schedule, published):
        super().__init__(daemon=True)
        self.args, self.rng, self.smtp, self.workers = args, rng, smtp, workers
        self.schedule = schedule  # [(the part of the backlogs to publish first, fault)], in order
        self.published = published  # backlog messages out so far
        self.done = {name: 0 for _, name in schedule}
        self.seconds = {name: 0.0 for _, name in schedule}
        self.errors = []
        self.restarted_nodes = []
        self.current = None  # the fault being made now
        self.unreached = []  # (fault, round, seconds held) of each fault that left no trace in a worker's log
        self.marks = {}  # each worker log's size when the current fault began
        self.finished = threading.Event()

    def run(self):
        own = kinds.open_store(os.path.join(self.args.data_dir, "channel.sqlite"))
        try:
            for part, fault in self.schedule:
                # Most of what is out is applied (bounded: a slow run still gets its faults).
                deadline = time.monotonic() + 120
                while (sum(min(applied(own, kind), self.args.count) for kind in BACKLOGS) < self.published - len(part) // 5
                       and time.monotonic() < deadline):
                    time.sleep(0.2)
                started, self.current = time.monotonic(), fault
                if fault == "memory-alarm":
                    self.memory_alarm(part)
                else:
                    kinds.publish(self.args.peer_url, part, timeout=300)
                    getattr(self, fault.replace("-", "_"))()
                self.published += len(part)
                self.current = None
                self.done[fault] += 1
                self.seconds[fault] += time.monotonic() - started
        except BaseException as error:  # a fault the nemesis could not make or undo is the run's failure
            self.errors.append(f"{type(error).__name__}: {error}")
        finally:
            own.close()
            self.finished.set()

    def mark(self):
        """Right before a fault is made: where each worker's log ends, so that only what the fault
        caused counts as its trace (not lines a worker wrote meanwhile about the one before)."""
        self.marks = {kind: self.log_size(kind) for kind in KINDS}

    def log_size(self, kind):
        try:
            return os.path.getsize(os.path.join(self.args.out, f"worker-{kind}.log"))
        except OSError:
            return 0

    def reached(self):
        """Whether the current fault's trace is in a worker's log since the fault began."""
        trace = TRACES[self.current].encode()
        for kind, mark in self.marks.items():
            try:
                with open(os.path.join(self.args.out, f"worker-{kind}.log"), "rb") as log:
                    log.seek(max(0, mark - len(trace)))
                    if trace in log.read():
                        return True
            except OSError:
                pass
        return False

    def hold(self, minimum, maximum=60):
        """Keeps the fault up for `minimum` seconds, and on until it has reached a worker (a worker
        may be down, or between messages, when it begins), `maximum` at most: one that reached none
        is the run's failure (the check would prove nothing)."""
        began = time.monotonic()
        time.sleep(minimum)
        while not self.reached():
            if time.monotonic() - began > maximum:
                self.unreached.append((self.current, self.done[self.current] + 1, round(time.monotonic() - began, 1)))
                return
            time.sleep(0.5)

    def smtp_outage(self):
        self.mark()
        self.smtp.stop()
        try:
            self.hold(self.rng.uniform(3, 6))
        finally:
            self.smtp.start()

    def store_lock(self):
        """BEGIN IMMEDIATE on the channel store, held beyond the workers' 10 s busy timeout."""
        db = sqlite3.connect(os.path.join(self.args.data_dir, "channel.sqlite"), timeout=30, isolation_level=None)
        self.mark()
        db.execute("BEGIN IMMEDIATE")
        try:
            self.hold(self.rng.uniform(12, 15))
        finally:
            db.execute("ROLLBACK")
        db.close()

    def disk_full(self):
        """Fills the data directory's tmpfs to the last byte, holds it, frees it. The stores' WAL
        files are first checkpointed and truncated: a WAL that once grew keeps its blocks and, after
        a checkpoint, is written again from its start, so commits would go on in the space it holds
        on a full disk (a CI run held the disk full for 60 s without a worker noticing). Truncated,
        the next commit has to grow it and meets the full disk."""
        path = os.path.join(self.args.data_dir, "disk-filler")
        self.mark()
        for store in ("channel.sqlite", "hq.sqlite"):
            self.truncate_wal(os.path.join(self.args.data_dir, store))
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            for size in (1 << 20, 4096, 1):  # unbuffered, to the last byte
                while True:
                    try:
                        if os.write(fd, b"\0" * size) < size:
                            break
                    except OSError:
                        break
            if os.statvfs(self.args.data_dir).f_bavail != 0:
                raise RuntimeError("the data directory's disk is not full after filling it")
            self.hold(self.rng.uniform(4, 8))
        finally:
            os.close(fd)
            os.unlink(path)

    @staticmethod
    def truncate_wal(store):
        """`PRAGMA wal_checkpoint(TRUNCATE)`, tried again while a reader keeps it from finishing."""
        db = sqlite3.connect(store, timeout=30, isolation_level=None)
        try:
            for _ in range(20):
                busy, _, _ = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                if busy == 0:
                    return
                time.sleep(0.1)
            raise RuntimeError(f"cannot truncate {os.path.basename(store)}'s WAL: its readers keep it busy")
        finally:
            db.close()

    def memory_alarm(self, part):
        """Publishers blocked while work is waiting: payment posting is held down while its part goes
        out and the alarm is raised, then started, so that it meets the alarm with answers to send."""
        nodes = cluster_nodes(self.args)
        node = nodes[-1][0] if nodes else None  # on a cluster, one node's alarm blocks publishers on every node
        result = ctl(self.args, "eval", "vm_memory_monitor:get_vm_memory_high_watermark().", node=node)
        previous = result.stdout.decode().strip()
        if result.returncode != 0 or not previous:
            raise RuntimeError(f"cannot read the broker's memory watermark: {result.stderr.decode()[:200]}")
        self.workers.hold("payment-posting")
        kinds.publish(self.args.peer_url, part, timeout=300)
        self.mark()
        if ctl(self.args, "set_vm_memory_high_watermark", "absolute", "1MB", node=node).returncode != 0:
            self.workers.release("payment-posting")
            raise RuntimeError("cannot set the broker's memory watermark")
        self.workers.release("payment-posting")
        try:
            self.hold(self.rng.uniform(4, 8))
        finally:
            restore = ["absolute", previous.split(",")[1].strip(" }")] if previous.startswith("{absolute") else [previous]
            if ctl(self.args, "set_vm_memory_high_watermark", *restore, node=node).returncode != 0:
                raise RuntimeError(f"cannot restore the broker's memory watermark {previous}")

    def broker_restart(self):
        """The local broker's application; on a cluster, the node leading the busiest of Remit's
        queues (the others keep the quorum)."""
        nodes = cluster_nodes(self.args)
        node = self.busiest_leader(nodes) if nodes else None
        self.mark()
        ctl(self.args, "stop_app", node=node)
        try:
            self.hold(self.rng.uniform(3, 6) if nodes else self.rng.uniform(0.5, 2.0), maximum=30)
        finally:
            result = ctl(self.args, "start_app", node=node)
        if result.returncode != 0:
            raise RuntimeError(f"the broker did not start again: {result.stderr.decode()[:300]}")
        ctl(self.args, "await_startup", node=node)
        if node:
            self.restarted_nodes.append(node)

    def busiest_leader(self, nodes):
        vhost = self.args.amqp_url.rsplit("/", 1)[1]
        result = ctl(self.args, "list_queues", "-p", vhost, "name", "leader", "messages", "--formatter", "json", node=nodes[0][0])
        queues = [queue for queue in json.loads(result.stdout.decode() or "[]") if queue.get("leader")]
        if result.returncode != 0 or not queues:
            raise RuntimeError(f"cannot list the queues' leaders: {result.stderr.decode()[:200]}")
        busiest = max(queues, key=lambda queue: (queue.get("messages") or 0, queue["name"]))
        return busiest["leader"]


def topology_queues():
    workers = json.load(open(os.path.join(ROOT, "Topology/workers.json")))
    queues = []
    for kind in workers["kinds"]:
        queues += [kind["queue"], kind["deadLetterQueue"]] + kind["retryQueues"]
    return queues


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    for name in ("--data-dir", "--amqp-url", "--bin", "--out", "--smtp-password"):
        parser.add_argument(name, required=True)
    parser.add_argument("--peer-url", help="the URL for this script's own clients (one node); default --amqp-url")
    parser.add_argument("--nodes", default="", help="a cluster's nodes, NAME:AMQP_PORT:MANAGEMENT_PORT …")
    parser.add_argument("--count", type=int, default=3000, help="messages per backlog")
    parser.add_argument("--min-kills", type=int, default=50)
    parser.add_argument("--broker-restarts", type=int, default=1)
    parser.add_argument("--outage-rounds", type=int, default=1, help="times each outage is made")
    parser.add_argument("--disk-fault", action="store_true", help="the data directory is a tmpfs of its own to fill")
    parser.add_argument("--kind-users", action="store_true",
                        help="each kind connects as USER-KIND with password PASSWORD-KIND (the URL's user and password)")
    parser.add_argument("--seconds", type=int, default=900, help="the run's bound")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    args.peer_url = args.peer_url or args.amqp_url
    rng = random.Random(args.seed)
    store = os.path.join(args.data_dir, "channel.sqlite")
    violations = []

    # The backlogs, published with confirms before any worker runs.
    # The faults, and the backlogs in as many parts plus one: the first part goes out before any
    # worker runs, each other part right before its fault, so that every fault meets work in flight.
    faults = (["smtp-outage", "store-lock"] + (["disk-full"] if args.disk_fault else []) + ["memory-alarm"]) * args.outage_rounds
    for index in range(args.broker_restarts):  # spread among the others
        faults.insert(len(faults) * (index + 1) // args.broker_restarts, "broker-restart")
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
    # On a cluster the producer's reply queue is a quorum queue: a classic one lives on one node, and
    # while that node is down answers to it are dropped (Remit keeps each outcome in the channel
    # store; the answer is the convenience).
    kinds.declare_reply_queue(args.peer_url, quorum=bool(cluster_nodes(args)))
    kinds.publish(args.peer_url, parts[0], timeout=300)
    print(f"  published {len(parts[0])} of {args.count * len(BACKLOGS)} messages; the rest in {len(faults)} parts, "
          f"one right before each fault", file=sys.stderr)
    db = kinds.open_store(store)
    hq = kinds.open_store(os.path.join(args.data_dir, "hq.sqlite"))
    hq_before = {row["number"]: (row["settled_minor"], row["discount_taken_minor"])
                 for row in hq.execute("SELECT number, settled_minor, discount_taken_minor FROM invoice")}

    checkouts = Checkouts(args, plans["cart-validation"]["carts"])
    # The backlogs, one e-mail per request, the checkouts and their payment posts (one per cart line).
    total = args.count * (len(BACKLOGS) + 2) + len(checkouts.ids)

    def progress(database=db):
        """The share done (each thread with its own connection)."""
        done = sum(min(applied(database, kind), args.count) for kind in BACKLOGS)
        sent = database.execute("SELECT count(*) FROM email_ledger WHERE status = 'sent'").fetchone()[0]
        done += min(checkouts.applied(database), len(checkouts.ids)) + min(checkouts.payments_applied(database), args.count)
        return (done + min(sent, args.count)) / total

    smtp_user, smtp_port = "remit-chaos", free_port()
    smtp = SMTPServer(args.out, smtp_port, f"{smtp_user}:{args.smtp_password}")
    workers = Workers(args, f"smtp://{smtp_user}:{args.smtp_password}@127.0.0.1:{smtp_port}?starttls=off&timeout=10")
    # Ended early (scripts/chaos's clean-up sends SIGTERM, or a failure): no worker or server outlives the run.
    buyers = Buyers(args, db, plans["invoice-requests"]["pairs"])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    try:
        run(args, rng, db, hq, hq_before, plans, progress, total, smtp, workers, buyers, checkouts, violations, faults, parts[1:])
    finally:
        if buyers.process and buyers.process.poll() is None:
            buyers.process.kill()
        for process in list(workers.processes.values()):
            if process.poll() is None:
                process.kill()
        smtp.stop()


def run(args, rng, db, hq, hq_before, plans, progress, total, smtp, workers, buyers, checkouts, violations, faults, releases):
    store = os.path.join(args.data_dir, "channel.sqlite")
    smtp.start()
    buyers.start_portal()
    buyers.start()
    checkouts.start()
    workers.revive()
    jobs = JobTicker(args)
    jobs.start()
    outages = Outages(args, rng, smtp, workers, list(zip(releases, faults)), args.count * len(BACKLOGS) - sum(map(len, releases)))
    outages.start()

    kills = terms = 0
    deadline = time.monotonic() + args.seconds
    started = time.monotonic()
    while True:
        if progress() >= 1 and kills >= args.min_kills and outages.finished.is_set():
            break
        if time.monotonic() > deadline:
            violations.append(f"bounded run over after {args.seconds} s: {progress():.0%} done, {kills} kills, outages {outages.done}")
            break
        workers.revive()
        time.sleep(rng.uniform(0.1, 0.5))
        if kills >= args.min_kills:
            continue  # the quota is met: the workers finish their work under the other faults alone
        kind = rng.choice(KINDS)
        if kind not in workers.processes:
            continue
        # SIGTERM goes to a worker that is up and consuming: one still loading (before `main`) or
        # failing its start because the broker is down meanwhile ends otherwise, and rightly.
        up = [name for name in KINDS if name in workers.processes and time.monotonic() - workers.started_at[name] > 3]
        if (kills + terms) % 8 == 7 and up and outages.current != "broker-restart":
            kind = rng.choice(up)
            code = workers.terminate(kind)
            terms += 1
            if code != 0:
                violations.append(f"{kind}: SIGTERM under load ended with {code}, not a clean drain")
        else:
            workers.kill(kind)
            kills += 1
    elapsed = time.monotonic() - started
    buyers.stop_clicking()
    jobs.stopping.set()
    jobs.join(60)
    outages.join(60)
    if outages.is_alive():
        violations.append(f"the nemesis did not end within 60 s of the run (making {outages.current})")
    checkouts.stopping.set()
    checkouts.join(60)
    if checkouts.pending:
        violations.append(f"{len(checkouts.pending)} carts were never checked out (their cart adds not all applied; "
                          f"the last failure tried again: {checkouts.last_error})")
    if checkouts.is_alive():
        violations.append("the checkouts' publisher did not stop within 60 s")
    violations += [f"the nemesis failed: {error}" for error in outages.errors]
    if smtp.process is None:
        smtp.start()

    # Everything goes round: the jobs run in turn until every payment is settled in HQ and back in
    # the channel, and every request is completed.
    workers.revive()
    requests_tag = plans["invoice-requests"]["tag"]

    def settled_round():
        pending = db.execute("SELECT (SELECT count(*) FROM channel_transaction WHERE uploaded_at IS NULL) + "
                             "(SELECT count(*) FROM b2b_request WHERE uploaded_at IS NULL OR status NOT IN ('completed', 'failed'))"
                             ).fetchone()[0]
        unposted = hq.execute("SELECT count(*) FROM payment_journal_line WHERE posted_at IS NULL AND failure IS NULL").fetchone()[0]
        differing = hq.execute("SELECT count(*) FROM invoice").fetchone()[0] - len(agreeing_invoices())
        return pending + unposted + differing

    def agreeing_invoices():
        channel = {row[0]: tuple(row[1:]) for row in db.execute(
            "SELECT number, total_minor, settled_minor, discount_taken_minor FROM channel_invoice")}
        return [row[0] for row in hq.execute("SELECT number, total_minor, settled_minor, discount_taken_minor FROM invoice")
                if channel.get(row[0]) == tuple(row[1:])]

    settle_deadline = time.monotonic() + 300
    rounds = 0
    while settled_round() > 0 and time.monotonic() < settle_deadline:
        workers.revive()
        for job in JOBS:
            line = jobs.start_run(job, wait=120, timeout=150)
            if line is None or not line.startswith("succeeded"):
                violations.append(f"a final run of {job} did not succeed: {line}")
        rounds += 1
        time.sleep(1)  # the distributed changes reach the channel
    left = settled_round()
    if left:
        violations.append(f"{left} payments, requests or invoices had not gone round after 300 s of job runs")
    time.sleep(1)
    # Every worker's /metrics, kept with the run's files (so that the secrets checks read them too).
    scraped = 0
    for kind in KINDS:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{workers.metrics_ports[kind]}/metrics", timeout=10) as answer:
                text = answer.read()
        except OSError as error:
            violations.append(f"{kind}: /metrics did not answer: {error}")
            continue
        with open(os.path.join(args.out, f"metrics-{kind}.txt"), "wb") as file:
            file.write(text)
        scraped += b"remit_messages_total" in text
    if scraped != len(KINDS):
        violations.append(f"only {scraped} of {len(KINDS)} workers' /metrics show remit_messages_total")
    for kind in KINDS:
        code = workers.terminate(kind)
        if code != 0:
            violations.append(f"{kind}: the final SIGTERM ended with {code}")
    smtp.stop()
    buyers.stop()
    if buyers.process.returncode != 0:
        violations.append(f"the portal's SIGTERM ended with {buyers.process.returncode}")
    violations += [f"the portal: {problem}" for problem in buyers.problems()]

    # The checker: the stores, the queues and the mailbox alone.
    connection = pika.BlockingConnection(pika.URLParameters(args.peer_url))
    channel = connection.channel()
    replies, duplicated_replies, seen = {}, 0, set()
    while True:
        method, properties, _ = channel.basic_get(kinds.REPLY_QUEUE, auto_ack=True)
        if method is None:
            break
        key = properties.correlation_id
        if key in seen:
            duplicated_replies += 1
            continue
        seen.add(key)
        tag = (key or "").rsplit("-", 1)[0]
        replies[tag] = replies.get(tag, 0) + 1
    one = lambda database, sql, *params: database.execute(sql, params).fetchone()[0]
    for kind in ("payment-posting", "cart-validation"):
        try:
            kinds.check(kind, plans[kind], db, channel, replies.get(plans[kind]["tag"], 0), store)
        except SystemExit:
            violations.append(f"{kind}: the counts are off (see above)")
    # Copy requests: the backlog's (answered) and the buyers' from the portal — each pair the portal
    # answered 202 recorded once (a click answered 503 and clicked again joins the first if that went
    # out after all), every one of its commands accepted; a pair only ever answered 503 at most once.
    rows = {}
    for pair in db.execute("SELECT user_login, invoice_number FROM b2b_request"):
        rows[tuple(pair)] = rows.get(tuple(pair), 0) + 1
    portal_ids = [command for ids in buyers.commands.values() for command in ids]
    portal_rows = sum(rows.get(pair, 0) for pair in buyers.clicked)
    accepted_portal = sum(one(db, "SELECT count(*) FROM command_outcome WHERE message_id = ? AND type = 'invoice.request' "
                                  "AND outcome = 'accepted'", command) for command in portal_ids)
    found = {"accepted": one(db, "SELECT count(*) FROM command_outcome WHERE type = 'invoice.request' AND outcome = 'accepted' "
                                 "AND correlation_id LIKE ?", requests_tag + "-%"),
             "refused": one(db, "SELECT count(*) FROM command_outcome WHERE type = 'invoice.request' AND outcome = 'refused'"),
             "completed": one(db, "SELECT count(*) FROM b2b_request WHERE status = 'completed'"),
             "requests": one(db, "SELECT count(*) FROM b2b_request") - portal_rows,
             "replies": replies.get(requests_tag, 0), "portal_commands_accepted": accepted_portal,
             "portal_requests": sum(rows.get(pair, 0) == 1 for pair in buyers.commands),
             "portal_requests_twice": sum(rows.get(pair, 0) > 1 for pair in buyers.clicked)}
    expected = {"accepted": args.count, "refused": 0, "completed": args.count + portal_rows, "requests": args.count,
                "replies": args.count, "portal_commands_accepted": len(portal_ids), "portal_requests": len(buyers.commands),
                "portal_requests_twice": 0}
    if found != expected:
        violations.append(f"invoice requests (found, expected): {found} vs {expected}")
    for kind, applied_count in ((kind, applied(db, kind)) for kind in BACKLOGS):
        if applied_count != args.count:
            violations.append(f"{kind}: {applied_count} inbox records for {args.count} messages")
    # Producers' invoice.pay: each accepted and answered once; Remit named each payment (from the
    # idempotency key), and the outcome says which.
    paid = plans["invoice-pay"]
    pay_ids = {row[0] for row in db.execute(
        "SELECT payment_id FROM command_outcome WHERE type = 'invoice.pay' AND outcome = 'accepted' AND correlation_id LIKE ?",
        (paid["tag"] + "-%",))}
    found = {"accepted": one(db, "SELECT count(*) FROM command_outcome WHERE type = 'invoice.pay' AND outcome = 'accepted'"),
             "refused": one(db, "SELECT count(*) FROM command_outcome WHERE type = 'invoice.pay' AND outcome = 'refused'"),
             "payments": len(pay_ids - {None}), "replies": replies.get(paid["tag"], 0)}
    found["amount_minor"] = sum(amount for payment, amount in db.execute("SELECT id, amount_minor FROM channel_transaction")
                                if payment in pay_ids)
    expected = {"accepted": args.count, "refused": 0, "payments": args.count, "replies": args.count,
                "amount_minor": paid["amount_minor"]}
    if found != expected:
        violations.append(f"producers' invoice.pay (found, expected): {found} vs {expected}")

    # Checkouts: every planned cart checked out once and answered; each of its lines became a payment
    # post (correlated with the checkout), accepted, for the line's amount.
    outcome_count = lambda message_type, outcome, tag: one(
        db, "SELECT count(*) FROM command_outcome WHERE type = ? AND outcome = ? AND correlation_id LIKE ?", message_type, outcome, tag + "-%")
    checkout_ids = {row[0] for row in db.execute(
        "SELECT payment_id FROM command_outcome WHERE type = 'payment.post' AND outcome = 'accepted' AND correlation_id LIKE ?",
        (CHECKOUT_TAG + "-%",))} - {None}
    found = {"checkouts": outcome_count("cart.checkout", "accepted", CHECKOUT_TAG),
             "refused": outcome_count("cart.checkout", "refused", CHECKOUT_TAG) + outcome_count("payment.post", "refused", CHECKOUT_TAG),
             "replies": replies.get(CHECKOUT_TAG, 0), "payments": len(checkout_ids),
             "amount_minor": sum(amount for payment, amount in db.execute("SELECT id, amount_minor FROM channel_transaction")
                                 if payment in checkout_ids)}
    expected = {"checkouts": len(checkouts.ids), "refused": 0, "replies": len(checkouts.ids), "payments": args.count,
                "amount_minor": one(db, "SELECT coalesce(sum(amount_minor), 0) FROM cart_line WHERE kind = 'invoice'")}
    if found != expected:
        violations.append(f"checkouts (found, expected): {found} vs {expected}")

    # Payments (payment.post, invoice.pay and the checkouts' posts): uploaded once, posted once,
    # settled once; HQ's settlement equals the channel's payment.
    pay_tag = plans["payment-posting"]["tag"] + "-pay-"
    run_payment = lambda payment: payment is not None and (payment.startswith(pay_tag) or payment in pay_ids or payment in checkout_ids)
    channel_payments = {row[0]: (row[1], row[2]) for row in db.execute(
        "SELECT id, invoice_number, amount_minor FROM channel_transaction") if run_payment(row[0])}
    journal = {row[0]: tuple(row[1:]) for row in hq.execute(
        "SELECT j.channel_payment_id, j.invoice_number, j.amount_minor, j.posted_at IS NOT NULL, j.failure, "
        "s.settled_minor + s.unapplied_minor, s.settled_minor, s.discount_minor FROM payment_journal_line j "
        "LEFT JOIN settlement s ON s.journal_line_id = j.id") if run_payment(row[0])}
    settlements = sum(1 for row in hq.execute("SELECT j.channel_payment_id FROM settlement s JOIN payment_journal_line j "
                                              "ON j.id = s.journal_line_id") if run_payment(row[0]))
    wrong = [pid for pid, (number, amount) in channel_payments.items()
             if pid not in journal or journal[pid][:2] != (number, amount) or not journal[pid][2] or journal[pid][3]
             or journal[pid][4] != amount]
    payments = 3 * args.count
    if len(channel_payments) != payments or len(journal) != payments or settlements != payments or wrong:
        violations.append(f"HQ settlements against the channel's payments: {len(channel_payments)} channel payments, "
                          f"{len(journal)} journal lines, {settlements} settlements for {payments}; "
                          f"{len(wrong)} differ (e.g. {wrong[:3]})")
    # Each invoice: HQ's settled and discount moved by exactly the run's settlements; within what is due;
    # the channel shows HQ's figures.
    moved = {}
    for _, number, _, _, _, _, settled, discount in ((pid,) + row for pid, row in journal.items()):
        before = moved.get(number, (0, 0))
        moved[number] = (before[0] + (settled or 0), before[1] + (discount or 0))
    bad_invoices = []
    for row in hq.execute("SELECT number, total_minor, settled_minor, discount_taken_minor FROM invoice"):
        number, due, settled, discount = row
        start = hq_before.get(number, (0, 0))
        delta = moved.get(number, (0, 0))
        if (settled, discount) != (start[0] + delta[0], start[1] + delta[1]) or settled + discount > due or settled < 0:
            bad_invoices.append(number)
    disagreeing = one(hq, "SELECT count(*) FROM invoice") - len(agreeing_invoices())
    if bad_invoices or disagreeing:
        violations.append(f"{len(bad_invoices)} HQ invoices whose settled + discount taken + open ≠ due or that moved other than "
                          f"by the run's settlements (e.g. {bad_invoices[:3]}); {disagreeing} channel invoices differ from HQ")

    # E-mails: exactly one (by Message-ID) per completed request at the SMTP server.
    ledger = {row[0]: row[1] for row in db.execute("SELECT request_id, message_id FROM email_ledger WHERE status = 'sent'")}
    completed = {row[0] for row in db.execute("SELECT request_id FROM b2b_request WHERE status = 'completed'")}
    received = smtp.message_ids()
    distinct = set(received)
    expected_ids = {ledger[request] for request in completed if request in ledger}
    if len(expected_ids) != len(completed) or distinct != expected_ids:
        violations.append(f"e-mails: {len(completed)} completed requests, {len(expected_ids)} sent in the ledger, "
                          f"{len(distinct)} distinct Message-IDs at the SMTP server "
                          f"({len(expected_ids - distinct)} missing, {len(distinct - expected_ids)} unexpected)")

    # Queues and job runs.
    left_in_queues = {}
    for queue in topology_queues():
        depth = kinds.queue_depth(channel, queue)
        if depth:
            left_in_queues[queue] = depth
    if left_in_queues:
        violations.append(f"queues not empty: {left_in_queues}")
    unfinished = one(hq, "SELECT count(*) FROM job_run WHERE finished_at IS NULL")
    if unfinished:
        violations.append(f"{unfinished} HQ job runs never finished")
    job_runs = dict(hq.execute("SELECT status, count(*) FROM job_run GROUP BY status").fetchall())
    # What a part sends, its consumer accepts (issue #22): no run failed for a message its consumer
    # would refuse, and Distribution holds nothing back — every record it read went out.
    unsendable_runs = one(hq, "SELECT count(*) FROM job_run WHERE error LIKE 'refused to send%'")
    if unsendable_runs:
        violations.append(f"{unsendable_runs} HQ job runs would have sent a message its consumer refuses")
    held = hq.execute("SELECT stream, key, reason FROM distribution_held LIMIT 5").fetchall()
    if held:
        violations.append(f"Distribution holds records back: {held}")
    connection.close()

    # Each fault reached a worker, as the worker's fault (paused or blocked), and none spent a
    # message's attempt: a retry is for the message's own fault only.
    logs = ""
    for kind in KINDS:
        with open(os.path.join(args.out, f"worker-{kind}.log"), errors="replace") as log:
            logs += log.read()
    for fault, number, held in outages.unreached:
        violations.append(f"the {fault} (round {number}) reached no worker in {held} s (no '{TRACES[fault]}' in their logs)")
    # On a cluster, the workers went over to another node while one was down.
    failovers = logs.count("AMQP node unavailable; trying the next")
    if cluster_nodes(args) and outages.restarted_nodes and failovers == 0:
        violations.append("nodes were restarted, yet no worker went over to another node")
    # Each kind under its own broker user published only what Topology/workers.json lets it.
    refused = [line for line in logs.splitlines() if "ACCESS_REFUSED" in line]
    if refused:
        violations.append(f"{len(refused)} publishes or declarations refused by the broker, e.g. {refused[0][:300]}")
    worker_faults = ("locked", "disk is full", "unavailable", "blocks this connection", "connectionClosed", "connectionRefused")
    retried = [line for line in logs.splitlines() if "message will be retried" in line]
    spent = [line for line in retried if any(fault in line for fault in worker_faults)]
    if spent:
        violations.append(f"{len(spent)} retries for a worker's fault, e.g. {spent[0][:300]}")
    # The buyers' password and its hashes stay in the channel store: no log, job output, plan,
    # metrics page or e-mail at the SMTP server shows either (the broker and SMTP passwords: scripts/chaos).
    secrets = [row[0].encode() for row in db.execute("SELECT password_hash FROM channel_credential")] + [DEMO_PASSWORD.encode()]
    secrets += [secret.encode() for secret in buyers.secrets]  # the portal's session cookies and CSRF tokens
    shown = []
    for folder, _, names in os.walk(args.out):
        if os.path.abspath(folder).startswith(os.path.abspath(args.data_dir)):
            continue
        for name in names:
            with open(os.path.join(folder, name), "rb") as file:
                data = file.read()
            shown += [name for secret in secrets if secret in data][:1]
    if len(secrets) < 2 or shown:
        violations.append(f"{len(secrets) - 1} password hashes, session cookies and CSRF tokens: one is shown in {shown[:5]}")
    # A worker may end by itself only when it cannot start — the broker down (the restart), or its
    # store not to be opened on the full disk (a restart after a kill meets the fault before any
    # message): exit 1 with that said, nothing taken from a queue.
    starts_refused = ("is RabbitMQ running", "management API", "AMQP connectionClosed")
    for kind, code, line in workers.self_exits:
        full_store = line.startswith("remit: store ") and line.endswith("database or disk is full")
        if code != 1 or not (full_store or any(reason in line for reason in starts_refused)):
            violations.append(f"{kind} ended by itself with {code}: {line[:300]}")
    lost = sum(args.count - min(applied(db, kind), args.count) for kind in BACKLOGS)
    lost += len(checkouts.ids) - min(checkouts.applied(db), len(checkouts.ids))
    # Done twice: an effect found more than once — a payment journalled or settled again in HQ, a
    # copy request recorded again, an e-mail sent again under another Message-ID (the inbox's key
    # keeps a message from being recorded twice; what it guards is counted here).
    again = lambda counts: sum(count - 1 for payment, count in counts if run_payment(payment) and count > 1)
    twice = {"journal_lines": again(hq.execute("SELECT channel_payment_id, count(*) FROM payment_journal_line GROUP BY 1")),
             "settlements": again(hq.execute("SELECT j.channel_payment_id, count(*) FROM settlement s JOIN payment_journal_line j "
                                             "ON j.id = s.journal_line_id GROUP BY 1")),
             "requests": max(0, one(db, "SELECT count(*) FROM b2b_request") - args.count - portal_rows)
             + sum(count - 1 for count in rows.values() if count > 1),
             "emails": max(0, len(distinct) - len(completed))}
    if any(twice.values()):
        violations.append(f"done twice: {twice}")
    figures = {"messages": args.count * len(BACKLOGS) + len(checkouts.ids), "payments_settled_in_hq": settlements, "emails": len(distinct),
               "emails_resent_same_message_id": len(received) - len(distinct), "kills": kills, "sigterms": terms,
               "worker_starts": sum(workers.starts.values()), "ended_by_themselves": len(workers.self_exits),
               "outages": outages.done, "outage_seconds": {k: round(v, 1) for k, v in outages.seconds.items()},
               "job_runs": job_runs, "job_starts_failed": jobs.failed, "final_rounds": rounds,
               "nodes_restarted": outages.restarted_nodes, "failovers": failovers, "retries": len(retried), "password_hashes_not_shown": len(secrets) - 1 - len(buyers.secrets),
               "checkouts": len(checkouts.ids), "checkout_publishes_retried": checkouts.failed_publishes,
               "portal_sessions": len(buyers.secrets) // 2, "portal_answers": buyers.statuses, "portal_unanswered": len(buyers.errors),
               "portal_copy_requests": len(buyers.commands), "replies_redelivered": duplicated_replies, "lost": lost, "done_twice": sum(twice.values()), "seconds": round(elapsed, 1),
               "violations": len(violations)}
    print(json.dumps(figures))
    for violation in violations:
        print(f"  VIOLATION {violation}", file=sys.stderr)
    if violations:
        sys.exit(1)


if __name__ == "__main__":
    main()
