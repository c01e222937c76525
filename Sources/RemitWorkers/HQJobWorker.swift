import Foundation
import GRDB
import Logging
import RemitCore
import RemitHQ
import RemitMessages
import RemitRuntime
import RemitStore

/// Runs an `HQJob` for each job-run message and records the run (start, end, counts, error).
/// A failing run is recorded as failed and not retried: the job works from HQ's state, so the next
/// run does what this one could not.
public struct HQJobHandler<Job: HQJob>: TypedMessageHandler {
    public typealias Body = Job.Run
    let job: Job
    let worker: String

    public init(job: Job, worker: String) {
        self.job = job
        self.worker = worker
    }

    public func handle(_ envelope: Envelope<Job.Run>, context handling: HandlerContext, in db: Database) throws -> [OutgoingMessage] {
        let context = JobContext(header: envelope.header, now: handling.now)
        let logger = handling.logger
        let metadata: Logger.Metadata = ["job": "\(Job.Run.jobName)", "requested_by": "\(envelope.actingUser)"]
        logger.info("job run started", metadata: metadata)
        try JobRun.start(db, job: Job.Run.jobName, runId: envelope.id, worker: worker, at: context.now)
        do {
            var result = JobResult()
            try db.inSavepoint {
                result = try job.run(db, context: context)
                return .commit
            }
            try JobRun.finish(db, runId: envelope.id, succeeded: true, counts: result.counts, error: nil, at: context.now)
            logger.info("job run succeeded", metadata: metadata.merging(["counts": "\(JobRun.format(result.counts))"]) { $1 })
            return result.followUps
        } catch {
            try JobRun.finish(db, runId: envelope.id, succeeded: false, counts: [:], error: "\(error)", at: context.now)
            logger.warning(
                "job run failed; the next run does what this one could not",
                metadata: metadata.merging(["error": "\(error)"]) { $1 })
            return []
        }
    }
}
