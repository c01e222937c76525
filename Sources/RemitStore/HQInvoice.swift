import Foundation
import RemitCore

/// An invoice in HQ, the system of record for what a customer owes (`invoice`).
public struct HQInvoice: Sendable, Equatable, Codable {
    public var number: String
    public var customerAccount: String
    /// The sales order invoiced; nil for invoices from before the channel.
    public var orderId: Int64?
    public var invoiceDate: CalendarDate
    public var dueDate: CalendarDate
    public var discountLastDay: CalendarDate?
    public var discountMinor: Int64
    public var currency: Currency
    public var totalMinor: Int64
    public var settledMinor: Int64
    public var discountTakenMinor: Int64
    public var changedAt: Date

    public init(
        number: String, customerAccount: String, orderId: Int64? = nil, invoiceDate: CalendarDate, dueDate: CalendarDate,
        discountLastDay: CalendarDate?, discountMinor: Int64, currency: Currency, totalMinor: Int64, settledMinor: Int64 = 0,
        discountTakenMinor: Int64 = 0, changedAt: Date
    ) {
        self.number = number
        self.customerAccount = customerAccount
        self.orderId = orderId
        self.invoiceDate = invoiceDate
        self.dueDate = dueDate
        self.discountLastDay = discountLastDay
        self.discountMinor = discountMinor
        self.currency = currency
        self.totalMinor = totalMinor
        self.settledMinor = settledMinor
        self.discountTakenMinor = discountTakenMinor
        self.changedAt = changedAt
    }

    public var total: Money { Money(minorUnits: totalMinor, currency: currency) }
    public var discount: Money { Money(minorUnits: discountMinor, currency: currency) }
    public var settled: Money { Money(minorUnits: settledMinor, currency: currency) }
    public var discountTaken: Money { Money(minorUnits: discountTakenMinor, currency: currency) }
}
