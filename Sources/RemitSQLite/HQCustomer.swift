import Foundation
import GRDB
import RemitCore
import RemitStore

// HQCustomer in its SQLite table (`customer`).
extension HQCustomer: StoredRecord {
    public static let databaseTableName = "customer"

    public enum Columns {
        public static let account = Column("account")
        public static let changedAt = Column("changed_at")
    }

    public init(row: Row) throws {
        let stored = StoredRow(row, table: Self.databaseTableName, key: row["account"])
        self.init(
            account: row["account"], name: row["name"], email: row["email"], currency: try stored.currency(),
            invoiceAccount: row["invoice_account"], allowOnAccount: row["allow_on_account"],
            creditLimitMinor: row["credit_limit_minor"], paymentTerms: row["payment_terms"],
            changedAt: try stored.timestamp("changed_at"), address: row["address"])
    }

    public static func find(_ db: Database, account: String) throws -> HQCustomer? {
        try fetchOne(db, primaryKey: account)
    }

    public static func count(_ db: Database) throws -> Int {
        try fetchCount(db)
    }

    /// Customers changed after `position`, in change order, at most `limit`.
    public static func changed(after position: DistributionPosition, limit: Int, _ db: Database) throws -> [HQCustomer] {
        try filter(literal: "(changed_at, account) > (\(position.changedAt), \(position.key))")
            .order(Columns.changedAt, Columns.account).limit(limit).fetchAll(db)
    }
}
