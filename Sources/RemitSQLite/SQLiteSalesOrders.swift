import GRDB
import RemitCore
import RemitStore

/// HQ's sales orders (`SalesOrderQueries`) on `sales_order` and `sales_order_line`.
struct SQLiteSalesOrders: SalesOrderQueries {
    let db: Database

    func insertUnlessUploaded(_ order: SalesOrder) throws -> Bool { try order.insertUnlessUploaded(db) }
    func orders(status: SalesOrder.Status) throws -> [SalesOrder] { try SalesOrder.withStatus(status, db) }
    func openOrdersWithTerms() throws -> [(order: SalesOrder, terms: PaymentTerms)] {
        try SalesOrder.openWithTerms(db).map { ($0.order, $0.terms.terms) }
    }
    func setStatus(id: Int64, to status: SalesOrder.Status) throws { try SalesOrder.setStatus(db, id: id, to: status) }
    func insert(_ line: SalesOrderLine) throws { try line.insert(db) }
    func uninvoicedOnAccountMinor(customerAccount: String) throws -> Int64 {
        try SalesOrder.uninvoicedOnAccountMinor(db, customerAccount: customerAccount)
    }
}
