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
}
