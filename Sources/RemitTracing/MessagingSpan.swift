import RemitCore
import Tracing

/// Spans for messages on RabbitMQ, with OpenTelemetry's messaging semantic conventions: a `send`
/// span (producer kind) for each message Remit publishes from outside a worker (the portal's
/// commands, the scheduler's job runs), and a `process` span (consumer kind) for each message a
/// worker takes, from its delivery to its ack. Names are `<operation> <routing key>` — the routing
/// key is the message type, a small fixed set.
public enum MessagingSpan {
    /// Where a message went or came from, and which it was.
    public struct Message: Sendable {
        public var exchange: String
        public var routingKey: String
        public var messageID: String?
        public var correlationID: String?
        public var bodySize: Int

        public init(exchange: String, routingKey: String, messageID: String?, correlationID: String?, bodySize: Int) {
            self.exchange = exchange
            self.routingKey = routingKey
            self.messageID = messageID
            self.correlationID = correlationID
            self.bodySize = bodySize
        }
    }

    /// The span of publishing `message`, a child of `context`'s span (the portal's request span,
    /// or none for a scheduled run).
    public static func send(_ message: Message, in context: ServiceContext) -> any Span {
        let span = startSpan("send \(message.routingKey)", context: context, ofKind: .producer)
        describe(span, message, operation: "send")
        return span
    }

    /// The span of a worker processing `message`, continuing the trace its headers carried (a new
    /// trace when none or a malformed one came). `queue` is the consumer's queue, `attempt` the
    /// delivery's attempt (1 the first time, more after retries).
    public static func process(
        _ message: Message, queue: String, attempt: Int, redelivered: Bool, continuing trace: TraceContext?
    )
        -> any Span
    {
        let span = startSpan("process \(message.routingKey)", context: Telemetry.context(continuing: trace), ofKind: .consumer)
        guard span.isRecording else { return span }
        describe(span, message, operation: "process")
        span.attributes["messaging.consumer.group.name"] = queue
        span.attributes["messaging.rabbitmq.message.redelivered"] = redelivered
        span.attributes["remit.attempt"] = attempt
        return span
    }

    static func describe(_ span: any Span, _ message: Message, operation: String) {
        guard span.isRecording else { return }
        span.attributes["messaging.system"] = "rabbitmq"
        span.attributes["messaging.operation.type"] = operation
        span.attributes["messaging.operation.name"] = operation
        span.attributes["messaging.destination.name"] = message.exchange.isEmpty ? "amq.default" : message.exchange
        span.attributes["messaging.rabbitmq.destination.routing_key"] = message.routingKey
        span.attributes["messaging.message.body.size"] = message.bodySize
        if let id = message.messageID { span.attributes["messaging.message.id"] = id }
        if let correlation = message.correlationID { span.attributes["messaging.message.conversation_id"] = correlation }
    }
}
