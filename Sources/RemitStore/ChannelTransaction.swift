import Foundation
import RemitCore

/// A payment or an order on account the channel took and has to upload to HQ (`channel_transaction`).
public struct ChannelTransaction: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable { case invoicePayment = "invoice-payment", orderOnAccount = "order-on-account" }

    public var id: String
    public var kind: Kind
    public var customerAccount: String
    public var userLogin: String
    public var invoiceNumber: String?
    public var amount: Money
    public var tender: String
    /// Order lines (sku, quantity, unit price) for orders on account.
    public var lines: [OrderLine]
    public var createdAt: Date

    public struct OrderLine: Sendable, Equatable, Codable {
        public var sku: String
        public var quantity: Int
        public var unitPrice: Money
        public init(sku: String, quantity: Int, unitPrice: Money) {
            self.sku = sku
            self.quantity = quantity
            self.unitPrice = unitPrice
        }
    }

    public init(
        id: String, kind: Kind, customerAccount: String, userLogin: String, invoiceNumber: String?, amount: Money,
        tender: String, lines: [OrderLine] = [], createdAt: Date
    ) {
        self.id = id
        self.kind = kind
        self.customerAccount = customerAccount
        self.userLogin = userLogin
        self.invoiceNumber = invoiceNumber
        self.amount = amount
        self.tender = tender
        self.lines = lines
        self.createdAt = createdAt
    }
}
