import Foundation
import RemitCore

/// A product as HQ distributed it (`channel_product`).
public struct ChannelProduct: Sendable, Equatable, Codable {
    public var sku: String
    public var name: String
    public var price: Money
    public var hqChangedAt: Date

    public init(sku: String, name: String, price: Money, hqChangedAt: Date) {
        self.sku = sku
        self.name = name
        self.price = price
        self.hqChangedAt = hqChangedAt
    }
}
