import Foundation
import GRDB
import RemitCore
import RemitStore

/// The distribution watermarks (`distribution_state`), moved in the transaction that publishes.
public struct DistributionWatermark: StoredRecord, Sendable, Equatable {
    public static let databaseTableName = "distribution_state"

    public var stream: DistributionStream
    /// `changedAt|key` of the position.
    public var distributedUntil: String

    public init(row: Row) throws {
        let stored = StoredRow(row, table: Self.databaseTableName, key: row["stream"])
        stream = try stored.value("stream", as: DistributionStream.self)
        distributedUntil = row["distributed_until"]
    }

    init(stream: DistributionStream, position: DistributionPosition) {
        self.stream = stream
        distributedUntil = "\(position.changedAt)|\(position.key)"
    }

    /// Where `stream` continues; `.start` before its first run.
    public static func position(_ db: Database, of stream: DistributionStream) throws -> DistributionPosition {
        guard let watermark = try fetchOne(db, primaryKey: stream.rawValue) else { return .start }
        let parts = watermark.distributedUntil.split(separator: "|", maxSplits: 1).map(String.init)
        return DistributionPosition(changedAt: parts.first ?? "", key: parts.count > 1 ? parts[1] : "")
    }

    public static func move(_ db: Database, _ stream: DistributionStream, to position: DistributionPosition) throws {
        try DistributionWatermark(stream: stream, position: position).upsert(db)
    }
}
