import Foundation

/// What P-0001 reads from the channel store and marks once HQ holds it.
public protocol ChannelUploadQueries {
    /// Payments and orders not yet uploaded, oldest first.
    func pendingTransactions(limit: Int) throws -> [ChannelTransaction]
    /// B2B requests not yet uploaded, oldest first.
    func pendingRequests(limit: Int) throws -> [B2BRequest]
    func markTransactionsUploaded(ids: [String], at: Date) throws
    func markRequestsUploaded(ids: [String], at: Date) throws
}
