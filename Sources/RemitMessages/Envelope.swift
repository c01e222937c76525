import Foundation
import RemitCore

/// A message body Remit knows: its wire type name and schema version.
public protocol MessageBody: Codable, Sendable {
    static var messageType: String { get }
    static var schemaVersion: Int { get }
}

/// The envelope every Remit message travels in (DESIGN §4). The body is typed; the other fields
/// let a message be traced from click to e-mail and deduplicated by id.
public struct Envelope<Body: MessageBody>: Sendable, Codable {
    public var type: String
    public var version: Int
    /// Unique per message; the key of the inbox that makes redelivery harmless.
    public var id: String
    /// The id shared by every message of one user action.
    public var correlationId: String
    /// The id of the message that caused this one; nil for the first message of a flow.
    public var causationId: String?
    public var occurredAt: Date
    /// Who acts: the authenticated portal user (`user:<login>`) or a system (`system:<name>`).
    public var actingUser: String
    public var body: Body

    public init(
        id: String = UUID().uuidString.lowercased(), correlationId: String? = nil,
        causationId: String? = nil, occurredAt: Date, actingUser: String, body: Body
    ) {
        self.type = Body.messageType
        self.version = Body.schemaVersion
        self.id = id
        self.correlationId = correlationId ?? id
        self.causationId = causationId
        self.occurredAt = Timestamp.normalize(occurredAt)
        self.actingUser = actingUser
        self.body = body
    }

    public init(header: EnvelopeHeader, body: Body) {
        type = header.type
        version = header.version
        id = header.id
        correlationId = header.correlationId
        causationId = header.causationId
        occurredAt = header.occurredAt
        actingUser = header.actingUser
        self.body = body
    }

    /// The envelope's fields without the body, e.g. to stamp a follow-up.
    public var header: EnvelopeHeader {
        EnvelopeHeader(
            type: type, version: version, id: id, correlationId: correlationId,
            causationId: causationId, occurredAt: occurredAt, actingUser: actingUser)
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: EnvelopeCodingKeys.self)
        self.init(header: try EnvelopeHeader(from: container), body: try container.decode(Body.self, forKey: .body))
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: EnvelopeCodingKeys.self)
        try header.encode(into: &container)
        try container.encode(body, forKey: .body)
    }
}

enum EnvelopeCodingKeys: String, CodingKey {
    case type, version, id, correlationId, causationId, occurredAt, actingUser, body
}

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

/// The JSON coding every Remit component uses for envelopes: ISO 8601 dates with milliseconds,
/// through Remit's own `MessageEncoder` and `MessageDecoder` (one parse per message, no date
/// closures). Keys are written in the order a type encodes them, not sorted; stable bytes for a
/// re-published follow-up come from the inbox, which keeps the bytes it first published.
public enum MessageCoding {
    /// One encoder for every message this process writes (it holds no state).
    public static let shared = MessageEncoder()

    public static func encoder() -> MessageEncoder { MessageEncoder() }

    public static func decoder() -> MessageDecoder { MessageDecoder() }
}
