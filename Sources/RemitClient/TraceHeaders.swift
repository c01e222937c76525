import RemitAMQP
import RemitCore

/// The W3C trace context in AMQP headers: `traceparent` and `tracestate`, as strings, the way
/// OpenTelemetry's RabbitMQ instrumentations carry it. A retry, a dead letter and a replay copy the
/// headers, so the trace goes on through them.
extension TraceContext {
    /// The context `headers` carry; nil when none, or when `traceparent` is not a well-formed one
    /// (a producer's bad header starts a new trace; the message itself is not refused for it).
    public init?(headers: AMQPTable) {
        guard case .string(let parent)? = headers[Self.traceParentHeader] else { return nil }
        var state: String?
        if case .string(let value)? = headers[Self.traceStateHeader] { state = value }
        self.init(traceParent: parent, traceState: state)
    }

    /// Sets (or replaces) the two headers in `headers`.
    public func write(into headers: inout AMQPTable) {
        headers[Self.traceParentHeader] = .string(traceParent)
        if let traceState { headers[Self.traceStateHeader] = .string(traceState) } else { headers[Self.traceStateHeader] = nil }
    }
}
