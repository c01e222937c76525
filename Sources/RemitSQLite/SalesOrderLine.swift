import Foundation
import GRDB
import RemitCore
import RemitStore

// SalesOrderLine in its SQLite table (`sales_order_line`).
extension SalesOrderLine: StoredRecord {
    public static let databaseTableName = "sales_order_line"

    public init(row: Row) throws {
        self.init(
            orderId: row["order_id"], lineNo: row["line_no"], sku: row["sku"], quantity: row["quantity"],
            unitPriceMinor: row["unit_price_minor"], amountMinor: row["amount_minor"])
    }
}
