import Foundation
import GRDB
import RemitCore
import RemitStore

// HQInvoice in its SQLite table (`invoice`).
extension HQInvoice: StoredRecord {
    public static let databaseTableName = "invoice"

    public enum Columns {
        public static let number = Column("number")
        public static let customerAccount = Column("customer_account")
        public static let totalMinor = Column("total_minor")
        public static let settledMinor = Column("settled_minor")
        public static let discountTakenMinor = Column("discount_taken_minor")
        public static let changedAt = Column("changed_at")
    }

    public init(row: Row) throws {
        let stored = StoredRow(row, table: Self.databaseTableName, key: row["number"])
        self.init(
            number: row["number"], customerAccount: row["customer_account"], orderId: row["order_id"],
            invoiceDate: try stored.date("invoice_date"), dueDate: try stored.date("due_date"),
            discountLastDay: try stored.optionalDate("discount_last_day"), discountMinor: row["discount_minor"],
            currency: try stored.currency(), totalMinor: row["total_minor"], settledMinor: row["settled_minor"],
            discountTakenMinor: row["discount_taken_minor"], changedAt: try stored.timestamp("changed_at"))
    }

    /// The row written, column by column, in the order of `WrittenRow.columns`: the counterpart of
    /// `init(row:)`, without the Codable encoder (the seed writes a million of these).
    public func encode(to container: inout PersistenceContainer) {
        for (column, value) in zip(Self.columns, writtenValues) { container[column] = value }
    }

    public static func find(_ db: Database, number: String) throws -> HQInvoice? {
        try fetchOne(db, primaryKey: number)
    }

    /// The account an invoice belongs to; nil when there is no such invoice.
    public static func customerAccount(_ db: Database, number: String) throws -> String? {
        try select(Columns.customerAccount, as: String.self).filter(key: number).fetchOne(db)
    }

    /// Invoices changed after `position`, in change order, at most `limit`.
    public static func changed(after position: DistributionPosition, limit: Int, _ db: Database) throws -> [HQInvoice] {
        try filter(literal: "(changed_at, number) > (\(position.changedAt), \(position.key))")
            .order(Columns.changedAt, Columns.number).limit(limit).fetchAll(db)
    }

    /// What the account's invoices still have open, in minor units (overpaid invoices count as zero).
    public static func openBalanceMinor(_ db: Database, customerAccount: String) throws -> Int64 {
        try Int64.fetchOne(
            db,
            sql: """
                SELECT COALESCE(SUM(MAX(total_minor - settled_minor - discount_taken_minor, 0)), 0) FROM invoice WHERE customer_account = ?
                """, arguments: [customerAccount]) ?? 0
    }

    /// Marks the invoice changed (a payment against it was refused) so distribution sends it again
    /// with the payment's outcome.
    public static func touch(_ db: Database, number: String, at: Date) throws {
        try filter(key: number).updateAll(db, Columns.changedAt.set(to: Timestamp.format(at)))
    }

    /// Records a payment's effect on the invoice's amounts.
    public static func settle(_ db: Database, number: String, settledMinor: Int64, discountTakenMinor: Int64, at: Date) throws {
        try filter(key: number).updateAll(
            db, Columns.settledMinor.set(to: settledMinor),
            Columns.discountTakenMinor.set(to: discountTakenMinor),
            Columns.changedAt.set(to: Timestamp.format(at)))
    }
}

extension HQInvoice: WrittenRow {
    public static let columns = [
        "number", "customer_account", "order_id", "invoice_date", "due_date", "discount_last_day", "discount_minor",
        "currency", "total_minor", "settled_minor", "discount_taken_minor", "changed_at",
    ]
    public var writtenValues: [(any DatabaseValueConvertible)?] {
        [
            number, customerAccount, orderId, invoiceDate.description, dueDate.description, discountLastDay?.description,
            discountMinor, currency.code, totalMinor, settledMinor, discountTakenMinor, Timestamp.format(changedAt),
        ]
    }
}
