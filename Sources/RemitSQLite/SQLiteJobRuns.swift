import Foundation
import GRDB
import RemitStore

/// The record of job runs (`JobRunQueries`) on `job_run`.
struct SQLiteJobRuns: JobRunQueries {
    let db: Database

    func start(job: String, runId: String, worker: String, at date: Date) throws {
        try JobRun.start(db, job: job, runId: runId, worker: worker, at: date)
    }
    func finish(runId: String, succeeded: Bool, counts: [String: Int], error: String?, at date: Date) throws {
        try JobRun.finish(db, runId: runId, succeeded: succeeded, counts: counts, error: error, at: date)
    }
    func recent(limit: Int, job: String?) throws -> [JobRun] { try JobRun.recent(db, limit: limit, job: job) }
    func latestPerJob() throws -> [JobRun] { try JobRun.latestPerJob(db) }
    func find(runId: String) throws -> JobRun? { try JobRun.find(db, runId: runId) }
}
