import RemitCore

/// A customer account the seed made, as its invoices need it.
struct SeededAccount: Sendable {
    let number: String
    let terms: PaymentTerms
    let organization: String?
    let isOrganization: Bool
}
