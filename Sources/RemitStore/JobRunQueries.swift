import Foundation

/// The record of HQ's job runs: written by every run, read by `remit hq` and `remit status`.
public protocol JobRunQueries {
    /// Records that `runId` started; a run started again (a redelivery, a retry) keeps its row.
    func start(job: String, runId: String, worker: String, at: Date) throws
    func finish(runId: String, succeeded: Bool, counts: [String: Int], error: String?, at: Date) throws
    /// The latest runs, newest first, of every job or of `job`.
    func recent(limit: Int, job: String?) throws -> [JobRun]
    /// The latest run of every job that has run, by job name.
    func latestPerJob() throws -> [JobRun]
    func find(runId: String) throws -> JobRun?
}
