import Foundation
import RemitCore

/// One line of a cart (`cart_line`): an invoice to pay (amount) or a product (quantity × price).
public struct CartLine: Sendable, Equatable, Codable {
    public var id: String
    public var cartId: String
    public var position: Int
    public var kind: CartRules.LineKind
    public var invoiceNumber: String?
    public var sku: String?
    public var description: String
    public var quantity: Int
    public var unitPrice: Money
    public var amount: Money

    public init(
        id: String, cartId: String, position: Int, kind: CartRules.LineKind, invoiceNumber: String?, sku: String?,
        description: String, quantity: Int, unitPrice: Money, amount: Money
    ) {
        self.id = id
        self.cartId = cartId
        self.position = position
        self.kind = kind
        self.invoiceNumber = invoiceNumber
        self.sku = sku
        self.description = description
        self.quantity = quantity
        self.unitPrice = unitPrice
        self.amount = amount
    }
}
