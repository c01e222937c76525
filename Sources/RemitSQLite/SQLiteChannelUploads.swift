import Foundation
import GRDB
import RemitStore

/// What P-0001 reads and marks (`ChannelUploadQueries`) on the channel store's tables.
struct SQLiteChannelUploads: ChannelUploadQueries {
    let db: Database

    func pendingTransactions(limit: Int) throws -> [ChannelTransaction] { try ChannelTransaction.pending(db, limit: limit) }
    func pendingRequests(limit: Int) throws -> [B2BRequest] { try B2BRequest.pending(db, limit: limit) }
    func markTransactionsUploaded(ids: [String], at date: Date) throws { try ChannelTransaction.markUploaded(db, ids: ids, at: date) }
    func markRequestsUploaded(ids: [String], at date: Date) throws { try B2BRequest.markUploaded(db, ids: ids, at: date) }
}
