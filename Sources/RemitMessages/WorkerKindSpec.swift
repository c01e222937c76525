import Foundation
import RemitCore

public struct WorkerKindSpec: Sendable, Codable, Equatable {
    public var name: String
    public var description: String
    public var queue: String
    /// The message types this kind handles.
    public var consumes: [String]
    /// The message types its handler publishes on the exchange (follow-ups; answers to producers go
    /// to their reply queues and are not listed). A deployment's broker user for the kind may publish
    /// these and nothing else there (topic permissions; `scripts/lib.sh`). Absent: none.
    public var publishes: [String]?
    /// Default consumer count (`--consumers`).
    public var consumers: Int
    /// Default prefetch per consumer (`--prefetch`).
    public var prefetch: Int
    /// Retry tiers in order; each queue's TTL is its delay.
    public var retryQueues: [String]
    public var deadLetterQueue: String
    /// The store the kind applies messages to (and keeps its inbox in): `channel` (default) or `hq`.
    public var store: String?
    /// For HQ jobs: how often the scheduler starts a run.
    public var scheduleSeconds: Int?

    public var storeName: String { store ?? "channel" }

    /// What `publishes` lists; none when it is absent.
    public var publishedTypes: [String] { publishes ?? [] }
}
