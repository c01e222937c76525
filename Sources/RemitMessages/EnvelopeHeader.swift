import Foundation
import RemitCore

/// An envelope's fields without its body: what is read first to decide how to decode the rest.
public struct EnvelopeHeader: Sendable, Codable, Equatable {
    public var type: String
    public var version: Int
    public var id: String
    public var correlationId: String
    public var causationId: String?
    public var occurredAt: Date
    public var actingUser: String

    public init(
        type: String, version: Int, id: String, correlationId: String, causationId: String?,
        occurredAt: Date, actingUser: String
    ) {
        self.type = type
        self.version = version
        self.id = id
        self.correlationId = correlationId
        self.causationId = causationId
        self.occurredAt = occurredAt
        self.actingUser = actingUser
    }

    public init(from decoder: Decoder) throws {
        try self.init(from: decoder.container(keyedBy: EnvelopeCodingKeys.self))
    }

    // Timestamps are coded here as strings, so envelopes need no date strategy (and no slow closure
    // per date).
    init(from container: KeyedDecodingContainer<EnvelopeCodingKeys>) throws {
        type = try container.decode(String.self, forKey: .type)
        version = try container.decode(Int.self, forKey: .version)
        id = try container.decode(String.self, forKey: .id)
        correlationId = try container.decode(String.self, forKey: .correlationId)
        causationId = try container.decodeIfPresent(String.self, forKey: .causationId)
        let occurred = try container.decode(String.self, forKey: .occurredAt)
        guard let date = Timestamp.parse(occurred) else {
            throw DecodingError.dataCorruptedError(
                forKey: .occurredAt, in: container,
                debugDescription: "'\(occurred.prefix(40))' is not an ISO 8601 timestamp like 2026-11-29T10:15:00Z")
        }
        occurredAt = date
        actingUser = try container.decode(String.self, forKey: .actingUser)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: EnvelopeCodingKeys.self)
        try encode(into: &container)
    }

    func encode(into container: inout KeyedEncodingContainer<EnvelopeCodingKeys>) throws {
        try container.encode(type, forKey: .type)
        try container.encode(version, forKey: .version)
        try container.encode(id, forKey: .id)
        try container.encode(correlationId, forKey: .correlationId)
        try container.encode(causationId, forKey: .causationId)
        try container.encode(Timestamp.format(occurredAt), forKey: .occurredAt)
        try container.encode(actingUser, forKey: .actingUser)
    }

    /// A follow-up's header: same correlation, caused by this message, with an id derived from this
    /// message's id and `key`, so that handling the same message again yields the same ids.
    public func followUp<Body: MessageBody>(
        _ body: Body, key: String, occurredAt: Date,
        actingUser: String? = nil
    ) -> Envelope<Body> {
        Envelope(
            id: DeterministicID.make(from: id, Body.messageType, key), correlationId: correlationId,
            causationId: id, occurredAt: occurredAt, actingUser: actingUser ?? self.actingUser, body: body)
    }
}
