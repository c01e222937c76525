import RemitCore

/// What a copy of an invoice sent by e-mail shows: the invoice, its lines and where its payment stands.
public struct InvoiceCopy: Sendable, Equatable, Codable {
    public struct Line: Sendable, Equatable, Codable {
        public var description: String
        public var amount: Money

        public init(description: String, amount: Money) {
            self.description = description
            self.amount = amount
        }
    }

    /// The cash discount still open to the customer: `amount` is the discount, earned by paying what
    /// else is open by `lastDay`. The core's offer, as `SettlementRules` applies it.
    public typealias DiscountOffer = RemitCore.DiscountOffer

    public var number: String
    public var customerAccount: String
    public var customerName: String
    public var recipientName: String
    public var invoiceDate: CalendarDate
    public var dueDate: CalendarDate
    public var lines: [Line]
    public var total: Money
    /// Settled payments.
    public var paid: Money
    public var discountTaken: Money
    /// Payments announced but not yet settled.
    public var pending: Money
    public var open: Money
    /// Shown ("pay X by DATE") only when present.
    public var discountOffer: DiscountOffer?

    public init(
        number: String, customerAccount: String, customerName: String, recipientName: String, invoiceDate: CalendarDate,
        dueDate: CalendarDate, lines: [Line], total: Money, paid: Money, discountTaken: Money, pending: Money, open: Money,
        discountOffer: DiscountOffer?
    ) {
        self.number = number
        self.customerAccount = customerAccount
        self.customerName = customerName
        self.recipientName = recipientName
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
