import Foundation
import RemitClient
import RemitPostgres
import RemitSQLite
import RemitStore

extension ClickTrace {
    /// The steps of the click with correlation id or message id `id` in the stores `configuration`
    /// names: the channel store on PostgreSQL when `store-url` is set (else the data directory's
    /// file), and the data directory's HQ store, those that exist.
    public static func read(id: String, configuration: RemitConfiguration) async throws -> (correlationId: String, steps: [Step]) {
        guard let text = configuration[.storeURL], !text.isEmpty else {
            return try await read(id: id, dataDirectory: configuration.dataDirectory)
        }
        var sources: [any ClickTraceSource] = [try PostgresChannelStore(url: try PostgresStoreURL(text))]
        if FileManager.default.fileExists(atPath: "\(configuration.dataDirectory)/\(HQStore.fileName)") {
            sources.append(try HQStore(dataDirectory: configuration.dataDirectory, readOnly: true))
        }
        return try await read(id: id, from: sources)
    }

    /// The steps of the click with correlation id or message id `id` across the stores of
    /// `dataDirectory` that exist, read-only.
    public static func read(id: String, dataDirectory: String) async throws -> (correlationId: String, steps: [Step]) {
        func exists(_ file: String) -> Bool { FileManager.default.fileExists(atPath: "\(dataDirectory)/\(file)") }
        var sources: [any ClickTraceSource] = []
        if exists(ChannelStore.fileName) { sources.append(try ChannelStore(dataDirectory: dataDirectory, readOnly: true)) }
        if exists(HQStore.fileName) { sources.append(try HQStore(dataDirectory: dataDirectory, readOnly: true)) }
        return try await read(id: id, from: sources)
    }

    /// A click's steps from `sources` (the channel store first: HQ's steps follow the payment and
    /// request ids it found). `id` is the click's correlation id, or the message id of one of its
    /// messages (a producer's command id; for a portal click the two are the same). The correlation
    /// id the steps were found under, and the steps in order; none when nothing is recorded.
    public static func read(id: String, from sources: [any ClickTraceSource]) async throws -> (correlationId: String, steps: [Step]) {
        var steps = try await read(correlationId: id, from: sources)
        guard steps.isEmpty else { return (id, steps) }
        var correlationId: String?
        for source in sources where correlationId == nil { correlationId = try await source.correlationId(ofMessage: id) }
        guard let correlationId, correlationId != id else { return (id, []) }
        steps = try await read(correlationId: correlationId, from: sources)
        return (correlationId, steps)
    }

    static func read(correlationId: String, from sources: [any ClickTraceSource]) async throws -> [Step] {
        var found = Found()
        for source in sources { found = try await source.steps(correlationId: correlationId, following: found) }
        return found.steps.sorted(by: Step.inOrder)
    }
}
