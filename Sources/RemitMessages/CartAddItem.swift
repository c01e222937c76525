import Foundation
import RemitCore

public struct CartAddItem: MessageBody, Equatable {
    public static let messageType = "cart.add-item"
    public static let schemaVersion = 1
    public var user: String
    public var sku: String
    public var quantity: Int
    public init(user: String, sku: String, quantity: Int) {
        self.user = user
        self.sku = sku
        self.quantity = quantity
    }
}
