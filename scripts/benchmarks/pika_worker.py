"""The peer for scripts/bench: payment posting as a team would write it in Python on pika, without
Remit. Per message: decode the JSON envelope, one SQLite transaction (WAL, synchronous=FULL as
Remit's stores) with the inbox insert (message id primary key; a duplicate changes nothing) and
the payment row after the same checks Remit makes (the user, access to the invoice, the open
amount less pending payments), publish the answer to reply_to with publisher confirms, ack.
Consumes until SIGTERM/SIGINT, then finishes the message in hand and exits 0.

  pika_worker.py --amqp-url URL --db CHANNEL.sqlite [--queue remit.payment-posting] [--prefetch 1000]
"""
import argparse
import json
import signal
import sqlite3
import uuid
from datetime import datetime, timezone

import pika

SCHEMA = """
CREATE TABLE IF NOT EXISTS peer_inbox (message_id TEXT PRIMARY KEY, type TEXT NOT NULL, outcome TEXT NOT NULL,
                                       processed_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS peer_payment (payment_id TEXT PRIMARY KEY, invoice_number TEXT NOT NULL, user_login TEXT NOT NULL,
                                         amount_minor INTEGER NOT NULL, currency TEXT NOT NULL, tender TEXT NOT NULL,
                                         created_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS peer_payment_by_invoice ON peer_payment (invoice_number);
"""

stopping = False


def minor_units(money):
    whole, _, fraction = money["amount"].partition(".")
    return int(whole) * 100 + int((fraction + "00")[:2]) * (-1 if whole.startswith("-") else 1)


def now():
    moment = datetime.now(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def post_payment(db, message):
    """The payment's checks and row; returns the refusal code or None when accepted."""
    body = message["body"]
    user = db.execute("SELECT u.customer_account, c.invoice_account FROM channel_user u JOIN channel_customer c "
                      "ON c.account = u.customer_account WHERE u.login = ?", (body["user"],)).fetchone()
    if user is None:
        return "unknown-user"
    invoice = db.execute("SELECT customer_account, currency, total_minor - settled_minor - discount_taken_minor FROM channel_invoice "
                         "WHERE number = ?", (body["invoiceNumber"],)).fetchone()
    if invoice is None or invoice[0] not in user:
        return "invoice-not-found"
    pending = db.execute("SELECT coalesce(sum(amount_minor), 0) FROM peer_payment WHERE invoice_number = ?",
                         (body["invoiceNumber"],)).fetchone()[0]
    amount = minor_units(body["amount"])
    if body["amount"]["currency"] != invoice[1]:
        return "currency-mismatch"
    if amount <= 0 or amount > invoice[2] - pending:
        return "amount-over-open"
    db.execute("INSERT INTO peer_payment VALUES (?, ?, ?, ?, ?, ?, ?)",
               (body["paymentId"], body["invoiceNumber"], body["user"], amount, invoice[1], body["tender"], now()))
    return None


def handle(db, channel, method, properties, data):
    message = json.loads(data)
    if message.get("type") != "payment.post" or not isinstance(message.get("body"), dict):
        channel.basic_reject(method.delivery_tag, requeue=False)
        return
    with db:  # one transaction: the inbox row and the payment commit together
        inserted = db.execute("INSERT OR IGNORE INTO peer_inbox VALUES (?, ?, '', ?)", (message["id"], message["type"], now())).rowcount
        if inserted:
            refusal = post_payment(db, message)
            db.execute("UPDATE peer_inbox SET outcome = ? WHERE message_id = ?", (refusal or "accepted", message["id"]))
        else:
            refusal = db.execute("SELECT outcome FROM peer_inbox WHERE message_id = ?", (message["id"],)).fetchone()[0]
            refusal = None if refusal == "accepted" else refusal
    if properties.reply_to:
        answer = {"type": "remit.reply", "version": 1, "id": str(uuid.uuid5(uuid.NAMESPACE_URL, message["id"] + "/reply")),
                  "correlationId": message["correlationId"], "causationId": message["id"], "occurredAt": now(),
                  "actingUser": "system:peer",
                  "body": {"command": "payment.post", "commandId": message["id"], "outcome": "refused" if refusal else "accepted",
                           "code": refusal, "reason": None, "paymentId": None if refusal else message["body"]["paymentId"],
                           "requestId": None}}
        # In confirm mode pika's basic_publish waits for this message's confirm.
        channel.basic_publish("", properties.reply_to, json.dumps(answer).encode(),
                              pika.BasicProperties(content_type="application/json", correlation_id=properties.correlation_id,
                                                   message_id=answer["id"], type="remit.reply"))
    channel.basic_ack(method.delivery_tag)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--amqp-url", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--queue", default="remit.payment-posting")
    parser.add_argument("--prefetch", type=int, default=1000)
    args = parser.parse_args()

    def stop(*_):
        global stopping
        stopping = True
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    db = sqlite3.connect(args.db, timeout=10)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = FULL")
    db.executescript(SCHEMA)
    connection = pika.BlockingConnection(pika.URLParameters(args.amqp_url))
    channel = connection.channel()
    channel.confirm_delivery()
    channel.basic_qos(prefetch_count=args.prefetch)
    for method, properties, data in channel.consume(args.queue, inactivity_timeout=0.5):
        if stopping:
            break
        if method is not None:
            handle(db, channel, method, properties, data)
    channel.cancel()  # unacked deliveries go back to the queue
    connection.close()
    db.close()


if __name__ == "__main__":
    main()
