import Foundation

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

    public init(id: String = UUID().uuidString.lowercased(), correlationId: String? = nil,
                causationId: String? = nil, occurredAt: Date, actingUser: String, body: Body) {
        self.type = Body.messageType
        self.version = Body.schemaVersion
        self.id = id
        self.correlationId = correlationId ?? id
        self.causationId = causationId
        self.occurredAt = Timestamp.normalize(occurredAt)
        self.actingUser = actingUser
        self.body = body
    }

    /// The envelope's fields without the body, e.g. to stamp a follow-up.
    public var header: EnvelopeHeader {
        EnvelopeHeader(type: type, version: version, id: id, correlationId: correlationId,
                       causationId: causationId, occurredAt: occurredAt, actingUser: actingUser)
    }
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

    public init(type: String, version: Int, id: String, correlationId: String, causationId: String?,
                occurredAt: Date, actingUser: String) {
        self.type = type
        self.version = version
        self.id = id
        self.correlationId = correlationId
        self.causationId = causationId
        self.occurredAt = occurredAt
        self.actingUser = actingUser
    }

    /// A follow-up's header: same correlation, caused by this message, with an id derived from this
    /// message's id and `key`, so that handling the same message again yields the same ids.
    public func followUp<Body: MessageBody>(_ body: Body, key: String, occurredAt: Date,
                                            actingUser: String? = nil) -> Envelope<Body> {
        Envelope(id: DeterministicID.make(from: id, Body.messageType, key), correlationId: correlationId,
                 causationId: id, occurredAt: occurredAt, actingUser: actingUser ?? self.actingUser, body: body)
    }
}

/// The JSON coding every Remit component uses for envelopes: ISO 8601 dates with milliseconds,
/// sorted keys (stable bytes for the same message).
public enum MessageCoding {
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Timestamp.format(date))
        }
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = Timestamp.parse(text) else {
                throw DecodingError.dataCorruptedError(in: container,
                    debugDescription: "'\(text)' is not an ISO 8601 timestamp like 2026-11-29T10:15:00Z")
            }
            return date
        }
        return decoder
    }
}

/// ISO 8601 timestamps in UTC with millisecond precision, as messages and stores carry them.
/// Dates are normalized to whole milliseconds so that a date survives a round trip exactly.
public enum Timestamp {
    public static func normalize(_ date: Date) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds(date)) / 1000)
    }

    static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    public static func format(_ date: Date) -> String {
        let total = milliseconds(date)
        let seconds = total >= 0 ? total / 1000 : (total - 999) / 1000
        let fraction = total - seconds * 1000
        let whole = Date(timeIntervalSince1970: Double(seconds))
            .formatted(Date.ISO8601FormatStyle(timeZone: .gmt))
        let padded = String(fraction)
        return whole.dropLast() + "." + String(repeating: "0", count: 3 - padded.count) + padded + "Z"
    }

    public static func parse(_ text: String) -> Date? {
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt).parse(text) {
            return normalize(date)
        }
        return (try? Date.ISO8601FormatStyle(timeZone: .gmt).parse(text)).map(normalize)
    }
}

/// Ids derived from other ids (name-based, SHA-1 free: FNV-1a over the parts, formatted as a UUID),
/// so a re-run of the same handler produces the same follow-up ids.
public enum DeterministicID {
    public static func make(from parts: String...) -> String {
        var first: UInt64 = 0xcbf2_9ce4_8422_2325
        var second: UInt64 = 0x8422_2325_cbf2_9ce4
        for part in parts {
            for byte in part.utf8 {
                first = (first ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
                second = (second ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 &+ 0x9E37_79B9
            }
            first = (first ^ 0x1F) &* 0x0000_0100_0000_01B3
            second = (second ^ 0x1F) &* 0x0000_0100_0000_01B3
        }
        let hex = String(format: "%016llx%016llx", first, second)
        let chars = Array(hex)
        return "\(String(chars[0..<8]))-\(String(chars[8..<12]))-\(String(chars[12..<16]))-\(String(chars[16..<20]))-\(String(chars[20..<32]))"
    }
}
