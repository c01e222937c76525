import Foundation
import Logging
import RemitAMQP
import RemitCore
import RemitMessages
import RemitStore

/// A delivered message, decoded, handed to a handler.
public struct IncomingMessage: Sendable {
    public let header: EnvelopeHeader
    public let body: any MessageBody
    /// 1 for the first attempt; retries count up.
    public let attempt: Int
    public let receivedAt: Date
    public let reply: ReplyAddress?
    /// The span processing it, as what it makes continues it (follow-ups, job items, log lines);
    /// with tracing off, the context its headers carried, passed on as it came; nil when neither.
    public let trace: TraceContext?

    public init(
        header: EnvelopeHeader, body: any MessageBody, attempt: Int, receivedAt: Date, reply: ReplyAddress? = nil,
        trace: TraceContext? = nil
    ) {
        self.trace = trace
        self.header = header
        self.body = body
        self.attempt = attempt
        self.receivedAt = receivedAt
        self.reply = reply
    }

    /// The typed envelope; a message of another type is `BadInput`.
    public func envelope<Body: MessageBody>(_ type: Body.Type) throws -> Envelope<Body> {
        guard let body = body as? Body else {
            throw BadInput("expected a \(Body.messageType) message, got \(header.type)")
        }
        return Envelope(header: header, body: body)
    }
}
