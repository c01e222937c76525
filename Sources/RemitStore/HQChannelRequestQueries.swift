import Foundation

/// The B2B requests HQ received from the channel: uploaded by P-0001, processed by synchronization,
/// reported back by distribution.
public protocol HQChannelRequestQueries {
    /// Stores an uploaded request unless its id is known; returns whether it was new.
    func insertUnlessUploaded(_ request: HQChannelRequest) throws -> Bool
    /// Requests not processed yet, in the order they arrived.
    func received() throws -> [HQChannelRequest]
    /// Requests processed (or failed) after `position`, in change order, at most `limit`.
    func changedRequests(after position: DistributionPosition, limit: Int) throws -> [HQChannelRequest]
    /// The requests of `ids` HQ has (an unknown id is left out).
    func requests(ids: [String]) throws -> [HQChannelRequest]
    func finish(requestId: String, status: HQChannelRequest.Status, detail: String?, at: Date) throws
}
