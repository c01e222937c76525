import Foundation
import GRDB
import RemitStore
import RemitCore
import RemitMessages

/// One action on dead letters (`dead_letter_audit`): who, when, what, which filter, how many.
public struct DeadLetterAudit: StoredRecord, Sendable, Equatable {
    public static let databaseTableName = "dead_letter_audit"

    public enum Action: String, Sendable, Codable, CaseIterable { case replay, edit, purge, export }
    public enum Outcome: String, Sendable, Codable {
        /// Still going, or the process ended before it finished (`done` says how far it got).
        case running
        case completed
        case failed
    }

    public var id: Int64?
    public var at: Date
    public var actor: String
    public var action: Action
    /// The filter (and options) as the operator gave them.
    public var filter: String
    public var matched: Int
    public var done: Int
    public var outcome: Outcome
    /// The error that stopped it, or the file an export went to.
    public var detail: String?

    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let done = Column(CodingKeys.done)
        public static let outcome = Column(CodingKeys.outcome)
        public static let detail = Column(CodingKeys.detail)
    }

    public init(at: Date, actor: String, action: Action, filter: String, matched: Int) {
        self.at = Timestamp.normalize(at)
        self.actor = actor
        self.action = action
        self.filter = filter
        self.matched = matched
        done = 0
        outcome = .running
    }

    public init(row: Row) throws {
        let stored = StoredRow(row, table: Self.databaseTableName, key: "\(row["id"] as Int64? ?? 0)")
        id = row["id"]
        at = try stored.timestamp("at")
        actor = row["actor"]
        action = try stored.value("action", as: Action.self)
        filter = row["filter"]
        matched = row["matched"]
        done = row["done"]
        outcome = try stored.value("outcome", as: Outcome.self)
        detail = row["detail"]
    }

    /// Starts an audit entry; returns it with its id.
    public static func begin(_ db: Database, _ audit: DeadLetterAudit) throws -> DeadLetterAudit {
        var audit = audit
        try audit.insert(db)
        audit.id = db.lastInsertedRowID
        return audit
    }

    /// Records that `letters` were handled under audit `id` (in the transaction that handled them),
    /// with each one's change for edits.
    public static func record(_ db: Database, id: Int64, _ letters: [(DeadLetter, change: String?)]) throws {
        try DeadLetterAuditMessage.insertAll(
            letters.lazy.map { letter, change in
                DeadLetterAuditMessage(
                    auditId: id, messageId: letter.messageId, deadLetterQueue: letter.deadLetterQueue, reason: letter.reason,
                    error: letter.error, attempts: letter.attempts, failedAt: letter.failedAt, change: change)
            }, db)
        try filter(Columns.id == id).updateAll(db, Columns.done += letters.count)
    }

    public static func finish(_ db: Database, id: Int64, outcome: Outcome, detail: String?) throws {
        try filter(Columns.id == id).updateAll(db, Columns.outcome.set(to: outcome.rawValue), Columns.detail.set(to: detail))
    }

    /// The latest entries, newest first.
    public static func recent(_ db: Database, limit: Int) throws -> [DeadLetterAudit] {
        try all().order(Columns.id.desc).limit(limit).fetchAll(db)
    }
}
