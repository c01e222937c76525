import Foundation

/// A record distribution could not send (`distribution_held`): its message would be refused by the
/// channel. The watermark passes it, but it stays due: every run reads it again by key, sends it if it
/// can now, and names it in the run's record until it goes out.
public struct DistributionHold: Sendable, Equatable, Codable {
    public var stream: DistributionStream
    public var key: String
    /// Why its message would be refused (the schema's or the decoder's words).
    public var reason: String
    /// When it was first held.
    public var since: Date

    public init(stream: DistributionStream, key: String, reason: String, since: Date) {
        self.stream = stream
        self.key = key
        self.reason = reason
        self.since = since
    }
}
