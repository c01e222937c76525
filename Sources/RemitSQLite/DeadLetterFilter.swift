import Foundation
import GRDB
import RemitStore
import RemitCore
import RemitMessages

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

    func apply(to request: QueryInterfaceRequest<DeadLetter>) -> QueryInterfaceRequest<DeadLetter> {
        typealias C = DeadLetter.Columns
        var request = request
        if !queues.isEmpty { request = request.filter(queues.contains(C.deadLetterQueue)) }
        if let type { request = request.filter(C.messageType == type) }
        if let reason {
            let escaped = reason.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                .replacingOccurrences(of: "_", with: "\\_")
            request = request.filter(C.reason == reason || C.error.like("%\(escaped)%", escape: "\\"))
        }
        if let since { request = request.filter(C.failedAt >= Timestamp.format(since)) }
        if let until { request = request.filter(C.failedAt < Timestamp.format(until)) }
        if !messageIds.isEmpty { request = request.filter(messageIds.contains(C.messageId)) }
        return request
    }
}
