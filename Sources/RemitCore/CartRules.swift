// The storefront's rules for paying invoices and filling carts (the seed's points 3–5), as pure
// functions over amounts the caller reads from its store. The cart worker, payment posting and the
// producers' `invoice.pay` all decide through these, so a rule lives in one place.

/// A cart's rules: what may go in together, quantities, and the tender at checkout.
public enum CartRules {
    /// Units of one product on one line at most.
    public static let maximumQuantity = 9_999

    public enum LineKind: String, Sendable, Codable { case invoice, item }

    /// Whether a line of `kind` may join a cart holding `existing` lines (the seed's point 5).
    public static func checkAdding(_ kind: LineKind, to existing: [LineKind], policy: StorefrontPolicy) throws(StorefrontRefusal) {
        guard !policy.mixedCart else { return }
        switch kind {
        case .invoice where existing.contains(.item): throw .cartHoldsItems
        case .item where existing.contains(.invoice): throw .cartHoldsInvoices
        default: return
        }
    }

    public static func checkQuantity(_ quantity: Int) throws(StorefrontRefusal) {
        guard quantity >= 1, quantity <= maximumQuantity else { throw .quantityOutOfRange }
    }

    /// Why a checkout may not be charged on account at all, whatever its amount; nil when it may.
    static func onAccountRefusal(paysInvoices: Bool, allowOnAccount: Bool, policy: StorefrontPolicy) -> StorefrontRefusal? {
        if paysInvoices && !policy.onAccountForInvoices { return .onAccountNotForInvoices }
        return allowOnAccount ? nil : .onAccountNotAllowed
    }

    /// The tenders a checkout may offer the buyer: on account only when the deployment and the
    /// customer allow it (`checkTender` refuses the rest), then card.
    public static func tenders(paysInvoices: Bool, allowOnAccount: Bool, policy: StorefrontPolicy) -> [Tender] {
        onAccountRefusal(paysInvoices: paysInvoices, allowOnAccount: allowOnAccount, policy: policy) == nil
            ? [.onAccount, .card] : [.card]
    }

    /// The tender rules for a checkout (or a producer's payment) of `invoices` and `items` amounts.
    /// - Parameters:
    ///   - allowOnAccount: the customer's permission to buy and pay on account.
    ///   - headroom: the credit left on the account the charge goes to.
    public static func checkTender(
        _ tender: Tender, cardAuthorization: String?, paysInvoices: Bool, charge: Money,
        allowOnAccount: Bool, headroom: Money, policy: StorefrontPolicy
    ) throws(StorefrontRefusal) {
        switch tender {
        case .card:
            guard let reference = cardAuthorization, !reference.isEmpty else { throw .cardAuthorizationMissing }
        case .onAccount:
            if let refusal = onAccountRefusal(paysInvoices: paysInvoices, allowOnAccount: allowOnAccount, policy: policy) {
                throw refusal
            }
            guard headroom.currency == charge.currency, charge.minorUnits <= headroom.minorUnits else {
                throw .creditExceeded(needed: charge, headroom: headroom)
            }
        }
    }
}
