/// Who may see and pay an invoice (the seed's rule 3): a user reaches the invoices of their own
/// customer account and, when HQ names one for that customer, of its invoice account — nothing
/// else. One place, for HQ, the workers and the portal alike. A refusal never says whether the
/// invoice exists: an invoice of another account and a missing one look the same.
public struct InvoiceAccessPolicy: Sendable, Equatable {
    /// The user's own customer account.
    public var customerAccount: String
    /// The organization account whose invoices the user may also see and pay, if HQ names one.
    public var invoiceAccount: String?

    public init(customerAccount: String, invoiceAccount: String?) {
        self.customerAccount = customerAccount
        self.invoiceAccount = invoiceAccount
    }

    /// The accounts whose invoices the user reaches.
    public var accounts: [String] { [customerAccount] + (invoiceAccount.map { [$0] } ?? []) }

    /// Whether the user may see and pay an invoice owned by `owner` (nil when it does not exist).
    public func allows(invoiceOwnedBy owner: String?) -> Bool {
        guard let owner else { return false }
        return owner == customerAccount || owner == invoiceAccount
    }
}
