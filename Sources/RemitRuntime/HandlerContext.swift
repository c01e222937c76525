import Foundation
import Logging
import RemitAMQP
import RemitCore
import RemitMessages
import RemitStore
import RemitTracing

/// What a handler knows about the delivery beyond its body.
public struct HandlerContext: Sendable {
    /// The worker's logger with `message_id` and `correlation_id` set; made when a handler asks for
    /// it (most messages log nothing, and setting metadata costs allocations per message).
    public var logger: Logger {
        var logger = workerLogger
        logger[metadataKey: "message_id"] = "\(header.id)"
        logger[metadataKey: "correlation_id"] = "\(header.correlationId)"
        if let trace {
            logger[metadataKey: "trace_id"] = "\(trace.traceID)"
            logger[metadataKey: "span_id"] = "\(trace.spanID)"
        }
        return logger
    }
    private let workerLogger: Logger
    /// When the batch was received, from the worker's clock: one "now" for the whole transaction.
    public let now: Date
    /// 1 for the first attempt; retries count up.
    public let attempt: Int
    /// Who acts: `user:<login>` as the portal or producer stamped it, or `system:<name>`.
    public var actingUser: String
    public let header: EnvelopeHeader
    /// Where the producer asked for an answer (AMQP `reply_to` and `correlation_id`), if it did and
    /// the address is one Remit may publish to.
    public let reply: ReplyAddress?
    /// The check every follow-up passes before its transaction commits (the runtime's; nil only
    /// where a test builds a context by hand).
    public let followUpCheck: FollowUpCheck?
    /// The span processing the message (`IncomingMessage.trace`): what the handler makes for the
    /// next step continues it — a job item kept for the next job, a message published.
    public let trace: TraceContext?

    /// `logger` is the worker's; the context adds the message's ids (and its trace's) to it.
    public init(
        logger: Logger, now: Date, attempt: Int, header: EnvelopeHeader, reply: ReplyAddress? = nil,
        followUpCheck: FollowUpCheck? = nil, trace: TraceContext? = nil
    ) {
        self.trace = trace
        self.followUpCheck = followUpCheck
        self.workerLogger = logger
        self.now = now
        self.attempt = attempt
        self.actingUser = header.actingUser
        self.header = header
        self.reply = reply
    }

    /// The answer to the producer, when it asked for one: a `remit.reply` to its address with a
    /// follow-up id (so a redelivery re-sends the same answer). Empty when it did not ask.
    /// The span to keep for an item the next job carries on: the message's, while tracing (with
    /// tracing off, nothing is kept; a context that only passed through is not stored).
    public var keptTrace: TraceContext? { Telemetry.isTracing ? trace : nil }

    public func answer(_ reply: CommandReply) throws -> [OutgoingMessage] {
        guard let address = self.reply else { return [] }
        return [
            try OutgoingMessage(header.followUp(reply, key: "reply", occurredAt: now, actingUser: "system:remit"), replyTo: address)
        ]
    }
}
