import Foundation
import GRDB
import RemitCore
import RemitStore

// JobRun in its SQLite table (`job_run`).
extension JobRun: StoredRecord {
    public static let databaseTableName = "job_run"

    public enum Columns {
        public static let id = Column("id")
        public static let job = Column("job")
        public static let runId = Column("run_id")
        public static let finishedAt = Column("finished_at")
        public static let status = Column("status")
        public static let counts = Column("counts")
        public static let error = Column("error")
    }

    public init(row: Row) throws {
        let stored = StoredRow(row, table: Self.databaseTableName, key: row["run_id"])
        self.init(
            id: row["id"], job: row["job"], runId: row["run_id"], startedAt: try stored.timestamp("started_at"),
            finishedAt: try stored.optionalTimestamp("finished_at"), status: try stored.value("status", as: Status.self),
            counts: row["counts"], error: row["error"], worker: row["worker"])
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
