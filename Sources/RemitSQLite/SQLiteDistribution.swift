import Foundation
import GRDB
import RemitStore

/// Distribution's watermarks and held records (`DistributionQueries`) on `distribution_state` and
/// `distribution_held`.
struct SQLiteDistribution: DistributionQueries {
    let db: Database

    func position(of stream: DistributionStream) throws -> DistributionPosition {
        try DistributionWatermark.position(db, of: stream)
    }
    func move(_ stream: DistributionStream, to position: DistributionPosition) throws {
        try DistributionWatermark.move(db, stream, to: position)
    }
    func heldKeys(of stream: DistributionStream) throws -> [String] { try DistributionHold.keys(db, of: stream) }
    func hold(_ stream: DistributionStream, key: String, reason: String, at date: Date) throws {
        try DistributionHold.hold(db, stream, key: key, reason: reason, at: date)
    }
    func release(_ stream: DistributionStream, key: String) throws { try DistributionHold.release(db, stream, key: key) }
    func holds() throws -> [DistributionHold] { try DistributionHold.all(db) }
}
