import Foundation
import RemitCore

/// Products HQ sells, as the channel's cart prices them.
public struct ProductsChanged: MessageBody, Equatable {
    public static let messageType = "channel.products.changed"
    public static let schemaVersion = 1
    public struct Product: Sendable, Codable, Equatable {
        public var sku: String
        public var name: String
        public var price: Money
        public var changedAt: Date
        public init(sku: String, name: String, price: Money, changedAt: Date) {
            self.sku = sku
            self.name = name
            self.price = price
            self.changedAt = changedAt
        }
    }
    public var products: [Product]
    public init(products: [Product]) { self.products = products }
}
