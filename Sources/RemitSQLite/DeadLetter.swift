import Foundation
import GRDB
import RemitStore
import RemitCore
import RemitMessages

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
