import RemitCore

/// What only the seed writes into HQ: the payment terms, and invoices with their lines in bulk.
public protocol HQSeedWrites {
    func insert(_ terms: PaymentTerms) throws
    /// Inserts `invoices`, then `lines`, the way a million of them are written quickly.
    func insertAll(_ invoices: [HQInvoice], lines: [HQInvoiceLine]) throws
}
