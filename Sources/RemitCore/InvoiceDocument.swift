import Foundation

/// An invoice as a document shows it — its copy by e-mail, say: header, lines, and where its
/// payment stands. HQ fills it when it processes a copy request; the mail renders it.
public struct InvoiceDocument: Sendable, Equatable, Codable {
    public struct Line: Sendable, Equatable, Codable {
        public var description: String
        public var amount: Money

        public init(description: String, amount: Money) {
            self.description = description
            self.amount = amount
        }
    }

    public var number: String
    public var customerAccount: String
    public var customerName: String
    /// The customer's postal address, a line each (at most `maximumAddressLines` of
    /// `maximumAddressLength` characters); nil or empty when unknown.
    public var customerAddress: [String]?
    public var invoiceDate: CalendarDate
    public var dueDate: CalendarDate
    public var lines: [Line]
    public var total: Money
    /// Settled payments.
    public var paid: Money
    public var discountTaken: Money
    /// Payments received and not posted yet.
    public var pending: Money
    public var open: Money
    /// The cash discount still on offer (`amount` is the discount, as `SettlementRules` grants it);
    /// shown ("pay X by DATE") only when present.
    public var discountOffer: DiscountOffer?

    public init(
        number: String, customerAccount: String, customerName: String, invoiceDate: CalendarDate, dueDate: CalendarDate,
        lines: [Line], total: Money, paid: Money, discountTaken: Money, pending: Money, open: Money, discountOffer: DiscountOffer?
    ) {
        self.number = number
        self.customerAccount = customerAccount
        self.customerName = customerName
        self.invoiceDate = invoiceDate
        self.dueDate = dueDate
        self.lines = lines
        self.total = total
        self.paid = paid
        self.discountTaken = discountTaken
        self.pending = pending
        self.open = open
        self.discountOffer = discountOffer
    }

    public static let maximumAddressLines = 6
    public static let maximumAddressLength = 120

    /// An address held as text (lines separated by newlines) as a document carries it: blank lines
    /// dropped, at most `maximumAddressLines` lines of `maximumAddressLength` code points (what the
    /// message schemas count; a character of several, a flag say, is kept whole or left out),
    /// control characters removed. Nil for no address.
    public static func addressLines(_ text: String?) -> [String]? {
        guard let text else { return nil }
        let lines = text.split(whereSeparator: \.isNewline).map { line in
            let printable = String(line.unicodeScalars.filter { $0.properties.generalCategory != .control })
            return clipped(printable.trimmingCharacters(in: .whitespaces), toCodePoints: maximumAddressLength)
        }.filter { !$0.isEmpty }
        return lines.isEmpty ? nil : Array(lines.prefix(maximumAddressLines))
    }

    /// The longest start of `text` of whole characters with at most `limit` code points.
    static func clipped(_ text: String, toCodePoints limit: Int) -> String {
        var count = 0
        var end = text.startIndex
        for character in text {
            count += character.unicodeScalars.count
            if count > limit { break }
            end = text.index(after: end)
        }
        return String(text[..<end])
    }
}
