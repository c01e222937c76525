#!/usr/bin/env python3
"""Send one of Remit's public commands (invoice.pay, invoice.request) and wait for the answer.

Usage:
    remit_producer.py pay --user user00001 --invoice INV-0000001 --amount 10.00 --currency EUR \\
        --tender card --card-authorization demo-1 --key erp-42
    remit_producer.py pay --user user00001 --invoice INV-0000001 --amount 10.00 --currency EUR \\
        --tender onAccount --key erp-43 --json
    remit_producer.py --acting-user user:user00001 request --user user00001 --invoice INV-0000001

Global options (before the command): --amqp-url (default $REMIT_AMQP_URL, else the local guest
broker), --topology DIR, --acting-user, --timeout SECONDS, --message-id, --occurred-at, --json,
--reply-queue direct|exclusive.

The broker URL is the producer's own: `remit producers add NAME` makes a broker user that may
publish the public commands and read its own reply queues, and prints its URL once.

The message is checked against Topology/schemas before anything is sent, then published to the
exchange "remit" (routing key = message type, persistent, publisher confirms, mandatory) with
reply_to = amq.rabbitmq.reply-to (or, with --reply-queue exclusive, a server-named exclusive queue),
and the remit.reply with our correlation_id is awaited.

To send the very same message again (the same bytes are applied once), repeat the command with the
--message-id and --occurred-at it printed; any other content under a used id is dead-lettered.

Exit status: 0 accepted, 1 refused, 2 invalid input (nothing sent), 3 no reply in time (the command
may still be applied), 4 the broker could not be reached or did not take the message.
"""

import argparse
import json
import logging
import os
import sys
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pika
import pika.exceptions
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

EXCHANGE = "remit"
DIRECT_REPLY_TO = "amq.rabbitmq.reply-to"
DEFAULT_URL = "amqp://guest:guest@127.0.0.1:5672/%2F"
DEFAULT_TOPOLOGY = Path(__file__).resolve().parents[2] / "Topology"
ACCEPTED, REFUSED, INVALID, TIMED_OUT, BROKER_ERROR = 0, 1, 2, 3, 4


class LostAfterPublish(Exception):
    """The broker failed after it had confirmed the message: the command may still be applied."""


class Schemas:
    """Topology/schemas, with every file registered under its $id so that
    "money.schema.json#/$defs/money" resolves locally (never over the network)."""

    def __init__(self, directory: Path):
        contents = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in directory.glob("*.json")}
        if "envelope.schema.json" not in contents:
            raise FileNotFoundError(f"no envelope.schema.json in {directory}")
        self.contents = contents
        self.registry = Registry().with_resources(
            (schema.get("$id", name), Resource.from_contents(schema)) for name, schema in contents.items())

    def violations(self, envelope: dict) -> list[str]:
        """Every violation of the envelope schema, then of the body's TYPE.vN schema."""
        problems = self._check("envelope.schema.json", envelope, "envelope")
        name = f"{envelope.get('type')}.v{envelope.get('version')}.json"
        if name not in self.contents:
            return problems + [f"envelope: no schema {name} in the topology"]
        return problems + self._check(name, envelope.get("body"), "body")

    def _check(self, name: str, instance, root: str) -> list[str]:
        validator = Draft202012Validator(self.contents[name], registry=self.registry,
                                         format_checker=Draft202012Validator.FORMAT_CHECKER)
        problems = []
        for error in sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path))):
            where = ".".join([root, *map(str, error.absolute_path)])
            message = error.message
            if error.validator == "enum" and len(error.validator_value) > 10:  # e.g. the currency codes
                message = f"{error.instance!r} is not one of the {len(error.validator_value)} allowed values"
            problems.append(f"{where}: {message}")
        return problems


def build_envelope(args: argparse.Namespace) -> dict:
    if args.command == "pay":
        body = {"user": args.user, "invoiceNumber": args.invoice,
                "amount": {"amount": args.amount, "currency": args.currency}, "tender": args.tender}
        if args.card_authorization is not None:
            body["cardAuthorization"] = args.card_authorization
        body["idempotencyKey"] = args.key
        message_type = "invoice.pay"
    else:
        body = {"user": args.user, "invoiceNumber": args.invoice}
        message_type = "invoice.request"
    return {
        "type": message_type, "version": 1, "id": args.message_id,
        "correlationId": args.message_id,  # a command from outside starts its own conversation
        "causationId": None, "occurredAt": args.occurred_at, "actingUser": args.acting_user, "body": body,
    }


def redacted(url: str) -> str:
    """The URL for messages: user, host, port and vhost, never the password."""
    try:
        parts = urlsplit(url)
        host = f"{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}"
        user = f"{unquote(parts.username)}:***@" if parts.username else ""
        return f"{parts.scheme}://{user}{host}{parts.path}"
    except ValueError:
        return "(an AMQP URL that cannot be read)"


def scrub(text: str, url: str) -> str:
    """Removes the URL's password from a message, however a library chose to quote it."""
    try:
        password = urlsplit(url).password
    except ValueError:
        password = None
    for secret in filter(None, {password, password and unquote(password)}):
        text = text.replace(secret, "***")
    return text


def publish_and_wait(args: argparse.Namespace, envelope: dict, payload: bytes) -> dict | None:
    """Publishes with confirms and returns the reply envelope, or None when none came in time."""
    params = pika.URLParameters(args.amqp_url)
    params.connection_attempts = 1
    params.socket_timeout = min(args.timeout, 10)
    params.blocked_connection_timeout = args.timeout  # a broker alarm fails the publish, not hangs it
    connection = pika.BlockingConnection(params)
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        correlation_id = str(uuid.uuid4())
        replies: list[dict] = []

        def on_reply(_channel, _method, properties, body):
            if properties.correlation_id == correlation_id:
                replies.append(json.loads(body))

        if args.reply_queue == "exclusive":
            # A queue the server names (amq.gen-…), exclusive to this connection: RabbitMQ's RPC tutorial.
            reply_to = channel.queue_declare(queue="", exclusive=True).method.queue
        else:
            # Direct reply-to: consume (no ack) before publishing, on the channel that publishes.
            reply_to = DIRECT_REPLY_TO
        channel.basic_consume(reply_to, on_reply, auto_ack=True)
        channel.basic_publish(
            exchange=EXCHANGE, routing_key=envelope["type"], body=payload, mandatory=True,
            properties=pika.BasicProperties(
                content_type="application/json", delivery_mode=pika.DeliveryMode.Persistent,
                message_id=envelope["id"], correlation_id=correlation_id, reply_to=reply_to))
        deadline = time.monotonic() + args.timeout
        try:
            while not replies and (remaining := deadline - time.monotonic()) > 0:
                connection.process_data_events(time_limit=min(remaining, 1.0))
        except (pika.exceptions.AMQPError, OSError) as error:
            raise LostAfterPublish(error) from error
        return replies[0] if replies else None
    finally:
        if connection.is_open:
            connection.close()


def report(envelope: dict, reply: dict, as_json: bool) -> int:
    body = reply.get("body") or {}
    if as_json:
        print(json.dumps(body, ensure_ascii=False, separators=(",", ":")))
    elif body.get("outcome") == "accepted":
        what = "payment" if envelope["type"] == "invoice.pay" else "request"
        print(f"accepted: {what} {body.get('paymentId') or body.get('requestId')}")
    else:
        print(f"refused ({body.get('code')}): {body.get('reason')}")
    return ACCEPTED if body.get("outcome") == "accepted" else REFUSED


def resend_hint(envelope: dict) -> str:
    return ("The broker confirmed the message, so the command may still be applied (no reply is not a "
            "refusal). To ask for the reply again, send the same message id again: it is applied at most "
            f"once. Repeat this command with the same arguments plus\n"
            f"  --message-id {envelope['id']} --occurred-at {envelope['occurredAt']}\n"
            "(other content under that id is dead-lettered as an id conflict).")


def positive_seconds(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return value


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     epilog="Exit status: 0 accepted, 1 refused, 2 invalid input, "
                                            "3 no reply in time, 4 broker error.")
    parser.add_argument("--amqp-url", default=os.environ.get("REMIT_AMQP_URL", DEFAULT_URL),
                        help="broker URL (default: $REMIT_AMQP_URL or the local guest broker)")
    parser.add_argument("--topology", type=Path, default=DEFAULT_TOPOLOGY,
                        help="directory holding schemas/ (default: %(default)s)")
    parser.add_argument("--acting-user", default="system:example-producer",
                        help="system:<name> for an integration, or user:<login> (default: %(default)s)")
    parser.add_argument("--timeout", type=positive_seconds, default=30.0, help="seconds to wait for the reply")
    parser.add_argument("--message-id", default=str(uuid.uuid4()),
                        help="the envelope id, the de-duplication key (default: a new UUID)")
    parser.add_argument("--occurred-at",
                        default=datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                        help="the envelope's occurredAt (default: now); give it to resend the same bytes")
    parser.add_argument("--json", action="store_true", help="print the reply body as one JSON line")
    parser.add_argument("--reply-queue", choices=["direct", "exclusive"], default="direct",
                        help="where the answer comes: direct reply-to, or a server-named exclusive queue "
                             "(default: %(default)s)")
    commands = parser.add_subparsers(dest="command", required=True)

    pay = commands.add_parser("pay", help="invoice.pay: pay an invoice, in full or in part")
    pay.add_argument("--user", required=True, help="the paying user's login")
    pay.add_argument("--invoice", required=True, help="the invoice number")
    pay.add_argument("--amount", required=True, help='a decimal string, e.g. "12.50" (never a float)')
    pay.add_argument("--currency", required=True, help="ISO 4217 code, e.g. EUR")
    pay.add_argument("--tender", required=True, choices=["onAccount", "card"])
    pay.add_argument("--card-authorization", help="the payment connector's reference (tender card)")
    pay.add_argument("--key", required=True, help="idempotency key: the same key is the same payment")

    request = commands.add_parser("request", help="invoice.request: e-mail a copy of an invoice to the user")
    request.add_argument("--user", required=True, help="the requesting user's login")
    request.add_argument("--invoice", required=True, help="the invoice number")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
    logging.getLogger("pika").addHandler(logging.NullHandler())  # its log lines can name the broker
    logging.getLogger("pika").propagate = False

    envelope = build_envelope(args)
    try:
        problems = Schemas(args.topology / "schemas").violations(envelope)
    except (OSError, ValueError) as error:
        print(f"cannot read the schemas under {args.topology}: {error}", file=sys.stderr)
        return INVALID
    if problems:
        print(f"not sent: {envelope['type']} breaks the schemas:", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return INVALID

    payload = json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    try:
        reply = publish_and_wait(args, envelope, payload)
    except (pika.exceptions.UnroutableError, pika.exceptions.NackError) as error:
        kind = "unroutable (is the Remit topology declared?)" if isinstance(
            error, pika.exceptions.UnroutableError) else "nacked by the broker"
        print(f"not sent: the publish was {kind}; message id {envelope['id']}", file=sys.stderr)
        return BROKER_ERROR
    except LostAfterPublish as error:
        detail = scrub(repr(error.__cause__), args.amqp_url)
        print(f"broker error at {redacted(args.amqp_url)} while waiting for the reply: {detail}", file=sys.stderr)
        print(resend_hint(envelope), file=sys.stderr)
        return BROKER_ERROR
    except (pika.exceptions.AMQPError, OSError, ValueError) as error:
        detail = scrub(repr(error), args.amqp_url)
        print(f"broker error at {redacted(args.amqp_url)}: {detail}", file=sys.stderr)
        return BROKER_ERROR

    if reply is None:
        print(f"no reply within {args.timeout:g} s.", resend_hint(envelope), file=sys.stderr)
        return TIMED_OUT
    return report(envelope, reply, args.json)


if __name__ == "__main__":
    sys.exit(main())
