import Foundation
import RemitCore

/// A collection letter HQ issued (`collection_letter`, with its invoices in
/// `collection_letter_invoice`): one per account, level and day (and part, for a long list).
public struct HQCollectionLetter: Sendable, Equatable {
    public var letterId: String
    public var customerAccount: String
    public var level: Int
    public var title: String
    public var issuedOn: CalendarDate
    public var invoiceNumbers: [String]
    public var createdAt: Date

    public init(
        letterId: String, customerAccount: String, level: Int, title: String, issuedOn: CalendarDate, invoiceNumbers: [String],
        createdAt: Date
    ) {
        self.letterId = letterId
        self.customerAccount = customerAccount
        self.level = level
        self.title = title
        self.issuedOn = issuedOn
        self.invoiceNumbers = invoiceNumbers
        self.createdAt = createdAt
    }
}
