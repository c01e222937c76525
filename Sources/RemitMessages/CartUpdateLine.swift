import Foundation
import RemitCore

/// Change the amount of an invoice line or the quantity of an item line.
public struct CartUpdateLine: MessageBody, Equatable {
    public static let messageType = "cart.update-line"
    public static let schemaVersion = 1
    public var user: String
    public var lineId: String
    public var amount: Money?
    public var quantity: Int?
    public init(user: String, lineId: String, amount: Money? = nil, quantity: Int? = nil) {
        self.user = user
        self.lineId = lineId
        self.amount = amount
        self.quantity = quantity
    }
}
