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
        EnvelopeHeader(type: type, version: version, id: id, correlationId: correlationId,
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
            throw DecodingError.dataCorruptedError(forKey: .occurredAt, in: container,
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
    public func followUp<Body: MessageBody>(_ body: Body, key: String, occurredAt: Date,
                                            actingUser: String? = nil) -> Envelope<Body> {
        Envelope(id: DeterministicID.make(from: id, Body.messageType, key), correlationId: correlationId,
                 causationId: id, occurredAt: occurredAt, actingUser: actingUser ?? self.actingUser, body: body)
    }
}

/// The JSON coding every Remit component uses for envelopes: ISO 8601 dates with milliseconds.
/// Keys are not sorted (sorting doubles the cost of coding a message); stable bytes for a
/// re-published follow-up come from the inbox, which keeps the bytes it first published.
public enum MessageCoding {
    /// One encoder for every message this process writes (encoding is thread-safe).
    public static let shared = encoder()

    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
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

/// ISO 8601 timestamps in UTC with millisecond precision, as messages and stores carry them
/// (`2026-11-29T10:15:00.000Z`). Dates are normalized to whole milliseconds so that a date survives
/// a round trip exactly. Formatting and parsing are plain integer arithmetic: they run for every
/// message.
public enum Timestamp {
    public static func normalize(_ date: Date) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds(date)) / 1000)
    }

    static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    public static func format(_ date: Date) -> String {
        let total = milliseconds(date)
        let (days, dayMilliseconds) = floorDivision(total, 86_400_000)
        let (year, month, day) = civil(fromDays: days)
        let seconds = dayMilliseconds / 1000
        var text = ""
        text.reserveCapacity(24)
        func append(_ value: Int64, digits: Int) {
            let string = String(value)
            if string.count < digits { text += String(repeating: "0", count: digits - string.count) }
            text += string
        }
        append(year, digits: 4); text += "-"; append(month, digits: 2); text += "-"; append(day, digits: 2)
        text += "T"; append(seconds / 3600, digits: 2); text += ":"; append(seconds / 60 % 60, digits: 2)
        text += ":"; append(seconds % 60, digits: 2); text += "."; append(dayMilliseconds % 1000, digits: 3)
        text += "Z"
        return text
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`; nil for anything else.
    public static func parse(_ text: String) -> Date? {
        var utf8 = Array(text.utf8)
        guard utf8.count >= 20 else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for index in range {
                let byte = utf8[index]
                guard byte >= 48 && byte <= 57 else { return nil }
                value = value * 10 + Int64(byte - 48)
            }
            return value
        }
        guard utf8[4] == 45, utf8[7] == 45, utf8[10] == 84 || utf8[10] == 116, utf8[13] == 58, utf8[16] == 58,
              let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
              (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
              hour < 24, minute < 60, second < 60 else { return nil }
        var index = 19
        var milliseconds: Int64 = 0
        if utf8[index] == 46 {  // '.'
            index += 1
            var digits = 0
            while index < utf8.count, utf8[index] >= 48, utf8[index] <= 57 {
                if digits < 3 { milliseconds = milliseconds * 10 + Int64(utf8[index] - 48) }
                digits += 1
                index += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<max(digits, 3) { milliseconds *= 10 }
        }
        var offsetMinutes: Int64 = 0
        guard index < utf8.count else { return nil }
        if utf8[index] == 90 || utf8[index] == 122 {  // 'Z'
            index += 1
        } else if utf8[index] == 43 || utf8[index] == 45, utf8.count == index + 6, utf8[index + 3] == 58,
                  let hours = number(index + 1..<index + 3), let minutes = number(index + 4..<index + 6),
                  hours < 24, minutes < 60 {
            offsetMinutes = (hours * 60 + minutes) * (utf8[index] == 45 ? -1 : 1)
            index += 6
        } else {
            return nil
        }
        guard index == utf8.count else { return nil }
        utf8.removeAll()
        let days = days(fromCivil: year, month, day)
        let total = ((days * 24 + hour) * 60 + minute - offsetMinutes) * 60_000 + second * 1000 + milliseconds
        return Date(timeIntervalSince1970: Double(total) / 1000)
    }

    private static func floorDivision(_ value: Int64, _ divisor: Int64) -> (Int64, Int64) {
        let quotient = value >= 0 ? value / divisor : (value - divisor + 1) / divisor
        return (quotient, value - quotient * divisor)
    }

    private static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    // Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian calendar).
    static func days(fromCivil year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
