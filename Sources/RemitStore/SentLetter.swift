import Foundation
import RemitCore

/// A collection letter as the buyer sees it (`sent_letter`, its invoices in `sent_letter_invoice`):
/// written by e-mail dispatch when the mail server accepted it, with the invoices it listed.
public struct SentLetter: Sendable, Equatable {
    public var letterId: String
    public var customerAccount: String
    public var level: Int
    public var title: String
    public var issuedOn: CalendarDate
    public var sentAt: Date
    /// The invoices the e-mail listed, by number.
    public var invoiceNumbers: [String]

    public init(
        letterId: String, customerAccount: String, level: Int, title: String, issuedOn: CalendarDate, sentAt: Date,
        invoiceNumbers: [String]
    ) {
        self.letterId = letterId
        self.customerAccount = customerAccount
        self.level = level
        self.title = title
        self.issuedOn = issuedOn
        self.sentAt = sentAt
        self.invoiceNumbers = invoiceNumbers
    }

    /// "First reminder, 2026-12-31": the letter as a row of the Invoices page names it.
    public var label: String { "\(title), \(CalendarDate(sentAt))" }
}
