import Foundation
import RemitCore
import RemitStore

/// The inbox (`MessageInbox`) in a PostgreSQL store's `inbox` and `inbox_follow_up` tables.
struct PostgresInbox: MessageInbox {
    let session: PostgresSession

    func applied(consumer: String, messageId: String) throws -> AppliedMessage? {
        guard let row = try session.row("SELECT content_digest FROM inbox WHERE consumer = \(consumer) AND message_id = \(messageId)")
        else { return nil }
        let followUps = try session.rows(
            """
            SELECT type, follow_up_id, correlation_id, body, reply_to, reply_correlation_id FROM inbox_follow_up
            WHERE consumer = \(consumer) AND message_id = \(messageId) ORDER BY position
            """
        ).map { row in
            let stored = PostgresStoredRow(row, table: "inbox_follow_up", keyColumn: "follow_up_id")
            return StoredFollowUp(
                type: try stored.string("type"), messageId: try stored.string("follow_up_id"),
                correlationId: try stored.string("correlation_id"), body: try stored.data("body"),
                replyTo: try stored.optionalString("reply_to"), replyCorrelationId: try stored.optionalString("reply_correlation_id"))
        }
        return AppliedMessage(contentDigest: try row["content_digest"].decode(String?.self), followUps: followUps)
    }

    // A plain INSERT, not ON CONFLICT: the same message recorded by two hosts at once (a redelivery
    // after a kill) makes the second wait for the first's commit and then fail on the primary key,
    // a constraint failure, which is what the runtime expects of a message applied already.
    func record(_ record: InboxRecord) throws {
        try session.execute(
            """
            INSERT INTO inbox (consumer, message_id, message_type, correlation_id, processed_at, content_digest)
            VALUES (\(record.consumer), \(record.messageId), \(record.messageType), \(record.correlationId),
                \(Timestamp.format(record.processedAt)), \(record.contentDigest))
            """)
        for (position, followUp) in record.followUps.enumerated() {
            try session.execute(
                """
                INSERT INTO inbox_follow_up
                    (consumer, message_id, position, type, follow_up_id, correlation_id, body, reply_to, reply_correlation_id)
                VALUES (\(record.consumer), \(record.messageId), \(Int64(position)), \(followUp.type), \(followUp.messageId),
                    \(followUp.correlationId), \(followUp.body), \(followUp.replyTo), \(followUp.replyCorrelationId))
                """)
        }
    }

    func prune(appliedBefore cutoff: Date, limit: Int) throws -> Int {
        let keys = try session.rows(
            """
            SELECT consumer, message_id FROM inbox WHERE processed_at < \(Timestamp.format(cutoff)) ORDER BY processed_at
            LIMIT \(Int64(limit))
            """
        ).map { (try $0["consumer"].decode(String.self), try $0["message_id"].decode(String.self)) }
        for (consumer, messageId) in keys {
            try session.execute("DELETE FROM inbox_follow_up WHERE consumer = \(consumer) AND message_id = \(messageId)")
            try session.execute("DELETE FROM inbox WHERE consumer = \(consumer) AND message_id = \(messageId)")
        }
        return keys.count
    }

    func count() throws -> Int {
        Int(try session.row("SELECT COUNT(*) FROM inbox")?[0].decode(Int64.self) ?? 0)
    }
}
