import Foundation
import GRDB
import RemitStore
import RemitCore
import RemitMessages

/// A line of a sales order (`sales_order_line`).
public struct SalesOrderLine: StoredRecord, Sendable, Equatable {
    public static let databaseTableName = "sales_order_line"

    public var orderId: Int64
    public var lineNo: Int
    public var sku: String
    public var quantity: Int
    public var unitPriceMinor: Int64
    public var amountMinor: Int64

    public init(orderId: Int64, lineNo: Int, sku: String, quantity: Int, unitPriceMinor: Int64, amountMinor: Int64) {
        self.orderId = orderId
        self.lineNo = lineNo
        self.sku = sku
        self.quantity = quantity
        self.unitPriceMinor = unitPriceMinor
        self.amountMinor = amountMinor
    }

    public init(row: Row) throws {
        self.init(
            orderId: row["order_id"], lineNo: row["line_no"], sku: row["sku"], quantity: row["quantity"],
            unitPriceMinor: row["unit_price_minor"], amountMinor: row["amount_minor"])
    }
}
