import Foundation
import RemitAMQP
import RemitClient
import RemitCore
import RemitMessages
import RemitTestSupport
import Testing

/// Traces as an operator's collector receives them: `remit run` exports over OTLP/HTTP to a real
/// receiver (`scripts/testing/otlp_receiver.py`, decoding with PyPI's `opentelemetry-proto`) while a
/// buyer pays part of an invoice and requests a copy of another through the portal's API.
@Suite("OpenTelemetry traces from remit run", .serialized)
struct TracingTests {
    static let receiver = repositoryRoot.appendingPathComponent("scripts/testing/otlp_receiver.py")
    static let journey = repositoryRoot.appendingPathComponent("scripts/testing/api_journey.py")

    /// One exported span, as the receiver wrote it.
    struct Span {
        var traceID: String
        var spanID: String
        var parentSpanID: String
        var name: String
        var kind: String
        var service: String
        var attributes: [String: Any]
        var links: [(traceID: String, spanID: String)]
        var statusCode: Int
        var text: String

        init(_ line: Substring) throws {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            traceID = object["trace_id"] as? String ?? ""
            spanID = object["span_id"] as? String ?? ""
            parentSpanID = object["parent_span_id"] as? String ?? ""
            name = object["name"] as? String ?? ""
            kind = object["kind"] as? String ?? ""
            service = object["service"] as? String ?? ""
            attributes = object["attributes"] as? [String: Any] ?? [:]
            links = ((object["links"] as? [[String: String]]) ?? []).map { ($0["trace_id"] ?? "", $0["span_id"] ?? "") }
            statusCode = (object["status"] as? [String: Any])?["code"] as? Int ?? 0
            text = String(line)
        }
    }

    static func spans(in file: URL) throws -> [Span] {
        let text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
        return try text.split(separator: "\n").map(Span.init)
    }

    /// The spans of `traceID`: each one's parent is in the trace, but for its root, whose parent is
    /// `outsideParent` (the span the buyer's browser sent in `traceparent`, exported elsewhere).
    static func checkJoined(_ trace: [Span], outsideParent: String, _ what: String) {
        let ids = Set(trace.map(\.spanID))
        let roots = trace.filter { !ids.contains($0.parentSpanID) }
        #expect(roots.count == 1 && roots.first?.parentSpanID == outsideParent, "\(what): one root, the click's: \(roots.map(\.text))")
        #expect(ids.count == trace.count, "\(what): span ids are unique")
    }

    @Test func oneTraceJoinsEachClickToWhatHQAndTheWorkersDidForItAndNoSpanCarriesASecret() async throws {
        try await TestBroker.with { broker in
            let (seeded, seedOutput) = try await RemitProcess.run(
                ["hq", "seed", "--customers", "2", "--invoices", "20", "--seed", "11"], broker: broker, timeout: .seconds(120))
            try #require(seeded == 0, "\(seedOutput)")
            let login = try #require(
                seedOutput.split(separator: "\n").drop { !$0.contains("Demo logins") }.dropFirst().first?
                    .split(separator: " ").first.map(String.init), "\(seedOutput)")

            let spansFile = URL(fileURLWithPath: broker.dataDirectory).appendingPathComponent("spans.jsonl")
            let receiverPort = try PostgresTestServer.freePort()
            let receiver = try RemitProcess(
                ["python3", Self.receiver.path, "--port", "\(receiverPort)", "--out", spansFile.path], broker: broker,
                executable: URL(fileURLWithPath: "/usr/bin/env"))
            defer { receiver.signal(SIGKILL) }
            try await expectEventually("the OTLP receiver listens", timeout: .seconds(30)) { receiver.output.contains("listening on") }

            let portalPort = try PostgresTestServer.freePort()
            let run = try RemitProcess(
                [
                    "run", "--portal-port", "\(portalPort)",
                    "--job-schedule", "P-0001=1,Synchronize orders and channel requests=1,Distribution=1",
                ], broker: broker,
                environment: [
                    "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:\(receiverPort)", "OTEL_SERVICE_NAME": "remit-trace-test",
                    "OTEL_BSP_SCHEDULE_DELAY": "200",
                ])
            defer { run.signal(SIGKILL) }
            try await expectEventually("remit run serves the portal", timeout: .seconds(60)) {
                try httpGet("http://127.0.0.1:\(portalPort)/health").0 == 200
            }

            // A producer from outside sends a traceparent: its trace goes on in the worker, through a retry.
            let producerTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
            let producerSpan = "00f067aa0ba902b7"
            let producer = Producer(topology: broker.topology)
            var smoke = try producer.prepare(
                type: "smoke.record",
                body: .object([
                    "key": .string("traced"), "amount": .object(["amount": .string("1.00"), "currency": .string("EUR")]),
                    "failAttempts": .integer(1),
                ]), actingUser: "system:test")
            smoke.outbound.properties.headers["traceparent"] = .string("00-\(producerTrace)-\(producerSpan)-01")
            try await broker.withConnection { try await $0.publish([smoke.outbound]) }

            // The buyer's clicks; the checkout's traceparent names the trace the test follows.
            let checkoutTrace = "0af7651916cd43dd8448eb211c80319c"
            let browserSpan = "b7ad6b7169203331"
            let (status, journey) = try await RemitProcess.run(
                [
                    "python3", Self.journey.path, "--base-url", "http://127.0.0.1:\(portalPort)", "--login", login, "--password",
                    "remit-demo", "--checkout-traceparent", "00-\(checkoutTrace)-\(browserSpan)-01", "--timeout", "120",
                ], broker: broker, timeout: .seconds(300), executable: URL(fileURLWithPath: "/usr/bin/env"))
            try #require(status == 0, "\(journey)\n\(run.output.suffix(3000))")
            let result = try #require(
                try JSONSerialization.jsonObject(with: Data(journey.split(separator: "\n").last.map(String.init)?.utf8 ?? "".utf8))
                    as? [String: Any])
            let requestParent = try #require(result["requestTraceparent"] as? String).split(separator: "-").map(String.init)

            // Everything the click caused is exported: the last of it (the copy's e-mail, the
            // invoice's distribution) within the exporter's delay.
            try await expectEventually(
                "the e-mail's hand-over, the distributed invoice and the producer's retried message are exported", timeout: .seconds(60)
            ) {
                let spans = try Self.spans(in: spansFile)
                return spans.contains { $0.name == "email hand-over" && $0.traceID == requestParent[1] }
                    && spans.contains { $0.name == "process channel.invoices.changed" && $0.traceID == checkoutTrace }
                    && spans.contains { $0.name == "process channel.requests.changed" && $0.traceID == requestParent[1] }
                    && spans.filter { $0.name == "process smoke.record" && $0.traceID == producerTrace }.count == 2
            }
            let spans = try Self.spans(in: spansFile)
            #expect(spans.allSatisfy { $0.service == "remit-trace-test" }, "OTEL_SERVICE_NAME names the service")

            // The checkout: the click, the command, the worker, its follow-up, P-0001, the sync job,
            // distribution and the channel's update — one trace.
            let checkout = spans.filter { $0.traceID == checkoutTrace }
            let names = Set(checkout.map(\.name))
            for expected in [
                "/api/v1/cart/checkout", "send cart.checkout", "process cart.checkout", "store transaction", "publish and confirm",
                "process payment.post", "P-0001 upload invoice-payment", "sync post payment", "distribute invoices",
                "process channel.invoices.changed",
            ] {
                #expect(names.contains(expected), "the checkout's trace has \(expected): \(names.sorted())")
            }
            Self.checkJoined(checkout, outsideParent: browserSpan, "the checkout's trace")
            let server = checkout.first { $0.kind == "server" }
            #expect(server?.attributes["http.response.status_code"] as? Int == 202, "\(server?.text ?? "no server span")")
            #expect(server?.attributes["http.request.method"] as? String == "POST" && server?.parentSpanID == browserSpan)
            let processed = try #require(checkout.first { $0.name == "process cart.checkout" })
            #expect(processed.kind == "consumer")
            #expect(processed.attributes["messaging.system"] as? String == "rabbitmq")
            #expect(processed.attributes["messaging.operation.type"] as? String == "process")
            #expect(processed.attributes["messaging.destination.name"] as? String == "remit")
            #expect(processed.attributes["messaging.message.id"] as? String == result["checkout"] as? String)
            #expect(processed.attributes["messaging.consumer.group.name"] as? String == "remit.cart")
            let send = try #require(checkout.first { $0.name == "send cart.checkout" })
            #expect(send.kind == "producer" && processed.parentSpanID == send.spanID, "the worker's span is the send's child")
            // The job items link to their runs, whose traces are their own.
            let upload = try #require(checkout.first { $0.name == "P-0001 upload invoice-payment" })
            #expect(upload.links.count == 1 && upload.links.first?.traceID != checkoutTrace, "\(upload.text)")
            #expect(spans.contains { $0.name == "process hq.p-0001.run" && $0.spanID == upload.links.first?.spanID })

            // The copy request: the click, the command, the worker, P-0001, the sync job, the e-mail,
            // and distribution with the channel's update of the request's state — one trace.
            let request = spans.filter { $0.traceID == requestParent[1] }
            let requestNames = Set(request.map(\.name))
            for expected in [
                "/api/v1/invoices/{number}/request", "send invoice.request", "process invoice.request", "P-0001 upload request",
                "sync handle request", "process email.send", "email hand-over", "distribute requests",
                "process channel.requests.changed",
            ] {
                #expect(requestNames.contains(expected), "the request's trace has \(expected): \(requestNames.sorted())")
            }
            Self.checkJoined(request, outsideParent: requestParent[2], "the request's trace")

            // The producer's message: two attempts, each a child of the producer's span.
            let attempts = spans.filter { $0.traceID == producerTrace && $0.name == "process smoke.record" }
            #expect(
                attempts.count == 2 && attempts.allSatisfy { $0.parentSpanID == producerSpan },
                "\(spans.filter { $0.name.contains("smoke") }.map(\.text))")
            #expect(attempts.contains { $0.attributes["remit.outcome"] as? String == "retried" && $0.statusCode == 2 })

            // No secret in any span: the password, the session cookie, the CSRF token, the broker's password.
            var secrets = ["remit-demo", broker.amqp.password, try #require(result["csrf"] as? String)]
            secrets += (result["cookies"] as? [String] ?? []).filter { $0.count >= 16 }
            for span in spans {
                for secret in secrets where !secret.isEmpty {
                    #expect(!span.text.contains(secret), "a span carries a secret: \(span.text)")
                }
            }
            // The workers' log lines name the trace of the message they are about.
            #expect(run.output.contains("trace_id=\(checkoutTrace)"), "\(run.output.suffix(2000))")
        }
    }
}
