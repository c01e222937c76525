/// A deployment's choices where the seed leaves room.
public struct StorefrontPolicy: Sendable, Equatable {
    /// Lifts the seed's cart rule: one cart may hold invoices and items, and one checkout then yields
    /// an order and invoice payments together. Off by default (the seed's rule).
    public var mixedCart: Bool
    /// Whether invoices may be paid on account. The Dutch seed says yes, the vendor's English page
    /// says no; the default follows the seed.
    public var onAccountForInvoices: Bool
    /// A second copy request for the same invoice by the same user within this many seconds is merged
    /// into the first.
    public var requestMergeSeconds: Int

    public init(mixedCart: Bool = false, onAccountForInvoices: Bool = true, requestMergeSeconds: Int = 300) {
        self.mixedCart = mixedCart
        self.onAccountForInvoices = onAccountForInvoices
        self.requestMergeSeconds = requestMergeSeconds
    }
}
