import Foundation
import RemitCore

/// A customer account in HQ (`customer`).
public struct HQCustomer: Sendable, Equatable, Codable {
    public var account: String
    public var name: String
    public var email: String
    public var currency: Currency
    /// The organization account whose invoices this customer's users may also see and pay.
    public var invoiceAccount: String?
    public var allowOnAccount: Bool
    public var creditLimitMinor: Int64
    public var paymentTerms: String
    public var changedAt: Date
    /// The postal address, its lines separated by newlines; nil when HQ has none.
    public var address: String?

    public init(
        account: String, name: String, email: String, currency: Currency, invoiceAccount: String?, allowOnAccount: Bool,
        creditLimitMinor: Int64, paymentTerms: String, changedAt: Date, address: String? = nil
    ) {
        self.address = address
        self.account = account
        self.name = name
        self.email = email
        self.currency = currency
        self.invoiceAccount = invoiceAccount
        self.allowOnAccount = allowOnAccount
        self.creditLimitMinor = creditLimitMinor
        self.paymentTerms = paymentTerms
        self.changedAt = changedAt
    }

    public var creditLimit: Money { Money(minorUnits: creditLimitMinor, currency: currency) }
}
