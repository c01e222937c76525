import Foundation
import RemitCore

/// Send a collection letter to a customer account's address: one letter per account, level and
/// day, listing the account's invoices due that letter (a long list goes in parts). The body
/// carries the invoices as HQ had them; e-mail dispatch leaves out what was paid or covered since.
public struct EmailLetter: MessageBody, Equatable {
    public static let messageType = "email.letter"
    public static let schemaVersion = 1
    /// At most this many invoices, and at most `maximumLines` of their lines, per letter.
    public static let maximumInvoices = 25
    public static let maximumLines = 2_000

    /// The letter's key in HQ and in the e-mail ledger: the same for every attempt at it.
    public var letterId: String
    public var to: String
    public var recipientName: String
    public var customerAccount: String
    public var level: Int
    public var title: String
    public var issuedOn: CalendarDate
    /// This letter's part (1-based) of `parts`, when the account's invoices did not fit in one.
    public var part: Int
    public var parts: Int
    public var invoices: [InvoiceDocument]

    public init(
        letterId: String, to: String, recipientName: String, customerAccount: String, level: Int, title: String,
        issuedOn: CalendarDate, part: Int = 1, parts: Int = 1, invoices: [InvoiceDocument]
    ) {
        self.letterId = letterId
        self.to = to
        self.recipientName = recipientName
        self.customerAccount = customerAccount
        self.level = level
        self.title = title
        self.issuedOn = issuedOn
        self.part = part
        self.parts = parts
        self.invoices = invoices
    }
}
