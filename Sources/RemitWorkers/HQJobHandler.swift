import Foundation
import Logging
import Metrics
import RemitCore
import RemitHQ
import RemitMessages
import RemitRuntime
import RemitStore

/// Runs an `HQJob` for each job-run message and records the run (start, end, counts, error).
/// A failing run is recorded as failed and not retried: the job works from HQ's state, so the next
/// run does what this one could not.
///
/// What a run would send is checked before it commits: a message its consumer would refuse fails
/// the run (nothing of it commits, nothing is sent, the run's error names the message and why), and
/// records a job held back (`JobResult.held`) are named in the run's record, every run, until they go
/// out.
public struct HQJobHandler<Job: HQJob>: TypedMessageHandler {
    public typealias Body = Job.Run
    let job: Job
    let worker: String
    /// Records the last run held back (`remit_job_records_held`).
    let heldRecords: Gauge
    /// Runs that failed because they would have sent a message its consumer refuses.
    let unsendableRuns: Counter
    let runs: JobRunMetrics

    public init(job: Job, worker: String) {
        self.job = job
        self.worker = worker
        heldRecords = Gauge(label: "remit_job_records_held", dimensions: [("hq_job", Job.Run.jobName)])
        unsendableRuns = Counter(label: "remit_job_runs_unsendable_total", dimensions: [("hq_job", Job.Run.jobName)])
        runs = JobRunMetrics(job: Job.Run.jobName)
    }

    /// The run checks what it sends itself, so that a failure is the run's record, not a dead letter.
    public var checksItsFollowUps: Bool { true }

    public func handle(
        _ envelope: Envelope<Job.Run>, context handling: HandlerContext, in transaction: any StoreTransaction
    ) throws -> [OutgoingMessage] {
        let hq = try transaction.hq()
        let context = JobContext(
            header: envelope.header, now: handling.now, followUpCheck: handling.followUpCheck, trace: handling.trace)
        let logger = handling.logger
        let metadata: Logger.Metadata = ["job": "\(Job.Run.jobName)", "requested_by": "\(envelope.actingUser)"]
        logger.info("job run started", metadata: metadata)
        try hq.jobRuns.start(job: Job.Run.jobName, runId: envelope.id, worker: worker, at: context.now)
        do {
            var result = JobResult()
            try hq.savepoint {
                result = try job.run(hq, context: context)
                if !result.followUpsChecked { try context.followUpCheck?.check(result.followUps) }
            }
            let held = Self.describe(held: result.held, unsent: result.unsent)
            try hq.jobRuns.finish(runId: envelope.id, succeeded: true, counts: result.counts, error: held, at: context.now)
            heldRecords.record(result.held.count + result.unsent.count)
            runs.succeeded(at: context.now)
            if let held {
                logger.error(
                    "job run succeeded but held back records its consumer would refuse; they stay due",
                    metadata: metadata.merging(["counts": "\(JobRun.format(result.counts))", "held": "\(held)"]) { $1 })
            } else {
                logger.info("job run succeeded", metadata: metadata.merging(["counts": "\(JobRun.format(result.counts))"]) { $1 })
            }
            return result.followUps
        } catch {
            try hq.jobRuns.finish(runId: envelope.id, succeeded: false, counts: [:], error: "\(error)", at: context.now)
            runs.failed(at: context.now)
            if error is UnsendableMessage {
                unsendableRuns.increment()
                logger.error(
                    "job run failed: it would have sent a message its consumer refuses; nothing of it was committed or sent",
                    metadata: metadata.merging(["error": "\(error)"]) { $1 })
            } else {
                logger.warning(
                    "job run failed; the next run does what this one could not",
                    metadata: metadata.merging(["error": "\(error)"]) { $1 })
            }
            return []
        }
    }

    /// The held records as the run's record names them: `held back 2 (still due): invoices INV-1: …`.
    static func describe(held: [DistributionHold], unsent: [String] = []) -> String? {
        var parts: [String] = []
        if !held.isEmpty {
            let named = held.prefix(5).map { "\($0.stream.rawValue) \($0.key.prefix(128)): \($0.reason.prefix(300))" }
            let more = held.count > 5 ? "; and \(held.count - 5) more (remit hq held lists them)" : ""
            parts.append("held back \(held.count) (still due, sent once they fit): " + named.joined(separator: "; ") + more)
        }
        if !unsent.isEmpty {
            let more = unsent.count > 5 ? "; and \(unsent.count - 5) more" : ""
            parts.append(
                "not sent \(unsent.count) (still due): " + unsent.prefix(5).map { String($0.prefix(400)) }.joined(separator: "; ") + more)
        }
        return parts.isEmpty ? nil : parts.joined(separator: ". ")
    }
}
