import Foundation
import RemitClient
import RemitPostgres
import RemitSQLite
import RemitStore

/// What `remit status` reads from a data directory's stores: the latest run of each HQ job and the
/// dead letters kept per queue. A store this process cannot read is named in its part of the
/// status instead of failing the whole.
public struct StatusStores: Sendable {
    private let hq: HQStore?
    private let hqProblem: String
    private var operations: (any OperationsStoreBackend)?

    /// The stores `configuration` names: the data directory's HQ file, and the operations store on
    /// PostgreSQL when `store-url` is set (else the data directory's file), those that exist.
    public init(_ configuration: RemitConfiguration) {
        self.init(dataDirectory: configuration.dataDirectory)
        if let text = configuration[.storeURL], !text.isEmpty {
            operations = try? PostgresOperationsStore(url: try PostgresStoreURL(text))
        }
    }

    /// Opens the stores of `dataDirectory` read-only, those that exist.
    public init(dataDirectory: String) {
        var hq: HQStore?
        var hqProblem = "no HQ store in this data directory"
        if FileManager.default.fileExists(atPath: "\(dataDirectory)/\(HQStore.fileName)") {
            do { hq = try HQStore(dataDirectory: dataDirectory, readOnly: true) } catch { hqProblem = "\(error)" }
        }
        self.hq = hq
        self.hqProblem = hqProblem
        operations = try? OperationsStores.existing(dataDirectory: dataDirectory)
    }

    /// The latest run of each job, or why they cannot be read.
    public func jobs() async -> Result<[PipelineStatus.Job], PipelineStatus.JobsUnavailable> {
        guard let hq else { return .failure(.init(hqProblem)) }
        do {
            return .success(
                try await hq.readHQ { hq in
                    try hq.jobRuns.latestPerJob().map {
                        PipelineStatus.Job(
                            job: $0.job, status: $0.status.rawValue, startedAt: $0.startedAt, finishedAt: $0.finishedAt,
                            counts: $0.counts, error: $0.error)
                    }
                })
        } catch {
            return .failure(.init("\(error)"))
        }
    }

    /// Dead letters kept in the operations store, per queue, with the oldest failure.
    public func keptDeadLetters() async throws -> [String: DeadLetter.Kept] {
        try await operations?.readOperations { try $0.deadLetters.keptByQueue() } ?? [:]
    }
}
