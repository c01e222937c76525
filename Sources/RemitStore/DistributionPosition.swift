import Foundation
import RemitCore

/// How far a distribution stream got: the change time and key of the last row it published. Rows
/// are published in (change time, key) order, so the next run starts after this position.
public struct DistributionPosition: Sendable, Equatable {
    /// `Timestamp.format` of the change time; empty before the first run, so every row is after it.
    public let changedAt: String
    public let key: String

    public static let start = DistributionPosition(changedAt: "", key: "")

    /// A position as a backend keeps it: the change time as `Timestamp.format` text.
    public init(changedAt: String, key: String) {
        self.changedAt = changedAt
        self.key = key
    }

    public init(changedAt: Date, key: String) {
        self.init(changedAt: Timestamp.format(changedAt), key: key)
    }
}
