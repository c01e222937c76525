import Foundation

/// What channel-updates writes from HQ's snapshots. Each "if newer" write keeps a stored snapshot
/// newer than the one offered (distribution may redeliver an older one) and says whether it wrote.
public protocol ChannelUpdateQueries {
    func storeIfNewer(_ invoice: ChannelInvoice) throws -> Bool
    /// Writes the window of lines and settlements `update` carries and drops what lies beyond its
    /// counts, so the parts of one snapshot may arrive in any order.
    func replaceDetail(_ update: InvoiceDetailUpdate) throws
    /// A channel payment HQ posted (now in `settled`) or refused: no longer pending.
    func applyHQOutcome(paymentId: String, posted: Bool, reason: String?) throws

    func storeIfNewer(_ customer: ChannelCustomer) throws -> Bool
    /// The users of `account` become `users` (they belong to the customer's snapshot).
    func replaceUsers(ofCustomer account: String, with users: [ChannelUser]) throws

    func storeIfNewer(_ product: ChannelProduct) throws -> Bool

    /// Moves a request forward to `status` (never back: completed and failed stay).
    func applyRequestChange(requestId: String, status: B2BRequest.Status, detail: String?, at: Date) throws
}
