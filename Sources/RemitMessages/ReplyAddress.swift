import Foundation
import RemitCore

/// Where a producer asked for its answer: AMQP `reply_to` (a queue on the default exchange, or
/// RabbitMQ's direct reply-to `amq.rabbitmq.reply-to…`) and its own AMQP `correlation_id`.
public struct ReplyAddress: Sendable, Codable, Equatable {
    public var queue: String
    public var correlationId: String?

    public init(queue: String, correlationId: String?) {
        self.queue = queue
        self.correlationId = correlationId
    }

    /// Why Remit does not answer a `reply_to`.
    public enum Refusal: String, Error, Sendable, CaseIterable, CustomStringConvertible {
        case invalidName = "not a valid queue name (over 255 bytes, or a line break or NUL)"
        case remitQueue = "one of Remit's own queues (a name starting with the exchange's name and a dot)"
        case reservedName = "an amq. name that is neither server-named (amq.gen-…) nor direct reply-to (amq.rabbitmq.reply-to)"
        public var description: String { rawValue }
    }

    /// The address a delivery asks answers to go to; nil when it names none. Throws when Remit will
    /// not publish there: a reply is never routed into Remit's own queues (where it would be taken
    /// for work), and the name must be a valid AMQP queue name. Server-named queues (`amq.gen-…`,
    /// what `queue.declare` with an empty name gives, as in RabbitMQ's RPC tutorial) and direct
    /// reply-to are answered; no other `amq.` queue can exist, as clients may not declare such names.
    public static func from(replyTo: String?, correlationId: String?, topology: Topology) throws(Refusal) -> ReplyAddress? {
        guard let replyTo, !replyTo.isEmpty else { return nil }
        guard replyTo.utf8.count <= 255, !replyTo.contains(where: { $0.isNewline || $0 == "\0" }) else {
            throw .invalidName
        }
        let address = ReplyAddress(queue: replyTo, correlationId: correlationId.map { String($0.prefix(255)) })
        if replyTo.hasPrefix("amq.rabbitmq.reply-to") || replyTo.hasPrefix("amq.gen-") { return address }
        if replyTo.hasPrefix("amq.") { throw .reservedName }
        let ownQueues = Set(topology.definitions.queues.map(\.name))
        guard !ownQueues.contains(replyTo), !replyTo.hasPrefix(topology.workers.exchange + ".") else { throw .remitQueue }
        return address
    }
}
