import Foundation
import RemitCore

/// An invoice as HQ distributed it to the channel (`channel_invoice`), what the portal shows.
public struct ChannelInvoice: Sendable, Equatable, Codable {
    public var number: String
    public var customerAccount: String
    public var invoiceDate: CalendarDate
    public var dueDate: CalendarDate
    public var discountLastDay: CalendarDate?
    public var discountMinor: Int64
    public var currency: Currency
    public var totalMinor: Int64
    public var settledMinor: Int64
    public var discountTakenMinor: Int64
    public var status: InvoicePaymentStatus
    /// HQ's change time of the state shown; an older snapshot never overwrites a newer one.
    public var hqChangedAt: Date

    public init(
        number: String, customerAccount: String, invoiceDate: CalendarDate, dueDate: CalendarDate,
        discountLastDay: CalendarDate?, discountMinor: Int64, currency: Currency, totalMinor: Int64, settledMinor: Int64,
        discountTakenMinor: Int64, status: InvoicePaymentStatus, hqChangedAt: Date
    ) {
        self.number = number
        self.customerAccount = customerAccount
        self.invoiceDate = invoiceDate
        self.dueDate = dueDate
        self.discountLastDay = discountLastDay
        self.discountMinor = discountMinor
        self.currency = currency
        self.totalMinor = totalMinor
        self.settledMinor = settledMinor
        self.discountTakenMinor = discountTakenMinor
        self.status = status
        self.hqChangedAt = hqChangedAt
    }

    /// The cash discount HQ offers on this invoice, if any: its amount and the last day to earn it.
    public var discountOffer: DiscountOffer? {
        guard let discountLastDay, discountMinor > 0 else { return nil }
        return DiscountOffer(amount: Money(minorUnits: discountMinor, currency: currency), lastDay: discountLastDay)
    }
}
