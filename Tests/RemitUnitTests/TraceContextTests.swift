import Foundation
import RemitAMQP
import RemitApp
import RemitClient
import RemitCore
import RemitMessages
@testable import RemitRuntime
import Testing

/// The W3C trace context as Remit reads it from outside (headers, stores) and hands it on.
@Suite("W3C trace context")
struct TraceContextTests {
    static let parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"

    @Test func aWellFormedTraceparentIsReadWithItsIdsAndFlags() throws {
        let context = try #require(TraceContext(traceParent: Self.parent, traceState: "vendor=abc, other=1"))
        #expect(context.traceID == "0af7651916cd43dd8448eb211c80319c" && context.spanID == "b7ad6b7169203331")
        #expect(context.sampled && context.traceState == "vendor=abc, other=1")
        let unsampled = try #require(TraceContext(traceParent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00"))
        #expect(!unsampled.sampled)
        // A later version may append fields; its first four are read as version 00's.
        #expect(TraceContext(traceParent: "01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-later") != nil)
    }

    @Test(
        "a malformed traceparent is no context",
        arguments: [
            "", "00", "garbage", "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01",  // uppercase
            "00-00000000000000000000000000000000-b7ad6b7169203331-01",  // zero trace id
            "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",  // zero span id
            "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",  // version ff
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra",  // version 00 has four fields
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-0g", "00_0af7651916cd43dd8448eb211c80319c_b7ad6b7169203331_01",
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b716920333-01", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\u{0}",
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-" + String(repeating: "x", count: 300),
        ])
    func malformed(_ text: String) {
        #expect(TraceContext(traceParent: text) == nil, "\(String(reflecting: text))")
    }

    @Test func aMalformedTracestateIsDroppedAndTheParentKept() throws {
        for state in ["", "no-equals", "=value", "a=1,b=\u{7}", String(repeating: "k=v,", count: 200), "k=", "é=1"] {
            let context = try #require(TraceContext(traceParent: Self.parent, traceState: state))
            #expect(context.traceState == nil, "\(String(reflecting: state))")
        }
    }

    @Test func theHeadersCarryItAndOnlyAStringIsRead() throws {
        var headers: AMQPTable = ["x-other": .int(1)]
        #expect(TraceContext(headers: headers) == nil)
        let context = try #require(TraceContext(traceParent: Self.parent, traceState: "a=1"))
        context.write(into: &headers)
        #expect(headers["traceparent"] == .string(Self.parent) && headers["tracestate"] == .string("a=1"))
        #expect(TraceContext(headers: headers) == context)
        #expect(TraceContext(headers: ["traceparent": .int(7)]) == nil)
        #expect(TraceContext(headers: ["traceparent": .string("not one")]) == nil)
        // A message continuing a trace says so in its headers; one that continues none has none.
        let topology = try Topology.load(from: repositoryTopology)
        var message = OutgoingMessage(type: "smoke.record", messageId: "m-1", correlationId: "c-1", body: Data("{}".utf8))
        #expect(message.outbound(on: topology, at: Date()).properties.headers.isEmpty)
        message.trace = context
        #expect(TraceContext(headers: message.outbound(on: topology, at: Date()).properties.headers) == context)
    }

    @Test func tracesAreOnOnlyWhenAnEndpointIsSetAndABadSettingIsOneLineNamingTheVariable() throws {
        #expect(!TracingSetup.isRequested(in: [:]))
        #expect(!TracingSetup.isRequested(in: ["OTEL_SERVICE_NAME": "remit"]))
        #expect(TracingSetup.isRequested(in: ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"]))
        #expect(TracingSetup.isRequested(in: ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"]))
        #expect(!TracingSetup.isRequested(in: ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_SDK_DISABLED": "true"]))
        #expect(!TracingSetup.isRequested(in: ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_TRACES_EXPORTER": "none"]))
        func refusal(_ environment: [String: String]) -> String {
            do {
                _ = try TracingSetup.service(environment: environment, logger: .init(label: "test"))
                return "accepted"
            } catch {
                return "\(error)"
            }
        }
        let secretURL = "collector.example:4318?token=hunter2"
        #expect(refusal(["OTEL_EXPORTER_OTLP_ENDPOINT": secretURL]).hasPrefix("OTEL_EXPORTER_OTLP_ENDPOINT must be an http"))
        #expect(!refusal(["OTEL_EXPORTER_OTLP_ENDPOINT": "ftp://u:hunter2@c/"]).contains("hunter2"), "no credentials in the error")
        #expect(
            refusal(["OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"])
                .contains("OTLP/HTTP only"))
        #expect(
            refusal(["OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_TRACES_EXPORTER": "zipkin"]).contains("OTEL_TRACES_EXPORTER"))
    }
}

/// With no tracer bootstrapped (as in these tests), the trace context a message came with still
/// goes on: its follow-ups, its retry and its dead letter carry it as it came.
@Suite("Trace context through the batch step")
struct TraceContextThroughTheBatchTests {
    @Test func followUpsRetriesAndDeadLettersCarryTheContextAMessageCameWith() async throws {
        let steps = try BatchStepTests()
        let headers: AMQPTable = ["traceparent": .string(TraceContextTests.parent), "tracestate": .string("remit=1")]
        let settled = try await steps.prepare([
            steps.smoke(id: "m-1", key: "a", headers: headers),
            steps.smoke(id: "m-2", key: "flaky-1", headers: headers),
            BatchStepTests.Message(body: "not json", headers: headers),
            steps.smoke(id: "m-4", key: "b", headers: ["traceparent": .string("00-bad")]),
        ])
        func followUps(of id: String) -> [OutboundMessage] {
            settled.publishes.filter {
                $0.routingKey == "smoke.recorded" && String(decoding: $0.body, as: UTF8.self).contains(#""causationId":"\#(id)""#)
            }
        }
        let carried = followUps(of: "m-1")
        #expect(carried.count == 1 && TraceContext(headers: carried[0].properties.headers)?.traceParent == TraceContextTests.parent)
        let fresh = followUps(of: "m-4")
        #expect(fresh.count == 1 && fresh[0].properties.headers["traceparent"] == nil, "a malformed context is not handed on")
        let retried = settled.publishes.filter { $0.routingKey.hasPrefix("remit.smoke.retry") }
        let dead = settled.publishes.filter { $0.exchange == steps.topology.workers.deadLetterExchange }
        #expect(retried.count == 1 && dead.count == 1)
        #expect((retried + dead).allSatisfy { TraceContext(headers: $0.properties.headers)?.traceState == "remit=1" })
        #expect(settled.applied == 2, "a malformed traceparent fails nothing")
    }
}
