import RemitCore

/// An item a later job carries on — a channel transaction P-0001 uploads, a B2B request, a payment
/// the sync job posts, an invoice distribution sends — named for the trace context kept for it.
public struct TracedItem: Sendable, Hashable {
    public enum Kind: String, Sendable, CaseIterable {
        /// A channel transaction (a payment or an order on account), by its id.
        case transaction
        /// A B2B request, by its id (in the channel store, then in HQ: for the sync job, then for
        /// distribution).
        case request
        /// A payment uploaded into HQ, by the channel's payment id.
        case payment
        /// An invoice HQ changed, by its number: what distribution sends next.
        case invoice
    }

    public var kind: Kind
    public var key: String

    public init(_ kind: Kind, _ key: String) {
        self.kind = kind
        self.key = key
    }
}
