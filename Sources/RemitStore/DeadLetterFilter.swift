import Foundation

/// Which dead letters a command means. Every field narrows; an empty filter means all.
public struct DeadLetterFilter: Sendable, Equatable {
    /// Dead-letter queue names.
    public var queues: [String] = []
    public var type: String?
    /// A reason code (`bad-input`, …) or any part of the last error.
    public var reason: String?
    public var since: Date?
    public var until: Date?
    public var messageIds: [String] = []

    public init(
        queues: [String] = [], type: String? = nil, reason: String? = nil, since: Date? = nil, until: Date? = nil,
        messageIds: [String] = []
    ) {
        self.queues = queues
        self.type = type
        self.reason = reason
        self.since = since
        self.until = until
        self.messageIds = messageIds
    }

    public var isEmpty: Bool { self == DeadLetterFilter() }
}
