import Foundation
import RemitCore

/// A message ready to publish on the Remit exchange: the encoded envelope and the fields the broker
/// sees. Handlers return these; the inbox stores them so a redelivery re-publishes the same bytes.
public struct OutgoingMessage: Sendable, Codable, Equatable {
    /// The message type; it is also the routing key on the Remit exchange.
    public var type: String
    public var messageId: String
    public var correlationId: String
    public var body: Data
    /// Set for an answer to a producer: it goes to this address, not to the Remit exchange.
    public var reply: ReplyAddress?

    public init(type: String, messageId: String, correlationId: String, body: Data, reply: ReplyAddress? = nil) {
        self.type = type
        self.messageId = messageId
        self.correlationId = correlationId
        self.body = body
        self.reply = reply
    }

    public init<Body: MessageBody>(_ envelope: Envelope<Body>, replyTo reply: ReplyAddress? = nil) throws {
        self.init(
            type: envelope.type, messageId: envelope.id, correlationId: envelope.correlationId,
            body: try MessageCoding.shared.encode(envelope), reply: reply)
    }
}

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

/// The one check of a message against `Topology/schemas`: the envelope schema, then the schema of
/// its type and version. Producers (`remit publish`) and workers both call it, so a producer refuses
/// exactly what a worker would dead-letter.
public struct MessageValidator: Sendable {
    public let topology: Topology

    public init(topology: Topology) { self.topology = topology }

    /// Violations of a whole envelope; empty when a worker will accept it.
    public func violations(envelope: JSONValue) -> [String] {
        let problems = topology.envelopeSchema.violations(of: envelope).map { "envelope" + $0.description.dropFirst() }
        guard problems.isEmpty, let type = envelope["type"]?.stringValue, let version = envelope["version"]?.intValue,
            let body = envelope["body"]
        else { return problems }
        return violations(body: body, type: type, version: Int(version))
    }

    /// Violations of the body of `type` (version `version`, or the latest).
    public func violations(body: JSONValue, type: String, version: Int? = nil) -> [String] {
        guard let version = version ?? topology.latestVersion(of: type) else {
            let known = Set(topology.schemas.keys.map(\.type)).sorted().joined(separator: ", ")
            return ["unknown message type '\(type.prefix(80))'; known types: \(known)"]
        }
        guard let schema = topology.schemas[.init(type: type, version: version)] else {
            return ["\(type) has no schema version \(version)"]
        }
        return schema.violations(of: body).map { "body" + $0.description.dropFirst() }
    }
}
