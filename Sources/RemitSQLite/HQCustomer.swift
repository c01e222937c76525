import Foundation
import GRDB
import RemitStore
import RemitCore
import RemitMessages

/// A customer account in HQ (`customer`).
public struct HQCustomer: StoredRecord, Sendable, Equatable {
    public static let databaseTableName = "customer"

    public var account: String
    public var name: String
    public var email: String
    public var currency: Currency
    /// The organization account whose invoices this customer's users may also see and pay.
    public var invoiceAccount: String?
    public var allowOnAccount: Bool
    public var creditLimitMinor: Int64
    public var paymentTerms: String
    public var changedAt: Date

    public enum Columns {
        public static let account = Column(CodingKeys.account)
        public static let changedAt = Column("changed_at")
    }

    public init(
        account: String, name: String, email: String, currency: Currency, invoiceAccount: String?, allowOnAccount: Bool,
        creditLimitMinor: Int64, paymentTerms: String, changedAt: Date
    ) {
        self.account = account
        self.name = name
        self.email = email
        self.currency = currency
        self.invoiceAccount = invoiceAccount
        self.allowOnAccount = allowOnAccount
        self.creditLimitMinor = creditLimitMinor
        self.paymentTerms = paymentTerms
        self.changedAt = changedAt
    }

    public init(row: Row) throws {
        let stored = StoredRow(row, table: Self.databaseTableName, key: row["account"])
        self.init(
            account: row["account"], name: row["name"], email: row["email"], currency: try stored.currency(),
            invoiceAccount: row["invoice_account"], allowOnAccount: row["allow_on_account"],
            creditLimitMinor: row["credit_limit_minor"], paymentTerms: row["payment_terms"],
            changedAt: try stored.timestamp("changed_at"))
    }

    public var creditLimit: Money { Money(minorUnits: creditLimitMinor, currency: currency) }

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
