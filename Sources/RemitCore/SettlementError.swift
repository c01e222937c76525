public enum SettlementError: Error, Sendable, Equatable, CustomStringConvertible {
    case notPositive(Money)
    case currencyMismatch(payment: Currency, invoice: Currency)
    /// The invoice's stored amounts are beyond what a settlement can add to.
    case outOfRange(Money)

    public var description: String {
        switch self {
        case .notPositive(let amount): return "a payment must be more than zero, got \(amount)"
        case .currencyMismatch(let payment, let invoice): return "payment in \(payment.code) for an invoice in \(invoice.code)"
        case .outOfRange(let due): return "the invoice's amounts (due \(due)) are out of range for a settlement"
        }
    }
}
