import Foundation
import GRDB
import RemitCore
import RemitStore

// HQProduct in its SQLite table (`product`).
extension HQProduct: StoredRecord {
    public static let databaseTableName = "product"

    public init(row: Row) throws {
        let stored = StoredRow(row, table: Self.databaseTableName, key: row["sku"])
        self.init(
            sku: row["sku"], name: row["name"], price: Money(minorUnits: row["price_minor"], currency: try stored.currency()),
            changedAt: try stored.timestamp("changed_at"))
    }

    /// Products changed after `position`, in change order, at most `limit`.
    public static func changed(after position: DistributionPosition, limit: Int, _ db: Database) throws -> [HQProduct] {
        try filter(literal: "(changed_at, sku) > (\(position.changedAt), \(position.key))")
            .order(Column("changed_at"), Column("sku")).limit(limit).fetchAll(db)
    }
}
