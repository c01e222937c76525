/// How one payment settles one invoice.
public struct Settlement: Sendable, Equatable {
    /// Applied to the invoice.
    public var settled: Money
    /// Cash discount granted with this payment.
    public var discount: Money
    /// Part of the payment the invoice did not need (an overpayment); never applied.
    public var unapplied: Money
    /// The invoice after this payment.
    public var after: InvoiceAmounts
}
