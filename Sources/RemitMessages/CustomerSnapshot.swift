import Foundation
import RemitCore

public struct CustomerSnapshot: Sendable, Codable, Equatable {
    /// A B2B user as HQ knows them. No credential: passwords are set on the channel side, so no
    /// hash travels on the broker (where it would stay in dead letters and inboxes).
    public struct User: Sendable, Codable, Equatable {
        public var login: String
        public var displayName: String
        public var email: String
        public init(login: String, displayName: String, email: String) {
            self.login = login
            self.displayName = displayName
            self.email = email
        }
    }

    public var account: String
    public var name: String
    public var email: String
    public var currency: String
    public var invoiceAccount: String?
    public var allowOnAccount: Bool
    public var creditLimit: Money
    public var users: [User]
    public var changedAt: Date
    /// The postal address, lines separated by newlines (printed on invoices); nil when HQ has none.
    public var address: String?

    public init(
        account: String, name: String, email: String, currency: String, invoiceAccount: String?,
        allowOnAccount: Bool, creditLimit: Money, users: [User], changedAt: Date, address: String? = nil
    ) {
        self.address = address
        self.account = account
        self.name = name
        self.email = email
        self.currency = currency
        self.invoiceAccount = invoiceAccount
        self.allowOnAccount = allowOnAccount
        self.creditLimit = creditLimit
        self.users = users
        self.changedAt = changedAt
    }
}
