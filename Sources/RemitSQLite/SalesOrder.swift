import Foundation
import GRDB
import RemitCore
import RemitStore

// SalesOrder in its SQLite table (`sales_order`).
extension SalesOrder: StoredRecord {
    public static let databaseTableName = "sales_order"

    public enum Columns {
        public static let id = Column("id")
        public static let customerAccount = Column("customer_account")
        public static let channelOrderId = Column("channel_order_id")
        public static let onAccount = Column("on_account")
        public static let status = Column("status")
        public static let totalMinor = Column("total_minor")
    }

    public init(row: Row) throws {
        let stored = StoredRow(row, table: Self.databaseTableName, key: "\(row["id"] as Int64)")
        self.init(
            id: row["id"], orderNumber: row["order_number"], customerAccount: row["customer_account"],
            channelOrderId: row["channel_order_id"], orderedOn: try stored.date("ordered_on"), onAccount: row["on_account"],
            status: try stored.value("status", as: Status.self), totalMinor: row["total_minor"], currency: try stored.currency(),
            lines: row["lines"])
    }

    /// Stores an order the channel uploaded, unless its channel id is known; returns whether it was new.
    public func insertUnlessUploaded(_ db: Database) throws -> Bool {
        try insertUnlessKnown(db, key: Columns.channelOrderId)
    }

    public static func withStatus(_ status: Status, _ db: Database) throws -> [SalesOrder] {
        try filter(Columns.status == status.rawValue).order(Columns.id).fetchAll(db)
    }

    /// Open orders with the payment terms of their customer, oldest first.
    public static func openWithTerms(_ db: Database) throws -> [(order: SalesOrder, terms: HQPaymentTerms)] {
        // The two tables share no column name, so each record reads its own columns of the joined row.
        try Row.fetchAll(
            db,
            sql: """
                SELECT o.*, t.* FROM sales_order o JOIN customer c ON c.account = o.customer_account
                JOIN payment_terms t ON t.code = c.payment_terms
                WHERE o.status = ? ORDER BY o.id
                """, arguments: [Status.open.rawValue]
        ).map { row in (try SalesOrder(row: row), try HQPaymentTerms(row: row)) }
    }

    public static func setStatus(_ db: Database, id: Int64, to status: Status) throws {
        try filter(key: id).updateAll(db, Columns.status.set(to: status.rawValue))
    }

    /// Orders on account not invoiced yet, in minor units: they use credit before they are invoices.
    public static func uninvoicedOnAccountMinor(_ db: Database, customerAccount: String) throws -> Int64 {
        try filter(Columns.customerAccount == customerAccount && Columns.onAccount && Columns.status != Status.invoiced.rawValue)
            .select(sum(Columns.totalMinor), as: Int64.self).fetchOne(db) ?? 0
    }
}
