import Foundation
import GRDB
import Logging
import RemitCore
import RemitRuntime

/// What a job did: counts by what it counted, and the messages it publishes.
public struct JobResult: Sendable {
    public var counts: [String: Int] = [:]
    public var followUps: [OutgoingMessage] = []
    public init() {}
}

/// Facts about the run in progress.
public struct JobContext: Sendable {
    public var header: EnvelopeHeader
    public var now: Date
    public var today: CalendarDate { CalendarDate(now) }
}

/// An HQ job whose work is all in the HQ store: it runs in the worker's HQ transaction, together
/// with the inbox record and its run record, so its effects and the messages it publishes commit
/// as one.
public protocol HQJob: Sendable {
    associatedtype Run: HQJobRun
    func run(_ db: Database, context: JobContext) throws -> JobResult
}

/// Runs an `HQJob` for each job-run message and records the run (start, end, counts, error).
/// A failing run is recorded as failed and not retried: the job works from HQ's state, so the next
/// run does what this one could not.
public struct HQJobHandler<Job: HQJob>: MessageHandler {
    let job: Job
    let clock: any WallClock
    let worker: String
    let logger: Logger

    public init(job: Job, clock: any WallClock, worker: String, logger: Logger) {
        self.job = job
        self.clock = clock
        self.worker = worker
        self.logger = logger
    }

    public var bodyTypes: [any MessageBody.Type] { [Job.Run.self] }

    public func handle(_ message: IncomingMessage, in db: Database) throws -> [OutgoingMessage] {
        _ = try message.envelope(Job.Run.self)
        let context = JobContext(header: message.header, now: clock.now())
        let metadata: Logger.Metadata = ["job": "\(Job.Run.jobName)", "run_id": "\(message.header.id)",
                                         "requested_by": "\(message.header.actingUser)"]
        logger.info("job run started", metadata: metadata)
        try JobRuns.start(db, job: Job.Run.jobName, runId: message.header.id, worker: worker, at: context.now)
        do {
            var result = JobResult()
            try db.inSavepoint {
                result = try job.run(db, context: context)
                return .commit
            }
            try JobRuns.finish(db, runId: message.header.id, succeeded: true, counts: result.counts, error: nil, at: clock.now())
            logger.info("job run succeeded", metadata: metadata.merging(["counts": "\(JobRuns.format(result.counts))"]) { $1 })
            return result.followUps
        } catch {
            try JobRuns.finish(db, runId: message.header.id, succeeded: false, counts: [:], error: "\(error)", at: clock.now())
            logger.warning("job run failed; the next run does what this one could not",
                           metadata: metadata.merging(["error": "\(error)"]) { $1 })
            return []
        }
    }
}

/// One recorded run of an HQ job.
public struct JobRunRecord: Sendable, Equatable {
    public var job: String
    public var runId: String
    public var startedAt: String
    public var finishedAt: String?
    public var status: String
    public var counts: String?
    public var error: String?
    public var worker: String
}

public enum JobRuns {
    public static func start(_ db: Database, job: String, runId: String, worker: String, at: Date) throws {
        try db.execute(sql: """
            INSERT INTO job_run (job, run_id, started_at, status, worker) VALUES (?, ?, ?, 'running', ?)
            ON CONFLICT(run_id) DO UPDATE SET started_at = excluded.started_at, status = 'running', worker = excluded.worker
            """, arguments: [job, runId, Timestamp.format(at), worker])
    }

    public static func finish(_ db: Database, runId: String, succeeded: Bool, counts: [String: Int], error: String?, at: Date) throws {
        let countsText = format(counts)
        try db.execute(sql: "UPDATE job_run SET finished_at = ?, status = ?, counts = ?, error = ? WHERE run_id = ?",
                       arguments: [Timestamp.format(at), succeeded ? "succeeded" : "failed", countsText, error, runId])
    }

    /// Counts as operators read them: `orders=2 payments=5`.
    public static func format(_ counts: [String: Int]) -> String {
        counts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    }

    public static func recent(_ db: Database, limit: Int, job: String? = nil) throws -> [JobRunRecord] {
        try Row.fetchAll(db, sql: "SELECT * FROM job_run WHERE (? IS NULL OR job = ?) ORDER BY id DESC LIMIT ?",
                         arguments: [job, job, limit]).map(record)
    }

    public static func find(_ db: Database, runId: String) throws -> JobRunRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM job_run WHERE run_id = ?", arguments: [runId]).map(record)
    }

    private static func record(_ row: Row) -> JobRunRecord {
        JobRunRecord(job: row["job"], runId: row["run_id"], startedAt: row["started_at"], finishedAt: row["finished_at"],
                     status: row["status"], counts: row["counts"], error: row["error"], worker: row["worker"])
    }
}
