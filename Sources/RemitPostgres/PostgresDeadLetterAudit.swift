import Foundation
import PostgresNIO
import RemitCore
import RemitStore

/// The audit queries (`DeadLetterAuditQueries`) on the operations store in PostgreSQL.
struct PostgresDeadLetterAudit: DeadLetterAuditQueries {
    let session: PostgresSession

    func begin(_ audit: DeadLetterAudit) throws -> DeadLetterAudit {
        var audit = audit
        audit.id = try session.row(
            """
            INSERT INTO dead_letter_audit (at, actor, action, filter, matched, done, outcome, detail)
            VALUES (\(Timestamp.format(audit.at)), \(audit.actor), \(audit.action.rawValue), \(audit.filter), \(Int64(audit.matched)),
                \(Int64(audit.done)), \(audit.outcome.rawValue), \(audit.detail))
            RETURNING id
            """)?[0].decode(Int64.self)
        return audit
    }

    func record(id: Int64, _ letters: [(DeadLetter, change: String?)]) throws {
        for (letter, change) in letters {
            try session.execute(
                """
                INSERT INTO dead_letter_audit_message (audit_id, message_id, dead_letter_queue, reason, error, attempts, failed_at, change)
                VALUES (\(id), \(letter.messageId), \(letter.deadLetterQueue), \(letter.reason), \(letter.error), \(Int64(letter.attempts)),
                    \(Timestamp.format(letter.failedAt)), \(change))
                """)
        }
        // done = done + n in one UPDATE: two replays counting under one entry both count.
        try session.execute("UPDATE dead_letter_audit SET done = done + \(Int64(letters.count)) WHERE id = \(id)")
    }

    func finish(id: Int64, outcome: DeadLetterAudit.Outcome, detail: String?) throws {
        try session.execute("UPDATE dead_letter_audit SET outcome = \(outcome.rawValue), detail = \(detail) WHERE id = \(id)")
    }

    func recent(limit: Int) throws -> [DeadLetterAudit] {
        try session.rows("SELECT * FROM dead_letter_audit ORDER BY id DESC LIMIT \(Int64(limit))").map(DeadLetterAudit.init(postgres:))
    }

    func history(messageId: String) throws -> [(DeadLetterAudit, DeadLetterAuditMessage)] {
        let entries = try session.rows("SELECT * FROM dead_letter_audit_message WHERE message_id = \(messageId) ORDER BY id")
            .map(DeadLetterAuditMessage.init(postgres:))
        let ids = Array(Set(entries.map(\.auditId)))
        let audits = try session.rows("SELECT * FROM dead_letter_audit WHERE id = ANY(\(ids))").map(DeadLetterAudit.init(postgres:))
        let byId = Dictionary(uniqueKeysWithValues: audits.compactMap { audit in audit.id.map { ($0, audit) } })
        return entries.compactMap { entry in byId[entry.auditId].map { ($0, entry) } }
    }

    func touched(auditId: Int64) throws -> [DeadLetterAuditMessage] {
        try session.rows("SELECT * FROM dead_letter_audit_message WHERE audit_id = \(auditId) ORDER BY id")
            .map(DeadLetterAuditMessage.init(postgres:))
    }
}
