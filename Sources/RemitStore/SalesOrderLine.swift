/// A line of a sales order (`sales_order_line`).
public struct SalesOrderLine: Sendable, Equatable, Codable {
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
}
