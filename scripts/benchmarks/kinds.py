"""scripts/bench's worker kinds at full load: builds realistic backlogs from a seeded channel store,
publishes them with confirms, and measures one worker process (`remit worker KIND` or the pika
peer; or N `remit worker` processes on one PostgreSQL store) draining them from outside — from the first batch it commits until its store holds every
message (and every follow-up is in the reply queue) — then checks every count. Prints one JSON
line per drain, like remit-bench and c_relay.

  kinds.py world-wait  --store CHANNEL.sqlite --hq HQ.sqlite --timeout S
  kinds.py fill KIND   --store CHANNEL.sqlite --amqp-url URL --count N --plan PLAN.json --tag TAG
  kinds.py measure KIND --store CHANNEL.sqlite --amqp-url URL --plan PLAN.json --broker-pid PID
                        [--processes N --mode MODE] -- COMMAND…   ({n} in COMMAND: each process's number)
--store is a SQLite file or a postgres:// URL (the channel store on PostgreSQL).
  kinds.py latency     --store CHANNEL.sqlite --amqp-url URL --rate R --seconds S --log LOG --tag TAG
                       --publisher C_PACED -- COMMAND…
  kinds.py ramp        --store CHANNEL.sqlite --amqp-url URL --rates R1,R2,… --seconds S --log LOG --tag TAG
                       --publisher C_PACED [--broker-pid PID] -- COMMAND…

KIND: payment-posting, cart-validation, invoice-requests, email-dispatch, channel-updates, pika-peer
(the pika peer drains the payment-posting backlog)."""
import argparse
import decimal
import json
import os
import random
import signal
import sqlite3
import struct
import urllib.parse
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

import pika

REPLY_QUEUE = "bench.replies"  # a producer's own reply queue (Remit never answers into remit.*)
WORK_QUEUES = {"payment-posting": "remit.payment-posting", "cart-validation": "remit.cart",
               "invoice-requests": "remit.invoice-requests", "email-dispatch": "remit.email",
               "channel-updates": "remit.channel-updates", "pika-peer": "remit.payment-posting",
               "invoice-pay": "remit.payment-posting"}
CLK_TCK = os.sysconf("SC_CLK_TCK")


def fail(message):
    print(f"kinds.py: {message}", file=sys.stderr)
    sys.exit(1)


def timestamp(moment):
    """ISO 8601 UTC with milliseconds, as Remit writes it (Timestamp.format)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def money(minor, currency):
    # Every seeded invoice is in EUR; the few currencies without 2 decimals would need their exponent.
    if currency not in ("EUR", "USD", "GBP", "CHF", "SEK", "DKK", "NOK", "PLN", "CZK"):
        fail(f"no exponent known for {currency}")
    sign = "-" if minor < 0 else ""
    return {"amount": f"{sign}{abs(minor) // 100}.{abs(minor) % 100:02d}", "currency": currency}


def envelope(kind_type, version, message_id, acting_user, body, occurred_at):
    return {"type": kind_type, "version": version, "id": message_id, "correlationId": message_id, "causationId": None,
            "occurredAt": occurred_at, "actingUser": acting_user, "body": body}


def open_store(path):
    """The channel (or HQ) store at `path`: a SQLite file, or the channel store on PostgreSQL when
    `path` is a postgres:// URL (read alike: `execute(sql, params)` with `?`, rows by index or name)."""
    if path.startswith(("postgres://", "postgresql://")):
        return PostgresStore(path)
    db = sqlite3.connect(path, timeout=10)
    db.row_factory = sqlite3.Row
    return db


class PostgresRow(tuple):
    """A row read by index, like a tuple, or by column name, like sqlite3.Row."""

    def __new__(cls, values, names):
        row = super().__new__(cls, values)
        row.names = names
        return row

    def __getitem__(self, key):
        return super().__getitem__(self.names[key] if isinstance(key, str) else key)

    def keys(self):
        return list(self.names)


def sqlite_value(value):
    """PostgreSQL's value as SQLite gives it: a sum of integers (numeric) as an int."""
    return int(value) if isinstance(value, decimal.Decimal) and value == value.to_integral_value() else value


class PostgresRows:
    def __init__(self, cursor):
        names = {column[0]: index for index, column in enumerate(cursor.description or [])}
        self.rows = [PostgresRow([sqlite_value(value) for value in row], names)
                     for row in (cursor.fetchall() if cursor.description else [])]

    def fetchone(self):
        return self.rows[0] if self.rows else None

    def fetchall(self):
        return list(self.rows)

    def __iter__(self):
        return iter(self.rows)


class PostgresStore:
    """The channel store on PostgreSQL (schema remit_channel), with sqlite3's way of asking: each
    statement on its own (autocommit), `?` placeholders. A statement that fails because the server is
    down (or its connection was reset by a restart) raises `StoreUnavailable`."""

    def __init__(self, url):
        import pg8000.dbapi  # noqa: PLC0415 (only runs that use PostgreSQL need it)
        parts = urllib.parse.urlsplit(url)
        self.connect = lambda: pg8000.dbapi.connect(
            user=urllib.parse.unquote(parts.username or "postgres"),
            password=urllib.parse.unquote(parts.password) if parts.password else None, host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432, database=urllib.parse.unquote(parts.path.lstrip("/")), timeout=30)
        self.connection = None

    def execute(self, sql, params=()):
        for attempt in (1, 2):  # once again on a fresh connection after the server restarted
            try:
                if self.connection is None:
                    self.connection = self.connect()
                    self.connection.autocommit = True
                    self.connection.cursor().execute("SET search_path TO remit_channel")
                cursor = self.connection.cursor()
                cursor.execute(sql.replace("?", "%s"), tuple(params))
                return PostgresRows(cursor)
            except Exception as error:
                # A restart shows as pg8000's errors, as an admin shutdown (57P0x), or as the socket
                # itself failing under pg8000 (ConnectionResetError, BrokenPipeError: an OSError).
                restarting = (type(error).__name__ in ("InterfaceError", "OperationalError") or "57P0" in str(error)
                              or isinstance(error, OSError))
                if not restarting:
                    raise
                self.close()
                if attempt == 2:
                    raise StoreUnavailable(str(error)) from error
        raise AssertionError("unreachable")

    def close(self):
        if self.connection is not None:
            try:
                self.connection.close()
            except Exception:  # noqa: BLE001 (a connection the server already dropped)
                pass
        self.connection = None


class StoreUnavailable(Exception):
    """The PostgreSQL server does not answer (restarting)."""


# --- the backlogs -------------------------------------------------------------------------------

PAIRS_SQL = """
    SELECT u.login, u.email, u.display_name, i.number, i.currency,
           i.total_minor - i.settled_minor - i.discount_taken_minor AS open_minor,
           CASE WHEN i.discount_minor > 0 AND i.discount_taken_minor = 0 AND i.discount_last_day IS NOT NULL
                THEN i.discount_minor + 1 ELSE 0 END AS kept_for_discount
    FROM channel_user u JOIN channel_customer c ON c.account = u.customer_account
    JOIN channel_invoice i ON i.customer_account IN (c.account, c.invoice_account)
    ORDER BY u.login, i.number"""


def pairs(db, open_only):
    rows = db.execute(PAIRS_SQL).fetchall()
    return [row for row in rows if row["open_minor"] > 0] if open_only else rows


def partial_payments(db, count, avoid=()):
    """`count` (user, invoice, amount): partial payments of open invoices (none in `avoid`), spread so
    that no invoice's payments exceed what is open: every one must be accepted."""
    avoid, first_user = set(avoid), {}
    for row in pairs(db, open_only=True):
        if row["number"] not in avoid:
            first_user.setdefault(row["number"], row)
    invoices = list(first_user.values())
    if not invoices:
        fail("the channel store holds no open invoice a user can reach")
    per_invoice = -(-count // len(invoices))
    # Payments that together cover all but the cash discount would earn it and settle the invoice
    # (the storefront then refuses the rest as payment-pending): stay a cent below that.
    usable = {row["number"]: row["open_minor"] - row["kept_for_discount"] for row in invoices}
    invoices = [row for row in invoices if usable[row["number"]] >= per_invoice]
    if len(invoices) * per_invoice < count:
        fail(f"not enough open invoices for {count} payments")
    random.Random(7).shuffle(invoices)
    return [(invoices[index % len(invoices)], usable[invoices[index % len(invoices)]["number"]] // per_invoice)
            for index in range(count)]


def payment_posts(db, count, tag, avoid=()):
    """Partial payments of open invoices, from the channel's payment processing (payment.post)."""
    messages, total = [], 0
    for index, (row, amount) in enumerate(partial_payments(db, count, avoid)):
        total += amount
        body = {"paymentId": f"{tag}-pay-{index}", "user": row["login"], "invoiceNumber": row["number"],
                "amount": money(amount, row["currency"]), "tender": "card", "cardAuthorization": f"psp-{tag}-{index}"}
        messages.append(("payment.post", 1, f"{tag}-{index}", f"user:{row['login']}", body, True))
    return messages, {"payments": count, "amount_minor": total, "invoices": sorted({m[4]["invoiceNumber"] for m in messages})}


def invoice_pays(db, count, tag, avoid=()):
    """Partial payments of open invoices from a producer's system (invoice.pay, each with its own
    idempotency key; Remit derives the payment's id from it)."""
    messages, total = [], 0
    for index, (row, amount) in enumerate(partial_payments(db, count, avoid)):
        total += amount
        body = {"user": row["login"], "invoiceNumber": row["number"], "amount": money(amount, row["currency"]),
                "tender": "card", "cardAuthorization": f"psp-{tag}-{index}", "idempotencyKey": f"{tag}-key-{index}"}
        messages.append(("invoice.pay", 1, f"{tag}-{index}", f"user:{row['login']}", body, True))
    return messages, {"payments": count, "amount_minor": total, "invoices": sorted({m[4]["invoiceNumber"] for m in messages})}


def cart_adds(db, count, tag, avoid=(), distinct=False):
    """Each (user, open invoice) pair once — an invoice goes into a cart once — half with a partial
    amount, half with the proposed amount; none of the invoices in `avoid` (paid meanwhile). With
    `distinct`, each invoice in one user's cart only (so that the carts can all be checked out)."""
    avoid = set(avoid)
    rows = [row for row in pairs(db, open_only=True) if row["number"] not in avoid]
    if distinct:
        rows = list({row["number"]: row for row in random.Random(11).sample(rows, len(rows))}.values())
    if len(rows) < count:
        fail(f"only {len(rows)} (user, open invoice) pairs for {count} cart adds; seed more invoices")
    rows = random.Random(7).sample(rows, count)
    messages = []
    for index, row in enumerate(rows):
        body = {"user": row["login"], "invoiceNumber": row["number"]}
        if index % 2 == 0:
            body["amount"] = money(max(1, row["open_minor"] // 2), row["currency"])
        messages.append(("cart.add-invoice", 1, f"{tag}-{index}", f"user:{row['login']}", body, True))
    carts = {}
    for message in messages:
        carts.setdefault(message[4]["user"], []).append(message[2])
    # The amounts given (the others are proposed by the cart, from the balance at the time).
    amounts = [[row["login"], row["number"], max(1, row["open_minor"] // 2)] for index, row in enumerate(rows) if index % 2 == 0]
    return messages, {"cart_lines": count, "invoices": sorted({m[4]["invoiceNumber"] for m in messages}), "carts": carts,
                      "amounts_minor": amounts}


def invoice_requests(db, count, tag):
    """Copy requests, each (user, invoice) pair once so that none joins an earlier one."""
    rows = pairs(db, open_only=False)
    if len(rows) < count:
        fail(f"only {len(rows)} (user, invoice) pairs for {count} copy requests; seed more invoices")
    rows = random.Random(7).sample(rows, count)
    messages = [("invoice.request", 1, f"{tag}-{index}", "system:help-desk", {"user": row["login"], "invoiceNumber": row["number"]}, True)
                for index, row in enumerate(rows)]
    return messages, {"requests": count, "pairs": [[row["login"], row["number"]] for row in rows]}


def invoice_document(db, number):
    """The invoice as HQ's sync job puts it into email.send (channel figures; nothing pending)."""
    invoice = db.execute("SELECT i.*, c.name AS owner FROM channel_invoice i JOIN channel_customer c ON c.account = i.customer_account "
                         "WHERE i.number = ?", (number,)).fetchone()
    currency = invoice["currency"]
    open_minor = invoice["total_minor"] - invoice["settled_minor"] - invoice["discount_taken_minor"]
    lines = db.execute("SELECT description, amount_minor FROM channel_invoice_line WHERE invoice_number = ? ORDER BY line_no LIMIT 500",
                       (number,)).fetchall()
    document = {"number": number, "customerAccount": invoice["customer_account"], "customerName": invoice["owner"][:200],
                "invoiceDate": invoice["invoice_date"], "dueDate": invoice["due_date"],
                "lines": [{"description": line["description"][:500], "amount": money(line["amount_minor"], currency)} for line in lines],
                "total": money(invoice["total_minor"], currency), "paid": money(invoice["settled_minor"], currency),
                "discountTaken": money(invoice["discount_taken_minor"], currency), "pending": money(0, currency),
                "open": money(open_minor, currency)}
    if invoice["discount_last_day"] and invoice["discount_minor"] > 0 and invoice["discount_taken_minor"] == 0 and open_minor > 0:
        document["discountOffer"] = {"amount": money(invoice["discount_minor"], currency), "lastDay": invoice["discount_last_day"]}
    return document


def email_sends(db, count, tag):
    """One email.send per B2B request the store holds (the invoice-requests run recorded them), as
    HQ's sync job sends it."""
    rows = db.execute("SELECT r.request_id, r.invoice_number, u.login, u.email, u.display_name FROM b2b_request r "
                      "JOIN channel_user u ON u.login = r.user_login WHERE r.status = 'submitted' ORDER BY r.request_id").fetchall()
    if len(rows) < count:
        fail(f"the store holds {len(rows)} submitted B2B requests for {count} e-mails (run invoice-requests first)")
    messages = []
    for index, row in enumerate(rows[:count]):
        body = {"requestId": row["request_id"], "to": row["email"], "recipientName": row["display_name"][:200],
                "userLogin": row["login"], "template": "invoice-copy", "invoice": invoice_document(db, row["invoice_number"])}
        messages.append(("email.send", 2, f"{tag}-{index}", "system:hq", body, False))
    return messages, {"emails": count}


def invoice_updates(db, count, tag):
    """channel.invoices.changed with one invoice each (an incremental distribution), every snapshot
    newer than the one stored, with its lines, so that each is applied."""
    invoices = db.execute("SELECT * FROM channel_invoice ORDER BY number").fetchall()
    if len(invoices) < count:
        fail(f"only {len(invoices)} invoices in the channel store for {count} updates; seed more invoices")
    start = datetime.now(timezone.utc)
    messages = []
    for index, invoice in enumerate(random.Random(7).sample(invoices, count)):
        currency = invoice["currency"]
        lines = db.execute("SELECT description, amount_minor FROM channel_invoice_line WHERE invoice_number = ? ORDER BY line_no",
                           (invoice["number"],)).fetchall()
        snapshot = {"number": invoice["number"], "customerAccount": invoice["customer_account"],
                    "invoiceDate": invoice["invoice_date"], "dueDate": invoice["due_date"],
                    "discountLastDay": invoice["discount_last_day"], "discount": money(invoice["discount_minor"], currency),
                    "total": money(invoice["total_minor"], currency), "settled": money(invoice["settled_minor"], currency),
                    "discountTaken": money(invoice["discount_taken_minor"], currency),
                    "changedAt": timestamp(start + timedelta(milliseconds=index)),
                    "lines": [{"description": line["description"], "amount": money(line["amount_minor"], currency)} for line in lines]}
        messages.append(("channel.invoices.changed", 1, f"{tag}-{index}", "system:hq", {"invoices": [snapshot]}, False))
    return messages, {"invoices_changed_since": timestamp(start), "invoices": count}


BACKLOGS = {"payment-posting": payment_posts, "pika-peer": payment_posts, "cart-validation": cart_adds,
            "invoice-requests": invoice_requests, "email-dispatch": email_sends, "channel-updates": invoice_updates,
            "invoice-pay": invoice_pays}


# --- publishing with confirms -------------------------------------------------------------------

class PublishFailed(Exception):
    pass


def publish(url, outbound, timeout, on_failure=None):
    """Publishes every (routing key, body, properties) on the exchange `remit`, mandatory and
    persistent, with up to 2,000 unconfirmed at a time; fails on a nack, a return or the timeout
    (with `on_failure=PublishFailed`, raises that instead of ending the program)."""

    def fail_here(message):
        if on_failure:
            raise on_failure(message)
        fail(message)

    state = {"sent": 0, "outstanding": set(), "error": None, "channel": None}
    connection = pika.SelectConnection(pika.URLParameters(url), on_open_callback=lambda conn: conn.channel(on_open_callback=on_channel),
                                       on_open_error_callback=lambda _conn, error: stop(f"connect failed: {error}"))

    def stop(error=None):
        if error and not state["error"]:
            state["error"] = error
        if connection.is_open:
            connection.close()
        else:
            connection.ioloop.stop()

    def on_channel(channel):
        state["channel"] = channel
        channel.add_on_close_callback(
            lambda _channel, reason: stop(f"the channel closed: {reason}") if state["outstanding"] or state["sent"] < len(outbound) else None)
        channel.add_on_return_callback(lambda *_: stop("a message was returned unroutable"))
        channel.confirm_delivery(on_confirm, callback=lambda _frame: pump())

    def pump():
        while state["sent"] < len(outbound) and len(state["outstanding"]) < 2000:
            routing_key, body, properties = outbound[state["sent"]]
            state["channel"].basic_publish("remit", routing_key, body, properties, mandatory=True)
            state["sent"] += 1
            state["outstanding"].add(state["sent"])
        if state["sent"] == len(outbound) and not state["outstanding"]:
            stop()

    def on_confirm(frame):
        method = frame.method
        if isinstance(method, pika.spec.Basic.Nack):
            return stop("the broker nacked a publish")
        if method.multiple:
            state["outstanding"] = {tag for tag in state["outstanding"] if tag > method.delivery_tag}
        else:
            state["outstanding"].discard(method.delivery_tag)
        pump()

    connection.add_on_close_callback(lambda _connection, reason: (state.update(closed=reason), connection.ioloop.stop()))
    connection.ioloop.call_later(timeout, lambda: stop(f"publishing took more than {timeout} s"))
    connection.ioloop.start()
    if state["error"]:
        fail_here(state["error"])
    if state["sent"] < len(outbound) or state["outstanding"]:
        fail_here(f"published {state['sent']} of {len(outbound)}, {len(state['outstanding'])} unconfirmed "
             f"(the connection closed: {state.get('closed')})")


def declare_reply_queue(url, quorum=False):
    """The producer's own durable reply queue; on a cluster a quorum queue, so that its answers
    outlive the node it was declared on being down."""
    with pika.BlockingConnection(pika.URLParameters(url)) as connection:
        connection.channel().queue_declare(REPLY_QUEUE, durable=True, arguments={"x-queue-type": "quorum"} if quorum else None)


def queue_depth(channel, queue):
    """Ready messages now (queue.declare passive answers at once; the management API lags seconds)."""
    return channel.queue_declare(queue, passive=True).method.message_count


def prepare(args):
    """The backlog of args.kind as (outbound messages, the plan): each (routing key, body, properties)."""
    db = open_store(args.store)
    options = {name: getattr(args, name) for name in ("avoid", "distinct") if getattr(args, name, None)}
    messages, expected = BACKLOGS[args.kind](db, args.count, args.tag, **options)
    db.close()
    outbound = to_outbound(messages)
    expected.update(kind=args.kind, count=args.count, tag=args.tag, answered=messages[0][5],
                    mean_bytes=round(sum(len(item[1]) for item in outbound) / len(outbound)))
    return outbound, expected


def to_outbound(messages):
    """(type, version, id, acting user, body, answered) → (routing key, body, properties)."""
    occurred_at = timestamp(datetime.now(timezone.utc))
    outbound = []
    for message_type, version, message_id, acting_user, body, answered in messages:
        data = json.dumps(envelope(message_type, version, message_id, acting_user, body, occurred_at), separators=(",", ":")).encode()
        properties = pika.BasicProperties(content_type="application/json", delivery_mode=2, message_id=message_id, type=message_type,
                                          app_id="bench", reply_to=REPLY_QUEUE if answered else None,
                                          correlation_id=message_id if answered else None)
        outbound.append((message_type, data, properties))
    return outbound


def fill(args):
    outbound, expected = prepare(args)
    declare_reply_queue(args.amqp_url)
    started = time.monotonic()
    publish(args.amqp_url, outbound, timeout=max(120, args.count / 200))
    with pika.BlockingConnection(pika.URLParameters(args.amqp_url)) as connection:
        depth = queue_depth(connection.channel(), WORK_QUEUES[args.kind])
    if depth != args.count:
        fail(f"{WORK_QUEUES[args.kind]} holds {depth} messages after publishing {args.count}")
    json.dump(expected, open(args.plan, "w"))
    print(f"  published {args.count} {outbound[0][0]} ({expected['mean_bytes']} bytes each) in {time.monotonic() - started:.1f} s",
          file=sys.stderr)


# --- measuring a drain --------------------------------------------------------------------------

# How many messages the process has applied, from its store (each committed with its inbox record).
DONE_SQL = {
    "payment-posting": "SELECT count(*) FROM inbox WHERE consumer = 'payment-posting' AND message_type = 'payment.post'",
    "invoice-pay": "SELECT count(*) FROM inbox WHERE consumer = 'payment-posting' AND message_type = 'invoice.pay'",
    "cart-validation": "SELECT count(*) FROM inbox WHERE consumer = 'cart-validation'",
    "invoice-requests": "SELECT count(*) FROM inbox WHERE consumer = 'invoice-requests'",
    "channel-updates": "SELECT count(*) FROM inbox WHERE consumer = 'channel-updates'",
    # An e-mail counts once it is in the outbox and its ledger row says so.
    "email-dispatch": "SELECT min((SELECT count(*) FROM inbox WHERE consumer = 'email-dispatch'), "
                      "(SELECT count(*) FROM email_ledger WHERE status = 'sent'))",
    "pika-peer": "SELECT count(*) FROM peer_inbox",
}


def applied(db, kind):
    try:
        return db.execute(DONE_SQL[kind]).fetchone()[0]
    except (sqlite3.OperationalError, StoreUnavailable):  # the peer has not created its tables yet; PostgreSQL restarting
        return 0


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def status_mb(pid, key):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return -1


def written_bytes(pid):
    """Bytes the process has handed to write calls (wchar: its store's WAL and checkpoints, its
    outbox files, its logs), not its sockets' sends."""
    for line in open(f"/proc/{pid}/io"):
        if line.startswith("wchar:"):
            return int(line.split()[1])
    return 0


def stop_process(process, timeout=60):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            fail(f"the process did not end within {timeout} s of SIGTERM")
    return process.returncode


def measure(args):
    plan = json.load(open(args.plan))
    count, kind = plan["count"], args.kind
    db = open_store(args.store)
    baseline = applied(db, kind)
    log = open(args.log, "w")
    # --processes N: N copies of the command, `{n}` in it replaced by each one's number (1…N), all
    # draining the one queue into the one store; their CPU is summed, their peak RSS the largest.
    processes = [subprocess.Popen([word.replace("{n}", str(n)) for word in args.command], stdout=log, stderr=subprocess.STDOUT)
                 for n in range(1, args.processes + 1)]
    all_cpu = lambda: sum(cpu_seconds(each.pid) for each in processes)
    all_written = lambda: sum(written_bytes(each.pid) for each in processes)
    deadline = time.monotonic() + args.timeout
    try:
        first = None
        while True:
            done = applied(db, kind) - baseline
            now = time.monotonic()
            if first is None and done > 0:
                # The first batch is committed: start-up is over; measure from here.
                first = (now, done, all_cpu(), cpu_seconds(args.broker_pid) if args.broker_pid else 0, all_written())
            if done >= count:
                break
            for each in processes:
                if each.poll() is not None:
                    fail(f"{kind}: a process exited ({each.returncode}) after {done} of {count} messages; see {args.log}")
            if now > deadline:
                fail(f"{kind}: {done} of {count} messages applied after {args.timeout} s")
            time.sleep(0.05)
        connection = pika.BlockingConnection(pika.URLParameters(args.amqp_url))
        channel = connection.channel()
        replies = 0
        if plan["answered"]:
            # Each answer is published (and confirmed) before its message is acked.
            while (replies := queue_depth(channel, REPLY_QUEUE)) < count and time.monotonic() < deadline:
                time.sleep(0.02)
        end = time.monotonic()
        cpu = all_cpu() - first[2]
        written = all_written() - first[4]
        broker = (cpu_seconds(args.broker_pid) - first[3]) if args.broker_pid else 0
        peak_rss = max(status_mb(each.pid, "VmHWM") for each in processes)
        anon_rss = max(status_mb(each.pid, "RssAnon") for each in processes)
    finally:
        codes = [stop_process(each) for each in processes]
    if any(code != 0 for code in codes):
        fail(f"{kind}: a process exited with {max(codes, key=abs)} after the drain; see {args.log}")
    measured = count - first[1]
    if measured < count // 2:
        fail(f"{kind}: {first[1]} of {count} messages were applied before the first look; use a larger BENCH_COUNT")
    result = {"mode": args.mode or f"kind:{kind}", "processes": args.processes, "messages": count, "seconds": round(end - first[0], 3),
              "msg_per_s": round(measured / (end - first[0])), "cpu_s_per_1000": round(cpu / measured * 1000, 4),
              "broker_cpu_s_per_1000": round(broker / measured * 1000, 4), "peak_rss_mb": round(peak_rss, 1),
              "anon_rss_mb": round(anon_rss, 1), "mean_bytes": plan["mean_bytes"],
              "written_kb_per_msg": round(written / measured / 1024, 1)}
    result["checks"] = check(kind, plan, db, channel, replies, args.store)
    connection.close()
    print(json.dumps(result))


def check(kind, plan, db, channel, replies, store_path):
    """Every message applied once and as planned; nothing left, retried or dead-lettered."""
    count, tag = plan["count"], plan["tag"]
    found = {"work_queue_left": queue_depth(channel, WORK_QUEUES[kind]),
             "dead_lettered": queue_depth(channel, WORK_QUEUES[kind] + ".dead"),
             "retrying": sum(queue_depth(channel, f"{WORK_QUEUES[kind]}.retry.{tier}") for tier in (1, 2, 3))}
    expected = {"work_queue_left": 0, "dead_lettered": 0, "retrying": 0}
    if plan["answered"]:
        found["replies"], expected["replies"] = replies, count
    one = lambda sql, *params: db.execute(sql, params).fetchone()[0]
    if kind in ("payment-posting", "cart-validation", "invoice-requests"):
        message_type = {"payment-posting": "payment.post", "cart-validation": "cart.add-invoice", "invoice-requests": "invoice.request"}[kind]
        # The plan's own messages (correlation ids TAG-N): a checkout's payment posts are others.
        found["accepted"] = one("SELECT count(*) FROM command_outcome WHERE type = ? AND outcome = 'accepted' AND correlation_id LIKE ?",
                                message_type, f"{tag}-%")
        found["refused"] = one("SELECT count(*) FROM command_outcome WHERE type = ? AND outcome = 'refused' AND correlation_id LIKE ?",
                               message_type, f"{tag}-%")
        expected.update(accepted=count, refused=0)
    if kind == "payment-posting":
        found["payments"] = one("SELECT count(*) FROM channel_transaction WHERE id LIKE ?", f"{tag}-pay-%")
        found["amount_minor"] = one("SELECT coalesce(sum(amount_minor), 0) FROM channel_transaction WHERE id LIKE ?", f"{tag}-pay-%")
        expected.update(payments=count, amount_minor=plan["amount_minor"])
    elif kind == "cart-validation":
        found["cart_lines"], expected["cart_lines"] = one("SELECT count(*) FROM cart_line WHERE kind = 'invoice'"), count
        # Each line with an amount given holds that amount.
        lines = {(row[0], row[1], row[2]) for row in db.execute(
            "SELECT c.user_login, l.invoice_number, l.amount_minor FROM cart_line l JOIN cart c ON c.id = l.cart_id WHERE l.kind = 'invoice'")}
        found["amounts_as_given"] = sum(tuple(planned) in lines for planned in plan["amounts_minor"])
        expected["amounts_as_given"] = len(plan["amounts_minor"])
    elif kind == "invoice-requests":
        found["requests"], expected["requests"] = one("SELECT count(*) FROM b2b_request WHERE status = 'submitted'"), count
    elif kind == "email-dispatch":
        found["sent"] = one("SELECT count(*) FROM email_ledger WHERE status = 'sent'")
        found["completed"] = one("SELECT count(*) FROM b2b_request WHERE status = 'completed'")
        outbox = os.path.join(os.path.dirname(store_path), "outbox")
        found["outbox_files"] = len(os.listdir(outbox)) if os.path.isdir(outbox) else 0
        expected.update(sent=count, completed=count, outbox_files=count)
    elif kind == "channel-updates":
        found["invoices_updated"] = one("SELECT count(*) FROM channel_invoice WHERE hq_changed_at >= ?", plan["invoices_changed_since"])
        expected["invoices_updated"] = count
    elif kind == "pika-peer":
        found["inbox"] = one("SELECT count(*) FROM peer_inbox")
        found["payments"] = one("SELECT count(*) FROM peer_payment")
        found["amount_minor"] = one("SELECT coalesce(sum(amount_minor), 0) FROM peer_payment")
        expected.update(inbox=count, payments=count, amount_minor=plan["amount_minor"])
    wrong = {key: (found[key], expected[key]) for key in expected if found[key] != expected[key]}
    if wrong:
        fail(f"{kind}: counts off (found, expected): {wrong}")
    return found


# --- the seeded world ---------------------------------------------------------------------------

# --- latency and the ramp: publish → payment row visible -----------------------------------------

def paced_publisher(args, outbound, due_ns, folder):
    """Starts scripts/benchmarks/c_paced (--publisher) on the premade messages: it publishes each at
    its due time and, at its end, writes each publish's CLOCK_MONOTONIC time to a file. Returns the
    process, once it has connected, and that file's path."""
    url = urllib.parse.urlparse(args.amqp_url)
    messages, sent = os.path.join(folder, "paced-messages"), os.path.join(folder, "paced-sent")
    with open(messages, "wb") as file:
        for (routing_key, body, properties), due in zip(outbound, due_ns):
            file.write(f"{routing_key} {properties.message_id} {properties.type} {due} {len(body)}\n".encode() + body)
    publisher = subprocess.Popen([args.publisher, url.hostname, str(url.port or 5672), urllib.parse.unquote(url.path[1:]) or "/",
                                  urllib.parse.unquote(url.username or "guest"), urllib.parse.unquote(url.password or "guest"),
                                  "remit", messages, sent], stdout=subprocess.PIPE, text=True)
    if publisher.stdout.readline().strip() != "ready":
        fail(f"the paced publisher did not connect (exit {publisher.wait()})")
    return publisher, sent


def paced_run(args, steps):
    """Payment posting at steady rates: `steps` is [(rate, seconds)], one after the other. A paced
    publisher (c_paced, its own process) sends premade payment.post messages to a running `remit worker
    payment-posting`; this process polls the channel store every millisecond for the payments' rows
    and, every 100 ms, the work queue's ready depth and the CPU seconds the worker, the broker
    (--broker-pid, when given) and the publisher have used. Returns (sent_at, seen, samples): the
    publish and visible times of each message (CLOCK_MONOTONIC ns) and [(time, ready messages,
    worker CPU s, broker CPU s, publisher CPU s)]."""
    due_ns, offset = [], 0
    for rate, seconds in steps:
        due_ns += [offset + index * 1_000_000_000 // rate for index in range(rate * seconds)]
        offset += seconds * 1_000_000_000
    total = len(due_ns)
    db = open_store(args.store)
    messages, _ = payment_posts(db, total, args.tag)
    occurred_at = timestamp(datetime.now(timezone.utc))
    outbound = []
    for message_type, version, message_id, acting_user, body, _ in messages:
        data = json.dumps(envelope(message_type, version, message_id, acting_user, body, occurred_at), separators=(",", ":")).encode()
        outbound.append((message_type, data, pika.BasicProperties(content_type="application/json", delivery_mode=2,
                                                                  message_id=message_id, type=message_type, app_id="bench")))
    log = open(args.log, "w")
    process = subprocess.Popen(args.command, stdout=log, stderr=subprocess.STDOUT)
    seen, samples = [0] * total, []
    try:
        with pika.BlockingConnection(pika.URLParameters(args.amqp_url)) as connection:
            channel, deadline = connection.channel(), time.monotonic() + 60
            while channel.queue_declare(WORK_QUEUES["payment-posting"], passive=True).method.consumer_count == 0:
                if process.poll() is not None or time.monotonic() > deadline:
                    fail(f"the worker did not start consuming (see {args.log})")
                time.sleep(0.05)
            publisher, sent_file = paced_publisher(args, outbound, due_ns, os.path.dirname(args.log))
            prefix = f"{args.tag}-pay-"
            last_rowid, found = db.execute("SELECT coalesce(max(rowid), 0) FROM channel_transaction").fetchone()[0], 0
            deadline = time.monotonic() + offset / 1e9 + args.timeout
            next_depth = 0
            while found < total:
                rows = db.execute("SELECT rowid, id FROM channel_transaction WHERE rowid > ? ORDER BY rowid", (last_rowid,)).fetchall()
                now = time.monotonic_ns()
                for rowid, payment in rows:
                    last_rowid = rowid
                    if payment.startswith(prefix):
                        index = int(payment[len(prefix):])
                        if not seen[index]:
                            seen[index], found = now, found + 1
                if now >= next_depth:
                    samples.append((now, queue_depth(channel, WORK_QUEUES["payment-posting"]), cpu_seconds(process.pid),
                                    cpu_seconds(args.broker_pid) if args.broker_pid else 0,
                                    cpu_seconds(publisher.pid) if publisher.poll() is None or not samples else samples[-1][4]))
                    next_depth = now + 100_000_000
                if process.poll() is not None:
                    fail(f"the worker exited ({process.returncode}) after {found} of {total} payments; see {args.log}")
                if time.monotonic() > deadline:
                    fail(f"{found} of {total} payments visible {args.timeout} s after the last publish was due")
                time.sleep(0.001)
            if publisher.wait(30) != 0:
                fail(f"the paced publisher exited with {publisher.returncode}")
    finally:
        code = stop_process(process)
    if code != 0:
        fail(f"the worker exited with {code} on SIGTERM; see {args.log}")
    sent = open(sent_file, "rb").read()
    return list(struct.unpack(f"<{total}q", sent)), seen, samples


def percentiles(sent_at, seen, indices):
    """Exact p50, p90, p99 and max of publish → visible over `indices`, in ms."""
    times = sorted((seen[index] - sent_at[index]) / 1e6 for index in indices)
    at = lambda p: round(times[min(len(times) - 1, int(len(times) * p))], 2)
    return {"messages": len(times), "p50_ms": at(0.5), "p90_ms": at(0.9), "p99_ms": at(0.99), "max_ms": round(times[-1], 2)}


def latency(args):
    """One steady rate for 1 + --seconds seconds; percentiles over every message after the first
    second (warm-up). One JSON line."""
    sent_at, seen, _ = paced_run(args, [(args.rate, args.seconds + 1)])
    print(json.dumps({"mode": f"latency-payment:{args.rate}", "rate": args.rate,
                      **percentiles(sent_at, seen, range(args.rate, len(sent_at)))}))


def ramp(args):
    """Steady rates one after the other in one worker process (--rates, --seconds each, after one
    second of warm-up at the first rate): per step the rate the publisher reached, the percentiles
    of publish → visible, and the work queue's ready depth at the step's start, its end and its
    peak — a queue that keeps growing through a step is a worker falling behind that rate. One JSON
    line per step."""
    rates = [int(rate) for rate in args.rates.split(",")]
    sent_at, seen, samples = paced_run(args, [(rates[0], 1)] + [(rate, args.seconds) for rate in rates])
    first = rates[0]
    for rate in rates:
        indices = range(first, first + rate * args.seconds)
        first += rate * args.seconds
        begin, end = sent_at[indices[0]], sent_at[indices[-1]]
        inside = [sample for sample in samples if begin <= sample[0] <= end] or [(end, 0, 0, 0, 0)]
        before = ([sample for sample in samples if sample[0] < begin][-1:] or inside)[0]
        # The cores each process kept busy over the step (its samples' span).
        cores = lambda field: round((inside[-1][field] - before[field]) / max((inside[-1][0] - before[0]) / 1e9, 1e-3), 2)
        print(json.dumps({"mode": f"ramp-payment:{rate}", "rate": rate,
                          "published_per_s": round((len(indices) - 1) / ((end - begin) / 1e9)),
                          **percentiles(sent_at, seen, indices),
                          "depth_start": before[1], "depth_end": inside[-1][1], "depth_max": max(sample[1] for sample in inside),
                          "worker_cores": cores(2), "broker_cores": cores(3), "publisher_cores": cores(4)}))


def world_wait(args):
    """Waits until the channel store holds every customer, invoice and product of the HQ store at
    `--hq` (Distribution runs continue themselves, so what the runs sent is read from HQ, not from
    the runs `remit hq run-job` started)."""
    hq = sqlite3.connect(f"file:{args.hq}?mode=ro", uri=True)
    wanted = {f"channel_{table}": hq.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
              for table in ("customer", "invoice", "product")}
    hq.close()
    deadline = time.monotonic() + args.timeout
    db = open_store(args.store)
    while True:
        have = {table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in wanted}
        if have == wanted:
            return
        if time.monotonic() > deadline:
            fail(f"the channel store holds {have} after {args.timeout} s, want {wanted}")
        time.sleep(0.2)


def copy_store(args):
    """A consistent copy of a SQLite store (its WAL included), for each drain's own data directory."""
    if not os.path.isfile(args.store):
        fail(f"{args.store} does not exist (e-mail dispatch needs the invoice-requests run before it)")
    os.makedirs(os.path.dirname(args.to), exist_ok=True)
    source, target = sqlite3.connect(args.store), sqlite3.connect(args.to)
    source.backup(target)
    target.execute("PRAGMA journal_mode = WAL")
    target.close()
    source.close()


def main():
    # SIGTERM (scripts/bench's clean-up) ends a drain through its `finally`, which stops the worker.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="action", required=True)
    p = sub.add_parser("fill")
    p.add_argument("kind", choices=BACKLOGS)
    for name in ("--store", "--amqp-url", "--plan", "--tag"):
        p.add_argument(name, required=True)
    p.add_argument("--count", type=int, required=True)
    p = sub.add_parser("measure")
    p.add_argument("kind", choices=BACKLOGS)
    for name in ("--store", "--amqp-url", "--plan", "--log"):
        p.add_argument(name, required=True)
    p.add_argument("--broker-pid", type=int, default=0)
    p.add_argument("--timeout", type=float, default=600)
    p.add_argument("--processes", type=int, default=1)
    p.add_argument("--mode", help="the result's mode (default kind:KIND)")
    p = sub.add_parser("latency")
    p.add_argument("--publisher", required=True, help="scripts/benchmarks/c_paced, built")
    p.add_argument("--broker-pid", type=int, default=0)
    for name in ("--store", "--amqp-url", "--log", "--tag"):
        p.add_argument(name, required=True)
    p.add_argument("--rate", type=int, required=True)
    p.add_argument("--seconds", type=int, required=True)
    p.add_argument("--timeout", type=float, default=120)
    p = sub.add_parser("ramp")
    p.add_argument("--publisher", required=True, help="scripts/benchmarks/c_paced, built")
    for name in ("--store", "--amqp-url", "--log", "--tag", "--rates"):
        p.add_argument(name, required=True)
    p.add_argument("--seconds", type=int, required=True, help="per rate")
    p.add_argument("--broker-pid", type=int, default=0)
    p.add_argument("--timeout", type=float, default=120)
    p = sub.add_parser("world-wait")
    p.add_argument("--store", required=True)
    p.add_argument("--hq", required=True)
    p.add_argument("--timeout", type=float, default=600)
    p = sub.add_parser("copy-store")
    p.add_argument("--store", required=True)
    p.add_argument("--to", required=True)
    # measure's process command follows `--`, options and all.
    split = sys.argv.index("--") if "--" in sys.argv else len(sys.argv)
    args = parser.parse_args(sys.argv[1:split])
    args.command = sys.argv[split + 1:]
    if args.action in ("measure", "latency", "ramp") and not args.command:
        parser.error(f"{args.action} needs the process to run after --")
    {"fill": fill, "measure": measure, "latency": latency, "ramp": ramp, "world-wait": world_wait, "copy-store": copy_store}[args.action](args)


if __name__ == "__main__":
    main()
