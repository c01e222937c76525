import Foundation
import RemitCore

/// An invoice as HQ has it, distributed to the channel.
public struct InvoiceSnapshot: Sendable, Codable, Equatable {
    public var number: String
    public var customerAccount: String
    public var invoiceDate: CalendarDate
    public var dueDate: CalendarDate
    public var discountLastDay: CalendarDate?
    public var discount: Money
    public var total: Money
    public var settled: Money
    public var discountTaken: Money
    /// HQ's time of this state; the channel keeps the newest.
    public var changedAt: Date
    /// What became of the channel's payments for this invoice: settled in `settled`, or refused.
    /// The channel shows a payment as pending until it appears here.
    public var payments: [PaymentOutcome]?
    /// The invoice's lines, for the portal's detail page (absent from senders before 0.5).
    public var lines: [InvoiceDocument.Line]?
    /// What HQ's postings did to the invoice, oldest first (absent from senders before 0.5).
    public var settlements: [Settlement]?
    /// Set when the invoice's lists are too long for one item: which window of them this item
    /// carries (`parts(maximumListItems:)`). Absent: the lists are whole.
    public var part: Part?

    /// At most this many payments, lines and settlements travel in one item (the schema's `maxItems`).
    public static let maximumListItems = 1000

    /// The window of a long invoice's lists one item carries: its lines from position `linesFrom`
    /// (1-based) of `lineCount` in all, its settlements from `settlementsFrom` of `settlementCount`.
    /// Every item of one invoice has the same `changedAt` and the same amounts; the channel writes
    /// each window where it belongs, in any order, and drops what lies beyond the counts.
    public struct Part: Sendable, Codable, Equatable {
        public var linesFrom: Int
        public var lineCount: Int
        public var settlementsFrom: Int
        public var settlementCount: Int
        public init(linesFrom: Int, lineCount: Int, settlementsFrom: Int, settlementCount: Int) {
            self.linesFrom = linesFrom
            self.lineCount = lineCount
            self.settlementsFrom = settlementsFrom
            self.settlementCount = settlementCount
        }
    }

    /// This snapshot as items that each fit the schema: itself when every list is short enough,
    /// else one item per window of `maximumListItems` of each list (payments' outcomes are spread
    /// the same way; they only accrue, so where each travels does not matter).
    public func parts(maximumListItems: Int = InvoiceSnapshot.maximumListItems) -> [InvoiceSnapshot] {
        let payments = payments ?? []
        let lines = lines ?? []
        let settlements = settlements ?? []
        let longest = max(payments.count, lines.count, settlements.count)
        guard longest > maximumListItems else { return [self] }
        func window<Element>(_ list: [Element], _ start: Int) -> [Element] {
            start < list.count ? Array(list[start..<min(start + maximumListItems, list.count)]) : []
        }
        return stride(from: 0, to: longest, by: maximumListItems).map { start in
            var item = self
            item.payments = window(payments, start)
            item.lines = self.lines.map { _ in window(lines, start) }
            item.settlements = self.settlements.map { _ in window(settlements, start) }
            item.part = Part(
                linesFrom: start + 1, lineCount: lines.count, settlementsFrom: start + 1, settlementCount: settlements.count)
            return item
        }
    }

    /// How much an item weighs in a message: itself and every list entry it carries.
    public var weight: Int { 1 + (payments?.count ?? 0) + (lines?.count ?? 0) + (settlements?.count ?? 0) }

    /// One posting against the invoice: the amount it settled, the cash discount it granted, and the
    /// channel payment it came from.
    public struct Settlement: Sendable, Codable, Equatable {
        public var settledOn: CalendarDate
        public var settled: Money
        public var discount: Money
        public var paymentId: String
        public init(settledOn: CalendarDate, settled: Money, discount: Money, paymentId: String) {
            self.settledOn = settledOn
            self.settled = settled
            self.discount = discount
            self.paymentId = paymentId
        }
    }

    /// One channel payment as HQ posted or refused it.
    public struct PaymentOutcome: Sendable, Codable, Equatable {
        public var paymentId: String
        public var posted: Bool
        /// Why HQ refused it.
        public var reason: String?
        public init(paymentId: String, posted: Bool, reason: String? = nil) {
            self.paymentId = paymentId
            self.posted = posted
            self.reason = reason
        }
    }

    public init(
        number: String, customerAccount: String, invoiceDate: CalendarDate, dueDate: CalendarDate,
        discountLastDay: CalendarDate?, discount: Money, total: Money, settled: Money, discountTaken: Money,
        changedAt: Date, payments: [PaymentOutcome]? = nil, lines: [InvoiceDocument.Line]? = nil,
        settlements: [Settlement]? = nil, part: Part? = nil
    ) {
        self.part = part
        self.payments = payments
        self.lines = lines
        self.settlements = settlements
        self.number = number
        self.customerAccount = customerAccount
        self.invoiceDate = invoiceDate
        self.dueDate = dueDate
        self.discountLastDay = discountLastDay
        self.discount = discount
        self.total = total
        self.settled = settled
        self.discountTaken = discountTaken
        self.changedAt = changedAt
    }

    public var amounts: InvoiceAmounts { InvoiceAmounts(due: total, settled: settled, discountTaken: discountTaken) }
}
