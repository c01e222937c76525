import Foundation
import RemitCore

/// A payment the channel uploaded, waiting in HQ's payment journal to be posted to its invoice
/// (`payment_journal_line`).
public struct PaymentJournalLine: Sendable, Equatable, Codable {
    /// Assigned by the store on insert.
    public var id: Int64?
    /// The channel's payment id: uploading the same payment twice is a no-op.
    public var channelPaymentId: String
    public var customerAccount: String
    public var invoiceNumber: String?
    public var amountMinor: Int64
    public var currency: Currency
    public var paidOn: CalendarDate
    public var tender: String
    public var uploadedAt: Date
    public var postedAt: Date?
    /// Why the payment could not be posted.
    public var failure: String?

    /// A payment as uploaded: neither posted nor failed.
    public init(
        channelPaymentId: String, customerAccount: String, invoiceNumber: String?, amount: Money, paidOn: CalendarDate,
        tender: String, uploadedAt: Date
    ) {
        self.init(
            id: nil, channelPaymentId: channelPaymentId, customerAccount: customerAccount, invoiceNumber: invoiceNumber,
            amountMinor: amount.minorUnits, currency: amount.currency, paidOn: paidOn, tender: tender, uploadedAt: uploadedAt,
            postedAt: nil, failure: nil)
    }

    /// A journal line as stored.
    public init(
        id: Int64?, channelPaymentId: String, customerAccount: String, invoiceNumber: String?, amountMinor: Int64,
        currency: Currency, paidOn: CalendarDate, tender: String, uploadedAt: Date, postedAt: Date?, failure: String?
    ) {
        self.id = id
        self.channelPaymentId = channelPaymentId
        self.customerAccount = customerAccount
        self.invoiceNumber = invoiceNumber
        self.amountMinor = amountMinor
        self.currency = currency
        self.paidOn = paidOn
        self.tender = tender
        self.uploadedAt = uploadedAt
        self.postedAt = postedAt
        self.failure = failure
    }

    public var amount: Money { Money(minorUnits: amountMinor, currency: currency) }
}
