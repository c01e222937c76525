import Foundation
import GRDB
import RemitCore
import RemitStore

// A dead-letter filter as the SQL of the query it narrows.
extension DeadLetterFilter {
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
