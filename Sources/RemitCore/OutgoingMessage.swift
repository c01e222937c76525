import Foundation

/// A message ready to publish on the Remit exchange: the encoded envelope and the fields the broker
/// sees. Handlers return these; the inbox stores them so a redelivery re-publishes the same bytes.
public struct OutgoingMessage: Sendable, Codable, Equatable {
    /// The message type; it is also the routing key on the Remit exchange.
    public var type: String
    public var messageId: String
    public var correlationId: String
    public var body: Data

    public init(type: String, messageId: String, correlationId: String, body: Data) {
        self.type = type
        self.messageId = messageId
        self.correlationId = correlationId
        self.body = body
    }

    public init<Body: MessageBody>(_ envelope: Envelope<Body>) throws {
        self.init(type: envelope.type, messageId: envelope.id, correlationId: envelope.correlationId,
                  body: try MessageCoding.shared.encode(envelope))
    }
}

/// Checks producer input against the envelope schema and the schema of its message type.
public struct MessageValidator: Sendable {
    public let topology: Topology

    public init(topology: Topology) { self.topology = topology }

    /// Violations of the body of `type` (version `version`, or the latest).
    public func violations(body: JSONValue, type: String, version: Int? = nil) -> [String] {
        guard let version = version ?? topology.latestVersion(of: type) else {
            let known = Set(topology.schemas.keys.map(\.type)).sorted().joined(separator: ", ")
            return ["unknown message type '\(type)'; known types: \(known)"]
        }
        guard let schema = topology.schemas[.init(type: type, version: version)] else {
            return ["\(type) has no schema version \(version)"]
        }
        return schema.violations(of: body).map { "body" + $0.description.dropFirst() }
    }
}
