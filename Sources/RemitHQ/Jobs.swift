import Foundation
import GRDB
import Logging
import RemitCore
import RemitRuntime
import RemitStore

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
        try JobRun.start(db, job: Job.Run.jobName, runId: message.header.id, worker: worker, at: context.now)
        do {
            var result = JobResult()
            try db.inSavepoint {
                result = try job.run(db, context: context)
                return .commit
            }
            try JobRun.finish(db, runId: message.header.id, succeeded: true, counts: result.counts, error: nil, at: clock.now())
            logger.info("job run succeeded", metadata: metadata.merging(["counts": "\(JobRun.format(result.counts))"]) { $1 })
            return result.followUps
        } catch {
            try JobRun.finish(db, runId: message.header.id, succeeded: false, counts: [:], error: "\(error)", at: clock.now())
            logger.warning("job run failed; the next run does what this one could not",
                           metadata: metadata.merging(["error": "\(error)"]) { $1 })
            return []
        }
    }
}
