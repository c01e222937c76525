import Foundation

/// One recorded run of an HQ job (`job_run`): start, end, status, counts, error.
public struct JobRun: Sendable, Equatable, Codable {
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

    public init(
        id: Int64?, job: String, runId: String, startedAt: Date, finishedAt: Date?, status: Status, counts: String?, error: String?,
        worker: String
    ) {
        self.id = id
        self.job = job
        self.runId = runId
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.status = status
        self.counts = counts
        self.error = error
        self.worker = worker
    }

    /// Counts as operators read them: `orders=2 payments=5`.
    public static func format(_ counts: [String: Int]) -> String {
        counts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    }
}
