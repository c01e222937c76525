import Foundation
import GRDB
import RemitStore
import RemitCore
import RemitMessages

/// The operators' store (`operations.sqlite`): dead letters collected from the broker's dead-letter
/// queues, so that listing, filtering, grouping, replaying and purging are SQL over one file, and
/// the audit of every replay, edit, purge and export. It holds no business state.
public final class OperationsStore: DataDirectoryStore {
    public static let fileName = "operations.sqlite"
    public let pool: DatabasePool
    public let path: String

    public init(path: String, readOnly: Bool) throws {
        self.path = path
        pool = try SQLiteStore.openPool(at: path, identity: .operations, migrator: Self.migrator, readOnly: readOnly)
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-dead-letters") { db in
            try db.create(table: "dead_letter") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("message_id", .text).notNull()  // '' when the message had none
                t.column("message_type", .text).notNull()  // '' when unknown
                t.column("correlation_id", .text)
                t.column("dead_letter_queue", .text).notNull()
                t.column("worker", .text).notNull()
                t.column("original_queue", .text).notNull()
                t.column("original_exchange", .text)  // nil: not known, the message cannot be replayed
                t.column("original_routing_key", .text)
                t.column("reason", .text).notNull()
                t.column("error", .text).notNull()
                t.column("attempts", .integer).notNull()
                t.column("failed_at", .text).notNull()
                t.column("properties", .text).notNull()  // the AMQP properties and headers as typed JSON
                t.column("body", .blob).notNull()
                t.column("body_digest", .text).notNull()
                t.column("collected_at", .text).notNull()
                t.column("replay_count", .integer).notNull()
            }
            // A redelivery after a crash between commit and ack is the same message at the same
            // failure, byte for byte: stored once. The digest keeps apart two messages that share an
            // id and a failure time (ids are the producer's).
            try db.create(
                index: "dead_letter_identity", on: "dead_letter",
                columns: ["message_id", "dead_letter_queue", "failed_at", "body_digest"], unique: true)
            try db.create(index: "dead_letter_by_queue", on: "dead_letter", columns: ["dead_letter_queue", "failed_at"])
            try db.create(index: "dead_letter_by_type", on: "dead_letter", columns: ["message_type", "failed_at"])
            try db.create(index: "dead_letter_by_failure", on: "dead_letter", columns: ["reason", "error"])
            try db.create(index: "dead_letter_by_time", on: "dead_letter", columns: ["failed_at"])
            try db.create(table: "dead_letter_audit") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("at", .text).notNull()
                t.column("actor", .text).notNull()
                t.column("action", .text).notNull()  // replay | edit | purge | export
                t.column("filter", .text).notNull()
                t.column("matched", .integer).notNull()
                t.column("done", .integer).notNull()
                t.column("outcome", .text).notNull()  // running | completed | failed
                t.column("detail", .text)
            }
            // One row per message an action touched, with what it was then (so `show` tells its
            // history after the dead letter itself is gone) and, for edits, the change.
            try db.create(table: "dead_letter_audit_message") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("audit_id", .integer).notNull().references("dead_letter_audit")
                t.column("message_id", .text).notNull()
                t.column("dead_letter_queue", .text).notNull()
                t.column("reason", .text).notNull()
                t.column("error", .text).notNull()
                t.column("attempts", .integer).notNull()
                t.column("failed_at", .text).notNull()
                t.column("change", .text)
            }
            try db.create(index: "dead_letter_audit_message_by_id", on: "dead_letter_audit_message", columns: ["message_id"])
            try db.create(index: "dead_letter_audit_message_by_audit", on: "dead_letter_audit_message", columns: ["audit_id"])
        }
        return migrator
    }
}

/// One collected dead letter (`dead_letter`).
public struct DeadLetter: StoredRecord, Sendable, Equatable {
    public static let databaseTableName = "dead_letter"

    /// Assigned by the store on insert.
    public var id: Int64?
    public var messageId: String
    public var messageType: String
    public var correlationId: String?
    public var deadLetterQueue: String
    public var worker: String
    /// The work queue the message failed in.
    public var originalQueue: String
    public var originalExchange: String?
    public var originalRoutingKey: String?
    public var reason: String
    public var error: String
    public var attempts: Int
    public var failedAt: Date
    /// The AMQP properties and headers, as the runtime codes them (typed JSON).
    public var properties: String
    public var body: Data
    public var bodyDigest: String
    public var collectedAt: Date
    /// How often the message was replayed before this failure.
    public var replayCount: Int

    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let messageId = Column("message_id")
        public static let messageType = Column("message_type")
        public static let deadLetterQueue = Column("dead_letter_queue")
        public static let failedAt = Column("failed_at")
        public static let bodyDigest = Column("body_digest")
        public static let reason = Column(CodingKeys.reason)
        public static let error = Column(CodingKeys.error)
    }

    public init(
        messageId: String, messageType: String, correlationId: String?, deadLetterQueue: String, worker: String,
        originalQueue: String, originalExchange: String?, originalRoutingKey: String?, reason: String, error: String,
        attempts: Int, failedAt: Date, properties: String, body: Data, collectedAt: Date, replayCount: Int
    ) {
        self.messageId = messageId
        self.messageType = messageType
        self.correlationId = correlationId
        self.deadLetterQueue = deadLetterQueue
        self.worker = worker
        self.originalQueue = originalQueue
        self.originalExchange = originalExchange
        self.originalRoutingKey = originalRoutingKey
        self.reason = reason
        self.error = error
        self.attempts = attempts
        self.failedAt = Timestamp.normalize(failedAt)
        self.properties = properties
        self.body = body
        bodyDigest = ContentDigest.sha256([UInt8](body))
        self.collectedAt = Timestamp.normalize(collectedAt)
        self.replayCount = replayCount
    }

    public init(row: Row) throws {
        let stored = StoredRow(row, table: Self.databaseTableName, key: "\(row["id"] as Int64? ?? 0)")
        id = row["id"]
        messageId = row["message_id"]
        messageType = row["message_type"]
        correlationId = row["correlation_id"]
        deadLetterQueue = row["dead_letter_queue"]
        worker = row["worker"]
        originalQueue = row["original_queue"]
        originalExchange = row["original_exchange"]
        originalRoutingKey = row["original_routing_key"]
        reason = row["reason"]
        error = row["error"]
        attempts = row["attempts"]
        failedAt = try stored.timestamp("failed_at")
        properties = row["properties"]
        body = row["body"]
        bodyDigest = row["body_digest"]
        collectedAt = try stored.timestamp("collected_at")
        replayCount = row["replay_count"]
    }

    /// Stores the dead letter unless the same one is stored already (a redelivery); returns whether
    /// it was new.
    @discardableResult
    public func store(_ db: Database) throws -> Bool {
        try insertUnlessKnown(db, keys: [Columns.messageId, Columns.deadLetterQueue, Columns.failedAt, Columns.bodyDigest])
    }
}

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

/// The queries the dead-letter commands run.
extension DeadLetter {
    /// Matching dead letters in the order they failed (then were collected), at most `limit`.
    public static func matching(_ db: Database, _ filter: DeadLetterFilter, limit: Int? = nil) throws -> [DeadLetter] {
        try request(filter).limit(limit ?? Int.max).fetchAll(db)
    }

    /// The row ids of matching dead letters, in order; the replayer loads them in batches.
    public static func ids(_ db: Database, _ filter: DeadLetterFilter, limit: Int? = nil) throws -> [Int64] {
        try request(filter).select(Columns.id, as: Int64.self).limit(limit ?? Int.max).fetchAll(db)
    }

    public static func load(_ db: Database, ids: [Int64]) throws -> [DeadLetter] {
        try filter(ids.contains(Columns.id)).order(Columns.id).fetchAll(db)
    }

    public static func count(_ db: Database, _ filter: DeadLetterFilter) throws -> Int {
        try filter.apply(to: all()).fetchCount(db)
    }

    /// A retry group: every dead letter with one reason and one last error.
    /// Per dead-letter queue: how many the store keeps and when the oldest of them failed.
    public static func keptByQueue(_ db: Database) throws -> [String: (count: Int, oldestFailedAt: Date)] {
        var kept: [String: (count: Int, oldestFailedAt: Date)] = [:]
        for row in try Row.fetchAll(
            db, sql: "SELECT dead_letter_queue, COUNT(*) AS n, MIN(failed_at) AS oldest FROM dead_letter GROUP BY dead_letter_queue")
        {
            let queue: String = row["dead_letter_queue"]
            guard let oldest = try StoredRow(row, table: "dead_letter", key: queue).optionalTimestamp("oldest") else { continue }
            kept[queue] = (row["n"], oldest)
        }
        return kept
    }

    public struct Group: Sendable, Equatable {
        public var reason: String
        public var error: String
        public var count: Int
    }

    /// Matching dead letters grouped by reason and error, largest group first.
    public static func groups(_ db: Database, _ filter: DeadLetterFilter) throws -> [Group] {
        try filter.apply(to: all()).select(Columns.reason, Columns.error, GRDB.count(Column.rowID).forKey("n"))
            .group(Columns.reason, Columns.error).order(SQL("n DESC"), Columns.reason, Columns.error)
            .asRequest(of: Row.self).fetchAll(db)
            .map { Group(reason: $0["reason"], error: $0["error"], count: $0["n"]) }
    }

    /// The matching dead letters of one group, in order, at most `limit`.
    public static func matching(_ db: Database, _ filter: DeadLetterFilter, in group: Group, limit: Int? = nil) throws -> [DeadLetter] {
        try request(filter).filter(Columns.reason == group.reason && Columns.error == group.error).limit(limit ?? Int.max)
            .fetchAll(db)
    }

    @discardableResult
    public static func delete(_ db: Database, ids: [Int64]) throws -> Int {
        try filter(ids.contains(Columns.id)).deleteAll(db)
    }

    private static func request(_ filter: DeadLetterFilter) -> QueryInterfaceRequest<DeadLetter> {
        filter.apply(to: all()).order(Columns.failedAt, Columns.id)
    }
}

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

/// One message an audited action touched (`dead_letter_audit_message`).
public struct DeadLetterAuditMessage: StoredRecord, Sendable, Equatable {
    public static let databaseTableName = "dead_letter_audit_message"

    public var id: Int64?
    public var auditId: Int64
    public var messageId: String
    public var deadLetterQueue: String
    public var reason: String
    public var error: String
    public var attempts: Int
    public var failedAt: Date
    /// For edits: the change as JSON, `[{"path": …, "before": …, "after": …}]`.
    public var change: String?

    public enum Columns {
        public static let auditId = Column("audit_id")
        public static let messageId = Column("message_id")
    }

    init(
        auditId: Int64, messageId: String, deadLetterQueue: String, reason: String, error: String, attempts: Int,
        failedAt: Date, change: String?
    ) {
        self.auditId = auditId
        self.messageId = messageId
        self.deadLetterQueue = deadLetterQueue
        self.reason = reason
        self.error = error
        self.attempts = attempts
        self.failedAt = failedAt
        self.change = change
    }

    public init(row: Row) throws {
        let stored = StoredRow(row, table: Self.databaseTableName, key: "\(row["id"] as Int64? ?? 0)")
        id = row["id"]
        auditId = row["audit_id"]
        messageId = row["message_id"]
        deadLetterQueue = row["dead_letter_queue"]
        reason = row["reason"]
        error = row["error"]
        attempts = row["attempts"]
        failedAt = try stored.timestamp("failed_at")
        change = row["change"]
    }

    /// The row written, column by column, in the order of `WrittenRow.columns` (a replay writes one
    /// per message).
    public func encode(to container: inout PersistenceContainer) {
        container["id"] = id
        for (column, value) in zip(Self.columns, writtenValues) { container[column] = value }
    }

    /// What happened to `messageId`, oldest first, with the audit entry of each.
    public static func history(_ db: Database, messageId: String) throws -> [(DeadLetterAudit, DeadLetterAuditMessage)] {
        let entries = try filter(Columns.messageId == messageId).order(Column("id")).fetchAll(db)
        let audits = try DeadLetterAudit.filter(Set(entries.map(\.auditId)).contains(DeadLetterAudit.Columns.id)).fetchAll(db)
        let byId = Dictionary(uniqueKeysWithValues: audits.compactMap { audit in audit.id.map { ($0, audit) } })
        return entries.compactMap { entry in byId[entry.auditId].map { ($0, entry) } }
    }

    /// The message ids an audit entry touched.
    public static func messageIds(_ db: Database, auditId: Int64) throws -> [String] {
        try filter(Columns.auditId == auditId).order(Column("id")).select(Columns.messageId, as: String.self).fetchAll(db)
    }

    /// The messages an audit entry touched, with what an edit changed in each.
    public static func touched(_ db: Database, auditId: Int64) throws -> [DeadLetterAuditMessage] {
        try filter(Columns.auditId == auditId).order(Column("id")).fetchAll(db)
    }
}

extension DeadLetterAuditMessage: WrittenRow {
    public static let columns = [
        "audit_id", "message_id", "dead_letter_queue", "reason", "error", "attempts", "failed_at", "change",
    ]
    public var writtenValues: [(any DatabaseValueConvertible)?] {
        [auditId, messageId, deadLetterQueue, reason, error, attempts, Timestamp.format(failedAt), change]
    }
}
