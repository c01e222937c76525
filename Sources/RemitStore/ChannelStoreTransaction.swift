/// A transaction on the channel store: the inbox, and the queries of each part that works there.
public protocol ChannelStoreTransaction: StoreTransaction {
    /// Cart validation, payment posting, invoice requests, e-mail dispatch, smoke.
    var storefront: any StorefrontQueries { get }
    /// What channel-updates writes from HQ's snapshots.
    var channelUpdates: any ChannelUpdateQueries { get }
    /// What P-0001 reads and marks.
    var uploads: any ChannelUploadQueries { get }
    /// What buyers see (the portal's reads), and the checks the commands share with it.
    var buyerViews: any BuyerViewQueries { get }
    /// Users' sign-in secrets, as `remit users` and the seed set them.
    var credentials: any ChannelCredentialQueries { get }
    /// The portal's sign-in sessions, shared by every portal process.
    var sessions: any PortalSessionQueries { get }
    /// Failed sign-ins, counted alike by every portal process.
    var signInFailures: any SignInFailureQueries { get }
    /// The trace contexts kept for items the next job carries on.
    var traceContexts: any TraceContextQueries { get }
}

extension StoreTransaction {
    /// This transaction as the channel store's.
    public func channel() throws -> any ChannelStoreTransaction {
        guard let channel = self as? any ChannelStoreTransaction else {
            throw WrongStoreTransaction(expected: "channel store", given: "\(type(of: self))")
        }
        return channel
    }
}
