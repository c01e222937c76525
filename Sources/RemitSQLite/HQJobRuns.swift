import Foundation
import GRDB
import RemitStore
import RemitCore
import RemitMessages

/// One recorded run of an HQ job (`job_run`): start, end, status, counts, error.
public struct JobRun: StoredRecord, Sendable, Equatable {
    public static let databaseTableName = "job_run"

    public enum Status: String, Sendable, Codable { case running, succeeded, failed }

    /// Assigned by the store on insert.
    public var id: Int64?
    public var job: String
    public var runId: String
    public var startedAt: Date
    public var finishedAt: Date?
    public var status: Status
    /// Counts as operators read them (`format(_:)`).
    public var counts: String?
    public var error: String?
    public var worker: String

    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let job = Column(CodingKeys.job)
        public static let runId = Column("run_id")
        public static let finishedAt = Column("finished_at")
        public static let status = Column(CodingKeys.status)
        public static let counts = Column(CodingKeys.counts)
        public static let error = Column(CodingKeys.error)
    }

    public init(row: Row) throws {
        let stored = StoredRow(row, table: Self.databaseTableName, key: row["run_id"])
        id = row["id"]
        job = row["job"]
        runId = row["run_id"]
        startedAt = try stored.timestamp("started_at")
        finishedAt = try stored.optionalTimestamp("finished_at")
        status = try stored.value("status", as: Status.self)
        counts = row["counts"]
        error = row["error"]
        worker = row["worker"]
    }

    /// Records that `runId` started; a run started again (a redelivery, a retry) keeps its row.
    public static func start(_ db: Database, job: String, runId: String, worker: String, at: Date) throws {
        try db.execute(
            sql: """
                INSERT INTO job_run (job, run_id, started_at, status, worker) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(run_id) DO UPDATE SET started_at = excluded.started_at, status = excluded.status, worker = excluded.worker
                """, arguments: [job, runId, Timestamp.format(at), Status.running.rawValue, worker])
    }

    public static func finish(_ db: Database, runId: String, succeeded: Bool, counts: [String: Int], error: String?, at: Date) throws {
        try filter(Columns.runId == runId).updateAll(
            db, Columns.finishedAt.set(to: Timestamp.format(at)),
            Columns.status.set(to: (succeeded ? Status.succeeded : Status.failed).rawValue),
            Columns.counts.set(to: format(counts)), Columns.error.set(to: error))
    }

    /// Counts as operators read them: `orders=2 payments=5`.
    public static func format(_ counts: [String: Int]) -> String {
        counts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    }

    /// The latest runs, newest first, of every job or of `job`.
    public static func recent(_ db: Database, limit: Int, job: String? = nil) throws -> [JobRun] {
        var runs = all()
        if let job { runs = runs.filter(Columns.job == job) }
        return try runs.order(Columns.id.desc).limit(limit).fetchAll(db)
    }

    /// The latest run of every job that has run, by job name.
    public static func latestPerJob(_ db: Database) throws -> [JobRun] {
        try JobRun.fetchAll(
            db, sql: "SELECT * FROM job_run WHERE id IN (SELECT MAX(id) FROM job_run GROUP BY job) ORDER BY job")
    }

    public static func find(_ db: Database, runId: String) throws -> JobRun? {
        try filter(Columns.runId == runId).fetchOne(db)
    }
}

/// What distribution publishes, each stream with its own watermark.
public enum DistributionStream: String, Sendable, Codable, CaseIterable {
    case invoices, customers, requests, products
}

/// How far a distribution stream got: the change time and key of the last row it published. Rows
/// are published in (change time, key) order, so the next run starts after this position.
public struct DistributionPosition: Sendable, Equatable {
    /// `Timestamp.format` of the change time; empty before the first run, so every row is after it.
    let changedAt: String
    let key: String

    public static let start = DistributionPosition(changedAt: "", key: "")

    init(changedAt: String, key: String) {
        self.changedAt = changedAt
        self.key = key
    }

    public init(changedAt: Date, key: String) {
        self.init(changedAt: Timestamp.format(changedAt), key: key)
    }
}

/// The distribution watermarks (`distribution_state`), moved in the transaction that publishes.
public struct DistributionWatermark: StoredRecord, Sendable, Equatable {
    public static let databaseTableName = "distribution_state"

    public var stream: DistributionStream
    /// `changedAt|key` of the position.
    public var distributedUntil: String

    public init(row: Row) throws {
        let stored = StoredRow(row, table: Self.databaseTableName, key: row["stream"])
        stream = try stored.value("stream", as: DistributionStream.self)
        distributedUntil = row["distributed_until"]
    }

    init(stream: DistributionStream, position: DistributionPosition) {
        self.stream = stream
        distributedUntil = "\(position.changedAt)|\(position.key)"
    }

    /// Where `stream` continues; `.start` before its first run.
    public static func position(_ db: Database, of stream: DistributionStream) throws -> DistributionPosition {
        guard let watermark = try fetchOne(db, primaryKey: stream.rawValue) else { return .start }
        let parts = watermark.distributedUntil.split(separator: "|", maxSplits: 1).map(String.init)
        return DistributionPosition(changedAt: parts.first ?? "", key: parts.count > 1 ? parts[1] : "")
    }

    public static func move(_ db: Database, _ stream: DistributionStream, to position: DistributionPosition) throws {
        try DistributionWatermark(stream: stream, position: position).upsert(db)
    }
}

/// A record distribution could not send (`distribution_held`): its message would be refused by the
/// channel. The watermark passes it, but it stays due: every run reads it again by key, sends it if it
/// can now, and names it in the run's record until it goes out.
public struct DistributionHold: StoredRecord, Sendable, Equatable {
    public static let databaseTableName = "distribution_held"

    public var stream: DistributionStream
    public var key: String
    /// Why its message would be refused (the schema's or the decoder's words).
    public var reason: String
    /// When it was first held.
    public var since: Date

    public init(stream: DistributionStream, key: String, reason: String, since: Date) {
        self.stream = stream
        self.key = key
        self.reason = reason
        self.since = since
    }

    public init(row: Row) throws {
        let stored = StoredRow(row, table: Self.databaseTableName, key: "\(row["stream"] as String? ?? "")/\(row["key"] as String? ?? "")")
        stream = try stored.value("stream", as: DistributionStream.self)
        key = row["key"]
        reason = row["reason"]
        since = try stored.timestamp("since")
    }

    static func registerMigration(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v6-distribution-held") { db in
            try db.create(table: databaseTableName) { t in
                t.column("stream", .text).notNull()
                t.column("key", .text).notNull()
                t.column("reason", .text).notNull()
                t.column("since", .text).notNull()
                t.primaryKey(["stream", "key"])
            }
        }
    }

    /// The keys held back in `stream`, oldest first.
    public static func keys(_ db: Database, of stream: DistributionStream) throws -> [String] {
        try String.fetchAll(
            db, sql: "SELECT key FROM distribution_held WHERE stream = ? ORDER BY since, key", arguments: [stream.rawValue])
    }

    /// Holds `key` back with `reason`; one held before keeps the time it was first held.
    public static func hold(_ db: Database, _ stream: DistributionStream, key: String, reason: String, at: Date) throws {
        try db.execute(
            sql: """
                INSERT INTO distribution_held (stream, key, reason, since) VALUES (?, ?, ?, ?)
                ON CONFLICT(stream, key) DO UPDATE SET reason = excluded.reason
                """, arguments: [stream.rawValue, key, reason, Timestamp.format(at)])
    }

    /// `key` went out: it is no longer held.
    public static func release(_ db: Database, _ stream: DistributionStream, key: String) throws {
        try db.execute(sql: "DELETE FROM distribution_held WHERE stream = ? AND key = ?", arguments: [stream.rawValue, key])
    }

    /// Every held record, oldest first (`remit hq runs`, tests).
    public static func all(_ db: Database) throws -> [DistributionHold] {
        try fetchAll(db, sql: "SELECT * FROM distribution_held ORDER BY since, stream, key")
    }
}
