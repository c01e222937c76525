import Foundation
import RemitCore

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
