import Foundation
import GRDB
import RemitCore
import RemitStore
import Synchronization

/// The inbox (`MessageInbox`) in a SQLite store's `inbox` and `inbox_follow_up` tables.
struct SQLiteInbox: MessageInbox {
    let db: Database

    init(_ db: Database) { self.db = db }

    func applied(consumer: String, messageId: String) throws -> AppliedMessage? {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT content_digest FROM inbox WHERE consumer = ? AND message_id = ?"),
                arguments: [consumer, messageId])
        else { return nil }
        let rows = try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT type, follow_up_id, correlation_id, body, reply_to, reply_correlation_id FROM inbox_follow_up
                    WHERE consumer = ? AND message_id = ? ORDER BY position
                    """), arguments: [consumer, messageId])
        // Columns by position, as selected: a lookup by name of a long name allocates (GRDB compares
        // names case-insensitively), and this runs for every redelivered message.
        return AppliedMessage(
            contentDigest: row[0],
            followUps: rows.map { row in
                StoredFollowUp(
                    type: row[0], messageId: row[1], correlationId: row[2], body: row[3], replyTo: row[4], replyCorrelationId: row[5])
            })
    }

    func record(_ record: InboxRecord) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO inbox (consumer, message_id, message_type, correlation_id, processed_at, content_digest)
                VALUES (?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            record.consumer, record.messageId, record.messageType, record.correlationId, Self.text(of: record.processedAt),
            record.contentDigest,
        ])
        let insert = try db.cachedStatement(
            sql: """
                INSERT INTO inbox_follow_up
                    (consumer, message_id, position, type, follow_up_id, correlation_id, body, reply_to, reply_correlation_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        for (position, followUp) in record.followUps.enumerated() {
            try insert.execute(arguments: [
                record.consumer, record.messageId, position, followUp.type, followUp.messageId, followUp.correlationId,
                followUp.body, followUp.replyTo, followUp.replyCorrelationId,
            ])
        }
    }

    func prune(appliedBefore cutoff: Date, limit: Int) throws -> Int {
        let keys = try Row.fetchAll(
            db.cachedStatement(sql: "SELECT consumer, message_id FROM inbox WHERE processed_at < ? ORDER BY processed_at LIMIT ?"),
            arguments: [Timestamp.format(cutoff), limit])
        let deleteRecord = try db.cachedStatement(sql: "DELETE FROM inbox WHERE consumer = ? AND message_id = ?")
        let deleteFollowUps = try db.cachedStatement(sql: "DELETE FROM inbox_follow_up WHERE consumer = ? AND message_id = ?")
        for key in keys {
            let arguments: StatementArguments = [key["consumer"] as String, key["message_id"] as String]
            try deleteFollowUps.execute(arguments: arguments)
            try deleteRecord.execute(arguments: arguments)
        }
        return keys.count
    }

    /// The last `processedAt` written and its text: a batch's records share one time, so it is
    /// formatted once a batch, not once a message (formatting allocates; the micro-benchmarks count it).
    private static let lastProcessedAt = Mutex<(date: Date, text: String)?>(nil)

    static func text(of processedAt: Date) -> String {
        if let last = lastProcessedAt.withLock({ $0 }), last.date == processedAt { return last.text }
        let text = Timestamp.format(processedAt)
        lastProcessedAt.withLock { $0 = (processedAt, text) }
        return text
    }

    func count() throws -> Int {
        try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM inbox")) ?? 0
    }
}
