import Foundation

/// How many consumers a process runs per worker kind, as an operator writes it: one count for
/// every kind (`4`), or counts by kind (`payment-posting=4,email-dispatch=1`), checked against the
/// kinds the process runs.
public struct ConsumerCounts: Sendable, Equatable {
    /// Consumers of one kind at most: more would only queue on the broker's channel limit and the
    /// store's one writer.
    public static let range = 1...64

    /// The count for every kind not named in `byKind`.
    public var all: Int?
    public var byKind: [String: Int]

    public init(all: Int? = nil, byKind: [String: Int] = [:]) {
        self.all = all
        self.byKind = byKind
    }

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    /// Parses `text`; a kind not in `kinds`, a count outside 1…64, a kind named twice or anything
    /// that is not `N` or `KIND=N[,KIND=N…]` is a clear error.
    public static func parse(_ text: String, kinds: [String]) throws -> ConsumerCounts {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        func count(_ value: Substring, for what: String) throws -> Int {
            let value = value.trimmingCharacters(in: .whitespaces)
            guard let number = Int(value) else {
                throw Invalid(description: "--consumers: '\(value.prefix(20))' for \(what) is not a whole number")
            }
            guard range.contains(number) else {
                throw Invalid(
                    description: "--consumers: \(number) for \(what) is outside \(range.lowerBound)…\(range.upperBound)")
            }
            return number
        }
        guard trimmed.contains("=") else {
            return ConsumerCounts(all: try count(Substring(trimmed), for: "every kind"))
        }
        var byKind: [String: Int] = [:]
        for part in trimmed.split(separator: ",", omittingEmptySubsequences: false) {
            let pair = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let kind = pair[0].trimmingCharacters(in: .whitespaces)
            guard pair.count == 2, !kind.isEmpty else {
                throw Invalid(description: "--consumers: '\(part.prefix(40))' is not KIND=COUNT (e.g. payment-posting=4)")
            }
            guard kinds.contains(kind) else {
                throw Invalid(
                    description:
                        "--consumers: '\(kind.prefix(40))' is not a kind this process runs (\(kinds.joined(separator: ", ")))")
            }
            guard byKind[kind] == nil else { throw Invalid(description: "--consumers: \(kind) is named twice") }
            byKind[kind] = try count(pair[1], for: kind)
        }
        return ConsumerCounts(byKind: byKind)
    }

    /// The count for `kind`: its own, else the one for every kind, else `otherwise` (the kind's
    /// default from Topology/workers.json).
    public func count(for kind: String, otherwise: Int) -> Int { byKind[kind] ?? all ?? otherwise }
}
