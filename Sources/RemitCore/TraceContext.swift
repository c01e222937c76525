/// A W3C trace context (https://www.w3.org/TR/trace-context/): where a span sits in its trace, as it
/// travels in AMQP headers (`traceparent`, `tracestate`) and as the stores keep it for the next job
/// that carries the same click on. A value from outside (a producer's header, a row in a store) is
/// input: `init?(traceParent:traceState:)` takes only a well-formed `traceparent`, and drops a
/// `tracestate` that is not one, so a bad header starts a new trace instead of failing the message.
public struct TraceContext: Sendable, Hashable, Codable, CustomStringConvertible {
    /// `00-<32 hex trace id>-<16 hex parent span id>-<2 hex flags>`.
    public let traceParent: String
    /// Vendor entries (`key=value,…`), at most 512 characters; nil when absent or malformed.
    public let traceState: String?

    /// The AMQP header names, as the W3C names the HTTP ones.
    public static let traceParentHeader = "traceparent"
    public static let traceStateHeader = "tracestate"

    public init?(traceParent: String, traceState: String? = nil) {
        guard Self.isValid(traceParent: traceParent) else { return nil }
        self.traceParent = traceParent
        self.traceState = traceState.flatMap { Self.isValid(traceState: $0) ? $0 : nil }
    }

    /// The trace's id: 32 lowercase hex digits.
    public var traceID: Substring { traceParent.dropFirst(3).prefix(32) }
    /// The span this context names as the parent of the next: 16 lowercase hex digits.
    public var spanID: Substring { traceParent.dropFirst(36).prefix(16) }
    /// Whether the span that made it was sampled (flag 01).
    public var sampled: Bool { (UInt8(traceParent.dropFirst(53).prefix(2), radix: 16) ?? 0) & 1 == 1 }

    public var description: String { traceParent }

    enum CodingKeys: String, CodingKey { case traceParent, traceState }

    /// Decoded values are input too: a malformed `traceparent` is a decoding error, a malformed
    /// `tracestate` is dropped.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let parent = try container.decode(String.self, forKey: .traceParent)
        guard let context = Self(traceParent: parent, traceState: try container.decodeIfPresent(String.self, forKey: .traceState)) else {
            throw DecodingError.dataCorruptedError(
                forKey: .traceParent, in: container,
                debugDescription: "not a W3C traceparent: \(String(reflecting: String(parent.prefix(80))))")
        }
        self = context
    }

    /// Version 00's form, or a later version's first four fields (the spec's forward compatibility:
    /// a later version may append fields after a dash). Lowercase hex only; ids not all zero;
    /// version ff is invalid.
    static func isValid(traceParent: String) -> Bool {
        let bytes = Array(traceParent.utf8)
        guard bytes.count == 55 || (bytes.count > 55 && bytes[55] == UInt8(ascii: "-")) else { return false }
        guard bytes.count <= 256 else { return false }
        func hex(_ range: Range<Int>) -> Bool { bytes[range].allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) } }
        func zero(_ range: Range<Int>) -> Bool { bytes[range].allSatisfy { $0 == 0x30 } }
        guard bytes[2] == 0x2D, bytes[35] == 0x2D, bytes[52] == 0x2D else { return false }
        guard hex(0..<2), hex(3..<35), hex(36..<52), hex(53..<55) else { return false }
        if bytes[0] == 0x66, bytes[1] == 0x66 { return false }
        if bytes[0] == 0x30, bytes[1] == 0x30, bytes.count != 55 { return false }
        return !zero(3..<35) && !zero(36..<52)
    }

    /// At most 512 characters of printable ASCII, list members `key=value` (W3C §3.3), at most 32.
    static func isValid(traceState: String) -> Bool {
        let bytes = traceState.utf8
        guard !bytes.isEmpty, bytes.count <= 512, bytes.allSatisfy({ (0x20...0x7E).contains($0) }) else { return false }
        let members = traceState.split(separator: ",", omittingEmptySubsequences: true)
        guard members.count <= 32 else { return false }
        return members.allSatisfy { member in
            let trimmed = member.trimmingSpaces
            guard let equals = trimmed.firstIndex(of: "="), equals != trimmed.startIndex else { return trimmed.isEmpty }
            return trimmed[trimmed.index(after: equals)...].isEmpty == false
        }
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var text = self
        while text.first == " " || text.first == "\t" { text = text.dropFirst() }
        while text.last == " " || text.last == "\t" { text = text.dropLast() }
        return text
    }
}
