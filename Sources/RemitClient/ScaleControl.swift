import Foundation

/// Live consumer counts through the broker. `remit scale` publishes a request to the fanout exchange
/// `remit.control`; every running worker process has a queue of its own bound there
/// (`remit.control.<host>.<pid>`, exclusive, gone with the process), applies the counts to the kinds
/// it runs and answers on the request's `reply_to` with what it did.
public enum ScaleControl {
    /// Declared by `Topology/definitions.json`; per-process queues bound to it are expected.
    public static let exchange = "remit.control"
    public static let queuePrefix = "remit.control."
    public static let requestType = "remit.scale"
    public static let replyType = "remit.scale.reply"

    /// What `remit scale` asks: counts by kind, or one count for every kind a process runs.
    public struct Request: Codable, Sendable, Equatable {
        public var all: Int?
        public var counts: [String: Int]

        public init(_ wanted: ConsumerCounts) {
            all = wanted.all
            counts = wanted.byKind
        }

        /// A request from the wire: every count must be in range, at least one must be given.
        public static func decode(_ body: [UInt8]) throws -> Request {
            guard body.count <= 64 * 1024 else { throw ConsumerCounts.Invalid(description: "a scale request over 64 KiB") }
            let request: Request
            do { request = try JSONDecoder().decode(Request.self, from: Data(body)) } catch {
                throw ConsumerCounts.Invalid(description: "not a scale request (JSON {\"counts\": {\"KIND\": N}} or {\"all\": N})")
            }
            guard request.all != nil || !request.counts.isEmpty else {
                throw ConsumerCounts.Invalid(description: "a scale request names no kind and no count")
            }
            for count in [request.all].compactMap({ $0 }) + request.counts.values where !ConsumerCounts.range.contains(count) {
                throw ConsumerCounts.Invalid(
                    description: "\(count) consumers is outside \(ConsumerCounts.range.lowerBound)…\(ConsumerCounts.range.upperBound)")
            }
            return request
        }
    }

    /// One process's answer: each kind it runs with its count before and after.
    public struct Reply: Codable, Sendable, Equatable {
        public struct Kind: Codable, Sendable, Equatable {
            public var kind: String
            public var from: Int
            public var to: Int

            public init(kind: String, from: Int, to: Int) {
                self.kind = kind
                self.from = from
                self.to = to
            }
        }
        /// `host pid`: which process answered.
        public var process: String
        public var kinds: [Kind]
        /// Why the request was refused as a whole (nothing changed then).
        public var error: String?

        public init(process: String, kinds: [Kind], error: String? = nil) {
            self.process = process
            self.kinds = kinds
            self.error = error
        }
    }

    /// No worker process listens: nothing is bound to the control exchange.
    public struct NoProcess: Error, CustomStringConvertible {
        public init() {}

        public var description: String {
            "no running worker process listens on '\(exchange)' (start one with `remit run` or `remit worker`)"
        }
    }
}
