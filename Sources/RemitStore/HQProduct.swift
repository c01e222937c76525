import Foundation
import RemitCore

/// A product HQ sells (`product`).
public struct HQProduct: Sendable, Equatable, Codable {
    public var sku: String
    public var name: String
    public var priceMinor: Int64
    public var currency: Currency
    public var changedAt: Date

    public init(sku: String, name: String, price: Money, changedAt: Date) {
        self.sku = sku
        self.name = name
        priceMinor = price.minorUnits
        currency = price.currency
        self.changedAt = changedAt
    }

    public var price: Money { Money(minorUnits: priceMinor, currency: currency) }
}
