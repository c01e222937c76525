"""Bad input against the real pipeline (issue #11): a corpus and a generator of malformed and hostile
messages for every type the workers consume, published to a running `remit worker` of every kind,
then checked from the stores and the queues alone.

  bad_input.py snapshot --data-dir DIR --out SNAPSHOT.json
  bad_input.py publish  --data-dir DIR --amqp-url URL --cases N --seed S --plan PLAN.json
  bad_input.py check    --data-dir DIR --amqp-url URL --plan PLAN.json --snapshot SNAPSHOT.json --log WORKER.log

Every case must end either dead-lettered with a reason (collected into operations.sqlite by
`remit dead-letters collect`) or refused with a reason (`command_outcome`), exactly once; none may
be accepted; the books (invoices' settled amounts, payments, settlements, requests, carts, e-mails)
must be what they were; every queue must be empty and the worker process alive. Prints the figures
as one JSON line and exits 1 on any violation, naming the first cases."""
import argparse
import copy
import decimal
import hashlib
import json
import os
import random
import sqlite3
import sys
import time
from datetime import datetime, timezone

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "benchmarks"))
import kinds  # noqa: E402  (the benchmarks' envelope, money, store and publishing helpers)
import pika  # noqa: E402

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
QUEUES = ["remit.smoke", "remit.hq.p-0001", "remit.hq.sync", "remit.hq.invoice-posting", "remit.hq.distribution",
          "remit.hq.collection-letters",
          "remit.channel-updates", "remit.cart", "remit.payment-posting", "remit.invoice-requests", "remit.email"]
STOREFRONT = {"cart.add-invoice", "cart.add-item", "cart.update-line", "cart.remove-line", "cart.checkout", "invoice.pay",
              "invoice.request"}

# Strings a hostile sender puts in text fields: SQL, templates, markup, formats, control and
# direction characters, path tricks, a forged header line.
HOSTILE = ["' OR '1'='1", "'; DROP TABLE channel_invoice; --", "\" OR 1=1 --", "1; DELETE FROM settlement",
           "{{csrf}}", "{{{body}}}", "{{#invoices}}x{{/invoices}}", "{{> partial}}", "<script>alert(1)</script>",
           "${jndi:ldap://x/a}", "%s%n%x", "\u0000", "\u202eevil", "../../etc/passwd", "x\r\nx-remit-reason: forged",
           "NaN", "null", "\U0001F600" * 3, "A" * 129]
# A secret a buyer's payment carries (a card authorization): it may sit in a dead letter's body,
# never in a log line, an error, a reason or a header.
CANARY = "SECRET-CANARY-7f3a9c"
WRONG = {"null": None, "boolean": True, "integer": 7, "number": 1.5, "string": "x", "array": [], "object": {}}
FORGED_HEADERS = [
    {"x-remit-attempt": -1}, {"x-remit-attempt": 0}, {"x-remit-attempt": 3}, {"x-remit-attempt": 4},
    {"x-remit-attempt": 2 ** 63 - 1}, {"x-remit-attempt": "abc"}, {"x-remit-attempt": ""}, {"x-remit-attempt": decimal.Decimal("1.5")}, {"x-remit-attempt": b"\x00\xff"}, {"x-remit-attempt": [1, 2]},
    {"x-remit-attempt": {"nested": 1}}, {"x-remit-reason": "forged-reason"}, {"x-remit-error": "forged-error"},
    {"x-remit-original-exchange": "remit.forged", "x-remit-original-routing-key": "forged"},
    {"x-remit-replay": 99}, {"x-remit-failed-at": "yesterday"}, {"x-death": "not a list"},
    {"x-remit-attempt": 4, "x-remit-reason": "forged-reason", "x-remit-error": "forged-error"},
]


def fail(message):
    print(f"bad_input.py: {message}", file=sys.stderr)
    sys.exit(1)


def load_schemas():
    schemas = {}
    folder = os.path.join(ROOT, "Topology", "schemas")
    for name in os.listdir(folder):
        if name.count(".v") == 1 and name.endswith(".json"):
            kind, version = name[:-5].rsplit(".v", 1)
            schemas[(kind, int(version))] = json.load(open(os.path.join(folder, name)))
    return schemas


# --- valid messages to break -------------------------------------------------------------------

def world(db):
    """A user with an invoice of their own, and an invoice no account of theirs reaches."""
    own = kinds.pairs(db, open_only=True)
    if not own:
        fail("the channel store holds no open invoice a user can reach (seed and distribute first)")
    user = own[0]
    reachable = {row["number"] for row in kinds.pairs(db, open_only=False) if row["login"] == user["login"]}
    foreign = db.execute("SELECT number FROM channel_invoice ORDER BY number").fetchall()
    foreign = [row["number"] for row in foreign if row["number"] not in reachable]
    if not foreign:
        fail("every invoice is reachable by one user; seed more customers")
    other = db.execute("SELECT login FROM channel_user WHERE login != ? ORDER BY login LIMIT 1", (user["login"],)).fetchone()
    return {"user": user["login"], "email": user["email"], "name": user["display_name"], "own": user["number"],
            "currency": user["currency"], "foreign": foreign[0], "other_user": other["login"]}


def bases(db, w):
    """One valid body per consumed type (and the acting user it is sent as)."""
    eur = kinds.money(100, w["currency"])
    now = kinds.timestamp(datetime.now(timezone.utc))
    user = f"user:{w['user']}"
    invoice = kinds.invoice_updates(db, 1, "base")[0][0][4]["invoices"][0]
    document = kinds.invoice_document(db, w["own"])
    return {
        ("smoke.record", 1): ("system:bad-input", {"key": "bad-input", "amount": eur}),
        ("hq.p-0001.run", 1): ("system:bad-input", {"requestedBy": "bad-input"}),
        ("hq.sync.run", 1): ("system:bad-input", {"requestedBy": "bad-input"}),
        ("hq.invoice-posting.run", 1): ("system:bad-input", {"requestedBy": "bad-input"}),
        ("hq.distribution.run", 1): ("system:bad-input", {"requestedBy": "bad-input"}),
        ("hq.collection-letters.run", 1): ("system:bad-input", {"requestedBy": "bad-input"}),
        ("channel.invoices.changed", 1): ("system:hq", {"invoices": [invoice]}),
        ("channel.customers.changed", 1): ("system:hq", {"customers": [{
            "account": "BAD-1", "name": "Bad Input", "email": "bad@shop.example", "currency": "EUR", "invoiceAccount": None,
            "allowOnAccount": True, "creditLimit": eur, "changedAt": now,
            "users": [{"login": "bad-user", "displayName": "Bad", "email": "bad@shop.example"}]}]}),
        ("channel.products.changed", 1): ("system:hq", {"products": [{"sku": "BAD-SKU", "name": "Bad", "price": eur,
                                                                      "changedAt": now}]}),
        ("channel.requests.changed", 1): ("system:hq", {"requests": [{"requestId": "REQ-BAD", "status": "completed",
                                                                      "at": now, "detail": None}]}),
        ("cart.add-invoice", 1): (user, {"user": w["user"], "invoiceNumber": w["own"], "amount": eur}),
        ("cart.add-item", 1): (user, {"user": w["user"], "sku": "SKU-1", "quantity": 1}),
        ("cart.update-line", 1): (user, {"user": w["user"], "lineId": "LINE-1", "quantity": 1}),
        ("cart.remove-line", 1): (user, {"user": w["user"], "lineId": "LINE-1"}),
        ("cart.checkout", 1): (user, {"user": w["user"], "tender": "card", "cardAuthorization": "psp-bad"}),
        ("payment.post", 1): (user, {"paymentId": "PAY-BAD", "user": w["user"], "invoiceNumber": w["own"], "amount": eur,
                                     "tender": "card", "cardAuthorization": "psp-bad"}),
        ("invoice.pay", 1): ("system:erp", {"user": w["user"], "invoiceNumber": w["own"], "amount": eur, "tender": "card",
                                            "cardAuthorization": "psp-bad", "idempotencyKey": "idem-bad"}),
        ("invoice.request", 1): ("system:help-desk", {"user": w["user"], "invoiceNumber": w["own"]}),
        ("email.send", 2): ("system:hq", {"requestId": "REQ-BAD", "to": w["email"], "recipientName": w["name"][:200],
                                          "userLogin": w["user"], "template": "invoice-copy", "invoice": document}),
        ("email.letter", 1): ("system:hq", {"letterId": "LETTER-BAD", "to": w["email"], "recipientName": w["name"][:200],
                                            "customerAccount": document["customerAccount"], "level": 2,
                                            "title": "First reminder", "issuedOn": "2026-12-01", "part": 1, "parts": 1,
                                            "invoices": [document]}),
    }


# --- the schema, as far as the generator needs it ----------------------------------------------

def resolve(node, schemas):
    if isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"].split("/")[-1]
        if ref.startswith("money"):
            return {"type": "object", "required": ["amount", "currency"],
                    "properties": {"amount": {"type": "string"}, "currency": {"type": "string"}}, "money": True}
    return node


def types_of(node):
    kind = node.get("type")
    return set(kind if isinstance(kind, list) else [kind] if kind else [])


def fields(node, schemas, path=()):
    """Every (path, schema node, required) below an object node of the body."""
    node = resolve(node, schemas)
    required = set(node.get("required", []))
    for name, child in node.get("properties", {}).items():
        child = resolve(child, schemas)
        yield path + (name,), child, name in required
        if "object" in types_of(child) or "properties" in child:
            yield from fields(child, schemas, path + (name,))
        elif "array" in types_of(child) and isinstance(child.get("items"), dict):
            yield from fields(child["items"], schemas, path + (name, 0))


def get_at(value, path):
    for step in path:
        if isinstance(value, list):
            if not value:
                return None
            value = value[0]
        elif isinstance(value, dict):
            if step not in value:
                return None
            value = value[step]
        else:
            return None
    return value


def set_at(body, path, new, delete=False):
    """A copy of `body` with the value at `path` replaced (or deleted); None when the path is absent."""
    body = copy.deepcopy(body)
    target = body
    for step in path[:-1]:
        if isinstance(target, list):
            if not target:
                return None
            target = target[0]
        else:
            if step not in target:
                return None
            target = target[step]
    last = path[-1]
    if isinstance(target, list):
        return None
    if delete:
        if last not in target:
            return None
        del target[last]
    else:
        target[last] = new
    return body


# --- the cases -------------------------------------------------------------------------------

class Cases:
    def __init__(self, rng):
        self.rng = rng
        self.items = []

    def add(self, family, kind, version, raw_or_envelope, headers=None, expect="rejected"):
        self.items.append({"family": family, "type": kind, "version": version, "payload": raw_or_envelope,
                           "headers": headers or {}, "expect": expect})


def envelope(kind, version, case_id, acting, body):
    message = kinds.envelope(kind, version, case_id, acting, body, kinds.timestamp(datetime.now(timezone.utc)))
    del message["causationId"]
    return message


def generate(db, count, seed):
    rng = random.Random(seed)
    schemas = load_schemas()
    w = world(db)
    base = bases(db, w)
    cases = Cases(rng)
    money_paths = {}
    for (kind, version), (acting, body) in base.items():
        schema = schemas[(kind, version)]
        body_schema = schema.get("properties", {}).get("body", schema)
        valid = lambda b, kind=kind, version=version, acting=acting: (kind, version, acting, b)  # noqa: E731
        # Not JSON, and not UTF-8.
        text = json.dumps(envelope(kind, version, "ID", acting, body)).encode()
        for cut in sorted(rng.sample(range(1, len(text) - 1), min(24, len(text) - 2))):
            cases.add("not-json", kind, version, text[:cut])
        for raw in [b"", b"null", b"[]", b"\"text\"", b"{", b"}", b"{'type': 1}", text + b"x", text + text, b"\xef\xbb\xbf" + text,
                    text.replace(b"\"body\"", b"\"body\" /* c */", 1), b"{\"type\": NaN}", bytes(rng.randrange(256) for _ in range(64))]:
            cases.add("not-json", kind, version, raw)
        for bad in [b"\xff", b"\xc3\x28", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\x00"]:
            cases.add("invalid-utf8", kind, version, text.replace(b"\"type\": \"", b"\"type\": \"" + bad, 1))
            cases.add("invalid-utf8", kind, version, text.replace(b"\"body\": {", b"\"body\": {\"" + bad + b"\": 1, ", 1))
        # The envelope's fields: each missing, each of the wrong type.
        for name in ["type", "version", "id", "correlationId", "occurredAt", "actingUser", "body"]:
            cases.add("envelope-missing", kind, version, ("drop", name, valid(body)))
            for type_name, value in WRONG.items():
                if name == "version" and type_name == "integer":
                    continue
                if name in ("type", "id", "correlationId", "occurredAt", "actingUser") and type_name == "string":
                    continue
                if name == "body" and type_name == "object":
                    continue
                cases.add("envelope-type", kind, version, ("set", name, value, valid(body)))
        for value in ["", "nope", kind + ".x", kind.upper(), kind + "\u0000", "smoke.record" if kind != "smoke.record" else "cart.add-item"]:
            cases.add("unknown-type", kind, version, ("set", "type", value, valid(body)))
        for value in [0, version + 1, 99, -1, str(version), version + 0.5, 2 ** 63]:
            cases.add("unknown-version", kind, version, ("set", "version", value, valid(body)))
        for value in ["", "yesterday", "2026-13-01T00:00:00Z", "2026-11-29", "9999999999"]:
            cases.add("bad-timestamp", kind, version, ("set", "occurredAt", value, valid(body)))
        for value in ["", "admin", "user:", "root:x", "user:" + "x" * 300]:
            cases.add("bad-acting-user", kind, version, ("set", "actingUser", value, valid(body))) if kind in STOREFRONT else None
        # The body's fields: each required one missing, each of a type the schema does not allow,
        # strings too long, integers out of range, hostile text with the version broken.
        for path, node, required in fields(body_schema, schemas):
            present = get_at(body, path) is not None
            if required and present:
                cases.add("body-missing", kind, version, ("body", set_at(body, path, None, delete=True), valid(body)))
            allowed = types_of(node)
            if node.get("money"):
                money_paths.setdefault((kind, version), []).append(path)
                allowed = {"object"}
            if "integer" in allowed:
                allowed = allowed | {"number"} if False else allowed
            if "number" in allowed:
                allowed = allowed | {"integer"}
            if present and allowed:
                for type_name, value in WRONG.items():
                    if type_name not in allowed and not (type_name == "integer" and "number" in allowed):
                        cases.add("body-type", kind, version, ("body", set_at(body, path, value), valid(body)))
            if present and "maxLength" in node:
                cases.add("body-too-long", kind, version, ("body", set_at(body, path, "y" * (node["maxLength"] + 1)), valid(body)))
            if present and "enum" in node:
                for value in ["", "other", str(node["enum"][0]).upper()]:
                    cases.add("body-enum", kind, version, ("body", set_at(body, path, value), valid(body)))
            if present and "integer" in allowed:
                for value in [node.get("minimum", 0) - 1, node.get("maximum", 2 ** 62) + 1, 2 ** 64]:
                    cases.add("body-range", kind, version, ("body", set_at(body, path, value), valid(body)))
            if present and allowed == {"string"} or (present and "string" in allowed and "enum" not in node):
                for hostile in HOSTILE:
                    broken = envelope_variant = ("set", "version", 0, valid(set_at(body, path, hostile)))
                    cases.add("hostile-text", kind, version, broken)
        # Money: every shape Remit refuses, at every money field.
        for path in money_paths.get((kind, version), []):
            if get_at(body, path) is None:
                continue
            for amount in ["1.001", "1e3", "1,00", " 1.00", "+1.00", "1.", ".5", "", "abc", "0x10", "１.００",
                           "99999999999999999999.99", "-", "1.00.00", "NaN", "Infinity"]:
                cases.add("money-amount", kind, version, ("body", set_at(body, path + ("amount",), amount), valid(body)))
            for currency in ["XXX", "eur", "EURO", "", "E", "€", "12A", None, 978]:
                cases.add("money-currency", kind, version, ("body", set_at(body, path + ("currency",), currency), valid(body)))
            for value in [1.5, 100, "1.00 EUR", [], None]:
                cases.add("money-shape", kind, version, ("body", set_at(body, path, value), valid(body)))
        # Amounts that must be positive.
        if kind in ("cart.add-invoice", "invoice.pay", "payment.post", "cart.update-line"):
            for amount in ["0.00", "-1.00", "-0.01", "-99999999.00"]:
                target = body if "amount" in body else dict(body, amount=kinds.money(1, "EUR"))
                cases.add("money-not-positive", kind, version, ("body", set_at(target, ("amount",), {"amount": amount, "currency": w["currency"]}), valid(target)))
        # Nesting and size.
        for depth in [65, 1000, 100000]:
            cases.add("nesting", kind, version, text.replace(b"\"body\": {", b"\"body\": {\"deep\": " + b"[" * depth + b"]" * depth + b", ", 1))
        for size in [1 << 20, 8 << 20]:
            cases.add("oversize", kind, version, ("body", dict(body, padding="z" * size), valid(body)))
        # A secret in a broken message: too long, or in a message of a version nobody reads.
        if "cardAuthorization" in body:
            cases.add("secret", kind, version, ("body", set_at(body, ("cardAuthorization",), CANARY + "x" * 129), valid(body)))
            cases.add("secret", kind, version, ("set", "version", 7, valid(set_at(body, ("cardAuthorization",), CANARY))))
            cases.add("secret", kind, version, ("body", set_at(set_at(body, ("cardAuthorization",), CANARY), ("user",), None, delete=True), valid(body)))
        # Storefront commands on ids that are not the user's: refused with a reason.
        if kind in STOREFRONT:
            for field, value in [("invoiceNumber", w["foreign"]), ("invoiceNumber", "NO-SUCH-INVOICE"), ("user", "no-such-user"),
                                 ("lineId", "NO-SUCH-LINE"), ("sku", "NO-SUCH-SKU")] + [(f, h) for f in ("invoiceNumber", "user", "lineId", "sku") for h in HOSTILE if len(h) <= 128]:
                if field in body:
                    changed = dict(body, **{field: value})
                    acting_user = acting if field != "user" or not acting.startswith("user:") else f"user:{value}"
                    # A plain id that is not theirs is refused; a hostile one may also fail the schema.
                    expect = "refused-or-dead" if value in HOSTILE else "refused"
                    cases.add("not-theirs", kind, version, ("body", changed, (kind, version, acting_user, changed)), expect=expect)
            if acting.startswith("user:"):
                cases.add("not-theirs", kind, version, ("set", "actingUser", f"user:{w['other_user']}", valid(body)), expect="refused-or-dead")
    # Hostile headers on copies until the count is reached (each case with one set of forged headers).
    originals = list(cases.items)
    while len(cases.items) < count:
        item = dict(rng.choice(originals))
        item["headers"] = rng.choice(FORGED_HEADERS)
        item["family"] = "forged-headers+" + item["family"]
        # A command refused for its body may be dead-lettered first for a forged x-remit-attempt.
        item["expect"] = "refused-or-dead" if item["expect"] == "refused" else item["expect"]
        cases.items.append(item)
    return cases.items, w


def materialize(item, case_id):
    """The case's bytes: raw bytes (the envelope's id is then unknown: the AMQP message id names it)
    or an envelope built from a valid one and changed as the case says."""
    payload = item["payload"]
    if isinstance(payload, (bytes, bytearray)):
        return bytes(payload)
    operation = payload[0]
    if operation == "drop":
        _, name, (kind, version, acting, body) = payload
        message = envelope(kind, version, case_id, acting, body)
        del message[name]
    elif operation == "set":
        _, name, value, (kind, version, acting, body) = payload
        message = envelope(kind, version, case_id, acting, body)
        message[name] = value
    else:  # "body"
        _, new_body, (kind, version, acting, _) = payload
        if new_body is None:
            new_body = {}
        message = envelope(kind, version, case_id, acting, new_body)
    return json.dumps(message, ensure_ascii=False).encode("utf-8", "surrogatepass")


# --- the books --------------------------------------------------------------------------------

BOOKS = {
    "channel.sqlite": ["SELECT number, settled_minor, discount_taken_minor, status FROM channel_invoice ORDER BY number",
                       "SELECT COUNT(*), COALESCE(SUM(amount_minor), 0) FROM channel_transaction",
                       "SELECT COUNT(*) FROM b2b_request", "SELECT COUNT(*) FROM cart_line",
                       "SELECT COUNT(*) FROM channel_customer", "SELECT COUNT(*) FROM channel_product", "SELECT COUNT(*) FROM email_ledger"],
    "hq.sqlite": ["SELECT COUNT(*), COALESCE(SUM(settled_minor), 0) FROM settlement", "SELECT COUNT(*) FROM payment_journal_line", "SELECT COUNT(*) FROM channel_request",
                  "SELECT number, settled_minor, discount_taken_minor FROM invoice ORDER BY number"],
}


def books(data_dir):
    digest = {}
    for store, queries in BOOKS.items():
        db = sqlite3.connect(os.path.join(data_dir, store), timeout=30)
        for sql in queries:
            rows = db.execute(sql).fetchall()
            digest[f"{store}: {sql[:60]}"] = hashlib.sha256(repr(rows).encode()).hexdigest()[:16] + f" ({len(rows)} rows)"
        db.close()
    outbox = os.path.join(data_dir, "outbox")
    digest["outbox files"] = len(os.listdir(outbox)) if os.path.isdir(outbox) else 0
    return digest


# --- commands ---------------------------------------------------------------------------------

def command_snapshot(args):
    json.dump(books(args.data_dir), open(args.out, "w"), indent=1)


def command_publish(args):
    db = kinds.open_store(os.path.join(args.data_dir, "channel.sqlite"))
    items, w = generate(db, args.cases, args.seed)
    outbound, plan = [], []
    for index, item in enumerate(items):
        case_id = f"bad-{args.seed}-{index}"
        body = materialize(item, case_id)
        headers = {key: value for key, value in item["headers"].items()}
        properties = pika.BasicProperties(message_id=case_id, type=item["type"], content_type="application/json",
                                          delivery_mode=2, headers=headers or None)
        outbound.append((item["type"], body, properties))
        plan.append({"id": case_id, "family": item["family"], "type": item["type"], "expect": item["expect"],
                     "forged": sorted(item["headers"])})
    json.dump({"seed": args.seed, "world": w, "cases": plan}, open(args.plan, "w"))
    started = time.monotonic()
    kinds.publish(args.amqp_url, outbound, timeout=600)
    families = {}
    for case in plan:
        families[case["family"].split("+")[-1]] = families.get(case["family"].split("+")[-1], 0) + 1
    print(json.dumps({"published": len(outbound), "seconds": round(time.monotonic() - started, 1), "families": families}))


def queue_depths(url):
    """Messages ready in every work queue and its dead-letter queue."""
    with pika.BlockingConnection(pika.URLParameters(url)) as connection:
        channel = connection.channel()
        return {queue: channel.queue_declare(queue, passive=True).method.message_count
                for queue in QUEUES + [queue + ".dead" for queue in QUEUES]}


def command_wait(args):
    """Waits until every work queue is empty and the dead-letter queues have stopped growing (the
    quorum queues dead-letter at least once, asynchronously) for three seconds."""
    deadline = time.monotonic() + args.timeout
    quiet_since, last = None, None
    while time.monotonic() < deadline:
        depths = queue_depths(args.amqp_url)
        work = sum(depths[queue] for queue in QUEUES)
        dead = sum(depths[queue + ".dead"] for queue in QUEUES)
        if work == 0 and dead == last:
            quiet_since = quiet_since or time.monotonic()
            if time.monotonic() - quiet_since >= 3:
                return
        else:
            quiet_since = None
        last = dead
        time.sleep(0.5)
    fail(f"the queues did not settle within {args.timeout} s: {depths}")


def command_check(args):
    plan = json.load(open(args.plan))
    cases = plan["cases"]
    operations = sqlite3.connect(os.path.join(args.data_dir, "operations.sqlite"))
    dead = {}
    # As bytes: Python's sqlite3 would cut a text at a NUL character.
    for message_id, reason, error, headers in operations.execute(
            "SELECT message_id, reason, CAST(error AS BLOB), properties FROM dead_letter"):
        dead.setdefault(message_id, []).append((reason, error.decode("utf-8", "replace"), headers))
    channel = sqlite3.connect(os.path.join(args.data_dir, "channel.sqlite"))
    outcomes = {}
    for message_id, outcome, code, reason in channel.execute("SELECT message_id, outcome, code, reason FROM command_outcome"):
        outcomes.setdefault(message_id, []).append((outcome, code, reason))
    violations, ends = [], {"dead-lettered": 0, "refused": 0}
    reasons = {}
    for case in cases:
        letters, answers = dead.get(case["id"], []), outcomes.get(case["id"], [])
        where = f"{case['id']} ({case['family']}, {case['type']})"
        if len(letters) + len(answers) != 1:
            violations.append(f"{where}: ended {len(letters)} times dead-lettered and {len(answers)} times with an outcome")
            continue
        if letters:
            reason, error, _ = letters[0]
            if not reason or not error:
                violations.append(f"{where}: dead-lettered without a reason")
            if reason == "forged-reason" or "forged-error" in (error or "") or "forged-reason" in (error or ""):
                violations.append(f"{where}: the dead letter carries a forged reason: {reason} / {error[:80]}")
            if any(ch in (error or "") for ch in "\r\n\u0000\u202e"):
                violations.append(f"{where}: the dead letter's error carries a raw control character: {error[:120]!r}")
            if case["expect"] == "refused":
                violations.append(f"{where}: expected a refusal, was dead-lettered ({reason}: {error[:120]})")
            ends["dead-lettered"] += 1
            reasons[reason] = reasons.get(reason, 0) + 1
        else:
            outcome, code, reason = answers[0]
            if outcome != "refused" or not reason:
                violations.append(f"{where}: {outcome} ({code}: {reason})")
            else:
                ends["refused"] += 1
                reasons[f"refused:{code}"] = reasons.get(f"refused:{code}", 0) + 1
    before = json.load(open(args.snapshot))
    after = books(args.data_dir)
    for key in before:
        if before[key] != after.get(key):
            violations.append(f"the books changed: {key}: {before[key]} → {after.get(key)}")
    depths = {queue: count for queue, count in queue_depths(args.amqp_url).items() if count}
    if depths:
        violations.append(f"queues not empty after the collect: {depths}")
    log = open(args.log, errors="replace").read()
    if CANARY in log:
        violations.append(f"the worker's log shows a card authorization: {next(l for l in log.splitlines() if CANARY in l)[:200]}")
    for message_id, columns in ((m, r) for m, rows in dead.items() for r in rows):
        reason, error, properties = columns
        if any(CANARY in (text or "") for text in (reason, error, properties)):
            violations.append(f"{message_id}: a card authorization in the dead letter's reason, error or headers")
    for marker in ["Fatal error", "fatal", "paused", "Segmentation", "Illegal instruction"]:
        if marker in log:
            line = next(l for l in log.splitlines() if marker in l)
            violations.append(f"the worker's log says {marker!r}: {line[:200]}")
    figures = {"cases": len(cases), **ends, "accepted": sum(1 for c in cases for o in outcomes.get(c["id"], []) if o[0] == "accepted"),
               "books_unchanged": not any(v.startswith("the books") for v in violations), "reasons": reasons,
               "violations": len(violations)}
    print(json.dumps(figures))
    for violation in violations[:40]:
        print(f"  VIOLATION {violation}", file=sys.stderr)
    if violations:
        sys.exit(1)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    snapshot = sub.add_parser("snapshot")
    snapshot.add_argument("--data-dir", required=True)
    snapshot.add_argument("--out", required=True)
    publish = sub.add_parser("publish")
    publish.add_argument("--data-dir", required=True)
    publish.add_argument("--amqp-url", required=True)
    publish.add_argument("--cases", type=int, default=10000)
    publish.add_argument("--seed", type=int, default=1)
    publish.add_argument("--plan", required=True)
    wait = sub.add_parser("wait")
    wait.add_argument("--amqp-url", required=True)
    wait.add_argument("--timeout", type=int, default=600)
    check = sub.add_parser("check")
    for name in ("--data-dir", "--amqp-url", "--plan", "--snapshot", "--log"):
        check.add_argument(name, required=True)
    args = parser.parse_args()
    {"snapshot": command_snapshot, "publish": command_publish, "wait": command_wait, "check": command_check}[args.command](args)


if __name__ == "__main__":
    main()
