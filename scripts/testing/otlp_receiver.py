#!/usr/bin/env python3
"""A small OTLP/HTTP trace receiver: what an OpenTelemetry collector does with `POST /v1/traces`,
decoded with the protocol's own definitions (PyPI `opentelemetry-proto`).

    python3 scripts/testing/otlp_receiver.py --port 4318 --out spans.jsonl
    python3 scripts/testing/otlp_receiver.py --port 4318 --count spans.count   # scripts/bench: counts only

Accepts `application/x-protobuf` (and gzip-encoded bodies) and `application/json`. Writes one JSON
object per span to --out as it arrives, flushed at once:

    {"trace_id", "span_id", "parent_span_id", "name", "kind", "service", "start", "end",
     "attributes": {...}, "links": [{"trace_id", "span_id"}], "status": {"code", "message"}}

With --count, writes the number of spans received so far to that file after each request instead
(decoding each request all the same). Prints "listening on PORT" when ready. Answers 400 to a body it cannot decode (and says so on
stderr), so an exporter sending something else is seen, not swallowed.
"""

import argparse
import gzip
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

try:
    from google.protobuf import json_format
    from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
except ImportError as error:  # pragma: no cover - reported to the test, which names the fix
    print(f"MISSING opentelemetry-proto ({error}): python3 -m pip install opentelemetry-proto", flush=True)
    sys.exit(2)

KINDS = {0: "unspecified", 1: "internal", 2: "server", 3: "client", 4: "producer", 5: "consumer"}


def value(any_value):
    kind = any_value.WhichOneof("value")
    if kind is None:
        return None
    if kind == "array_value":
        return [value(v) for v in any_value.array_value.values]
    if kind == "kvlist_value":
        return {kv.key: value(kv.value) for kv in any_value.kvlist_value.values}
    if kind == "bytes_value":
        return any_value.bytes_value.hex()
    return getattr(any_value, kind)


def spans_of(request):
    for resource_spans in request.resource_spans:
        resource = {kv.key: value(kv.value) for kv in resource_spans.resource.attributes}
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                yield {
                    "trace_id": span.trace_id.hex(),
                    "span_id": span.span_id.hex(),
                    "parent_span_id": span.parent_span_id.hex(),
                    "name": span.name,
                    "kind": KINDS.get(span.kind, str(span.kind)),
                    "service": resource.get("service.name"),
                    "resource": resource,
                    "start": span.start_time_unix_nano,
                    "end": span.end_time_unix_nano,
                    "attributes": {kv.key: value(kv.value) for kv in span.attributes},
                    "events": [event.name for event in span.events],
                    "links": [{"trace_id": link.trace_id.hex(), "span_id": link.span_id.hex()} for link in span.links],
                    "status": {"code": span.status.code, "message": span.status.message},
                }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out")
    parser.add_argument("--count")
    args = parser.parse_args()
    if not args.out and not args.count:
        parser.error("give --out FILE or --count FILE")
    out = open(args.out, "a", encoding="utf-8") if args.out else None
    lock = threading.Lock()
    received = [0]

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            if self.headers.get("Content-Encoding", "").lower() == "gzip":
                body = gzip.decompress(body)
            request = trace_service_pb2.ExportTraceServiceRequest()
            content_type = self.headers.get("Content-Type", "")
            try:
                if self.path != "/v1/traces":
                    raise ValueError(f"unexpected path {self.path}")
                if content_type.startswith("application/json"):
                    json_format.Parse(body, request)
                else:
                    request.ParseFromString(body)
            except Exception as error:  # noqa: BLE001 - any decoding failure is the exporter's, reported
                print(f"refused a body ({content_type}, {len(body)} bytes): {error}", file=sys.stderr, flush=True)
                self.send_response(400)
                self.end_headers()
                return
            with lock:
                if out:
                    for span in spans_of(request):
                        out.write(json.dumps(span, sort_keys=True) + "\n")
                    out.flush()
                else:
                    received[0] += sum(len(scope.spans) for spans in request.resource_spans for scope in spans.scope_spans)
                    with open(args.count, "w", encoding="utf-8") as count:
                        count.write(f"{received[0]}\n")
            answer = trace_service_pb2.ExportTraceServiceResponse().SerializeToString()
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format, *args):  # noqa: A002 - the base class's name
            pass

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(f"listening on {args.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
