public enum MoneyError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformed(String)
    case tooPrecise(String, currency: Currency)
    case outOfRange(String)
    case unknownCurrency(String)
    case currencyMismatch(Currency, Currency)

    public var description: String {
        switch self {
        case .malformed(let text): return "'\(text)' is not a decimal amount (write it like \"123.45\")"
        case .tooPrecise(let text, let currency):
            return "'\(text)' has more decimals than \(currency.code) allows (\(currency.minorUnitDigits))"
        case .outOfRange(let text): return "'\(text)' is out of range"
        case .unknownCurrency(let code): return "'\(code)' is not an ISO 4217 currency code"
        case .currencyMismatch(let a, let b): return "cannot combine \(a.code) with \(b.code)"
        }
    }
}
