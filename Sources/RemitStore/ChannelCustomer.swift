import Foundation
import RemitCore

/// A customer as HQ distributed it to the channel (`channel_customer`).
public struct ChannelCustomer: Sendable, Equatable, Codable {
    public var account: String
    public var name: String
    public var email: String
    public var currency: String
    public var invoiceAccount: String?
    public var allowOnAccount: Bool
    public var creditLimitMinor: Int64
    /// HQ's change time of this snapshot; an older snapshot never overwrites a newer one.
    public var hqChangedAt: Date
    /// The postal address, lines separated by newlines; nil when HQ has none.
    public var address: String?

    public init(
        account: String, name: String, email: String, currency: String, invoiceAccount: String?, allowOnAccount: Bool,
        creditLimitMinor: Int64, hqChangedAt: Date, address: String? = nil
    ) {
        self.address = address
        self.account = account
        self.name = name
        self.email = email
        self.currency = currency
        self.invoiceAccount = invoiceAccount
        self.allowOnAccount = allowOnAccount
        self.creditLimitMinor = creditLimitMinor
        self.hqChangedAt = hqChangedAt
    }
}
