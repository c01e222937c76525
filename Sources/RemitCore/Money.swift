/// An amount of money: integer minor units and an ISO 4217 currency. In JSON it is
/// `{"amount": "123.45", "currency": "EUR"}` — a decimal string, never a binary float.
public struct Money: Sendable, Hashable, Codable, CustomStringConvertible {
    public let minorUnits: Int64
    public let currency: Currency

    /// The most digits before the decimal point a decimal string may have (100 trillion less a unit).
    public static let maximumWholeDigits = 14

    public init(minorUnits: Int64, currency: Currency) {
        self.minorUnits = minorUnits
        self.currency = currency
    }

    /// Parses a decimal string such as `"12.30"`, `"-5"` or `"1000.5"` in the currency's minor units.
    /// More decimals than the currency has is an error, not a rounding.
    public init(decimal text: String, currency: Currency) throws(MoneyError) {
        // One pass over the UTF-8 bytes: an optional '-', digits, then optionally '.' and digits.
        var negative = false
        var whole: Int64 = 0
        var wholeDigits = 0
        var fraction: Int64 = 0
        var fractionDigits = 0
        var sawPoint = false
        for (offset, byte) in text.utf8.enumerated() {
            switch byte {
            case UInt8(ascii: "-") where offset == 0:
                negative = true
            case UInt8(ascii: ".") where !sawPoint && wholeDigits > 0:
                sawPoint = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                let digit = Int64(byte - UInt8(ascii: "0"))
                if sawPoint {
                    fractionDigits += 1
                    // Past 18 digits the value no longer matters: the checks below refuse it.
                    if fractionDigits <= 18 { fraction = fraction * 10 + digit }
                } else {
                    wholeDigits += 1
                    if wholeDigits <= 18 { whole = whole * 10 + digit }
                }
            default:
                throw .malformed(text)
            }
        }
        guard wholeDigits > 0, !sawPoint || fractionDigits > 0 else { throw .malformed(text) }
        guard fractionDigits <= currency.minorUnitDigits else { throw .tooPrecise(text, currency: currency) }
        // 14 whole digits with up to 4 decimals always fit Int64 minor units; the schema says the same.
        guard wholeDigits <= Money.maximumWholeDigits else { throw .outOfRange(text) }
        var units = whole
        for _ in 0..<currency.minorUnitDigits { units *= 10 }
        var scaledFraction = fraction
        for _ in fractionDigits..<currency.minorUnitDigits { scaledFraction *= 10 }
        units += scaledFraction
        self.init(minorUnits: negative ? -units : units, currency: currency)
    }

    /// The amount as a decimal string with exactly the currency's minor digits.
    public var decimalString: String {
        let digits = currency.minorUnitDigits
        let magnitude = minorUnits.magnitude
        let sign = minorUnits < 0 ? "-" : ""
        guard digits > 0 else { return sign + String(magnitude) }
        var scale: UInt64 = 1
        for _ in 0..<digits { scale *= 10 }
        let fraction = String(magnitude % scale)
        return sign + String(magnitude / scale) + "." + String(repeating: "0", count: digits - fraction.count) + fraction
    }

    public var description: String { "\(decimalString) \(currency.code)" }
    public var isZero: Bool { minorUnits == 0 }

    public static func zero(_ currency: Currency) -> Money { Money(minorUnits: 0, currency: currency) }

    /// Orders two amounts of the same currency. Amounts in different currencies have no order: that
    /// is an error to report, not a reason to stop the process (so `Money` is not `Comparable`).
    public func isLess(than other: Money) throws(MoneyError) -> Bool {
        guard currency == other.currency else { throw .currencyMismatch(currency, other.currency) }
        return minorUnits < other.minorUnits
    }

    public func isMore(than other: Money) throws(MoneyError) -> Bool {
        try other.isLess(than: self)
    }

    /// The amount times a count (a unit price times a quantity); throws on overflow.
    public func multiplied(by count: Int) throws(MoneyError) -> Money {
        let (product, overflow) = minorUnits.multipliedReportingOverflow(by: Int64(count))
        guard !overflow else { throw .outOfRange("\(self) × \(count)") }
        return Money(minorUnits: product, currency: currency)
    }

    /// Adds two amounts of the same currency; throws on a currency mismatch or overflow.
    public func adding(_ other: Money) throws(MoneyError) -> Money {
        guard currency == other.currency else { throw .currencyMismatch(currency, other.currency) }
        let (sum, overflow) = minorUnits.addingReportingOverflow(other.minorUnits)
        guard !overflow else { throw .outOfRange("\(self) + \(other)") }
        return Money(minorUnits: sum, currency: currency)
    }

    public func subtracting(_ other: Money) throws(MoneyError) -> Money {
        guard currency == other.currency else { throw .currencyMismatch(currency, other.currency) }
        let (difference, overflow) = minorUnits.subtractingReportingOverflow(other.minorUnits)
        guard !overflow else { throw .outOfRange("\(self) - \(other)") }
        return Money(minorUnits: difference, currency: currency)
    }

    enum CodingKeys: String, CodingKey { case amount, currency }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let currency = try container.decode(Currency.self, forKey: .currency)
        let amount = try container.decode(String.self, forKey: .amount)
        do {
            try self.init(decimal: amount, currency: currency)
        } catch {
            throw DecodingError.dataCorruptedError(forKey: .amount, in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(decimalString, forKey: .amount)
        try container.encode(currency, forKey: .currency)
    }
}
