import Foundation
import RemitCore
import RemitStore

/// What P-0001 reads and marks (`ChannelUploadQueries`) on the channel store's tables.
struct PostgresChannelUploads: ChannelUploadQueries {
    let session: PostgresSession

    func pendingTransactions(limit: Int) throws -> [ChannelTransaction] {
        try session.rows("SELECT * FROM channel_transaction WHERE uploaded_at IS NULL ORDER BY created_at, id LIMIT \(Int64(limit))")
            .map(ChannelTransaction.init(postgres:))
    }

    func pendingRequests(limit: Int) throws -> [B2BRequest] { try PostgresRequests(session: session).pending(limit: limit) }

    func markTransactionsUploaded(ids: [String], at date: Date) throws {
        try session.execute(
            "UPDATE channel_transaction SET uploaded_at = \(Timestamp.format(date)) WHERE id = ANY(\(ids)) AND uploaded_at IS NULL")
    }

    func markRequestsUploaded(ids: [String], at date: Date) throws {
        try PostgresRequests(session: session).markUploaded(ids: ids, at: date)
    }
}
