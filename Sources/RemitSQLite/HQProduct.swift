import Foundation
import GRDB
import RemitStore
import RemitCore
import RemitMessages

/// A product HQ sells (`product`).
public struct HQProduct: StoredRecord, Sendable, Equatable {
    public static let databaseTableName = "product"

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

    public init(row: Row) throws {
        let stored = StoredRow(row, table: Self.databaseTableName, key: row["sku"])
        sku = row["sku"]
        name = row["name"]
        priceMinor = row["price_minor"]
        currency = try stored.currency()
        changedAt = try stored.timestamp("changed_at")
    }

    public var price: Money { Money(minorUnits: priceMinor, currency: currency) }

    /// Products changed after `position`, in change order, at most `limit`.
    public static func changed(after position: DistributionPosition, limit: Int, _ db: Database) throws -> [HQProduct] {
        try filter(literal: "(changed_at, sku) > (\(position.changedAt), \(position.key))")
            .order(Column("changed_at"), Column("sku")).limit(limit).fetchAll(db)
    }
}
