import Foundation
import Metrics

/// An HQ job's runs for Prometheus, by the worker that ran them: `remit_job_runs_total` by outcome
/// (what "a job failing" is alerted on) and `remit_job_last_run_timestamp_seconds` (what "a job not
/// run in its period" is). The label is `hq_job`: Prometheus sets `job` to the scrape job.
struct JobRunMetrics: Sendable {
    let job: String
    private let succeededRuns: Counter
    private let failedRuns: Counter

    init(job: String) {
        self.job = job
        succeededRuns = Counter(label: "remit_job_runs_total", dimensions: [("hq_job", job), ("outcome", "succeeded")])
        failedRuns = Counter(label: "remit_job_runs_total", dimensions: [("hq_job", job), ("outcome", "failed")])
    }

    /// Counted when the run is decided; a transaction rolled back and run again counts it again.
    func succeeded(at time: Date) {
        succeededRuns.increment()
        lastRun("succeeded", at: time)
    }

    func failed(at time: Date) {
        failedRuns.increment()
        lastRun("failed", at: time)
    }

    /// Made at the first such run, not before, so a process that has not run the job has no series
    /// (never a run in 1970).
    private func lastRun(_ outcome: String, at time: Date) {
        Gauge(label: "remit_job_last_run_timestamp_seconds", dimensions: [("hq_job", job), ("outcome", outcome)])
            .record(time.timeIntervalSince1970)
    }
}
