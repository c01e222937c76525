import Foundation
import GRDB
import RemitStore
import RemitCore
import RemitMessages

/// Payment terms HQ assigns to customers (`payment_terms`).
public struct HQPaymentTerms: StoredRecord, Sendable, Equatable {
    public static let databaseTableName = "payment_terms"

    public var code: String
    public var netDays: Int
    public var discountBasisPoints: Int?
    public var discountDays: Int?

    public enum Columns {
        public static let code = Column(CodingKeys.code)
    }

    public init(_ terms: PaymentTerms) {
        code = terms.code
        netDays = terms.netDays
        discountBasisPoints = terms.cashDiscount?.basisPoints
        discountDays = terms.cashDiscount?.withinDays
    }

    public init(row: Row) throws {
        code = row["code"]
        netDays = row["net_days"]
        discountBasisPoints = row["discount_basis_points"]
        discountDays = row["discount_days"]
    }

    public var terms: PaymentTerms {
        PaymentTerms(
            code: code, netDays: netDays,
            cashDiscount: discountBasisPoints.map {
                CashDiscount(basisPoints: $0, withinDays: discountDays ?? 0)
            })
    }
}

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

/// A B2B user of a customer account in HQ (`b2b_user`); passwords live in the channel store.
public struct HQUser: StoredRecord, Sendable, Equatable {
    public static let databaseTableName = "b2b_user"

    public var login: String
    public var customerAccount: String
    public var displayName: String
    public var email: String

    public enum Columns {
        public static let login = Column(CodingKeys.login)
    }

    public init(login: String, customerAccount: String, displayName: String, email: String) {
        self.login = login
        self.customerAccount = customerAccount
        self.displayName = displayName
        self.email = email
    }

    public init(row: Row) throws {
        self.init(login: row["login"], customerAccount: row["customer_account"], displayName: row["display_name"], email: row["email"])
    }

    public static func find(_ db: Database, login: String) throws -> HQUser? {
        try fetchOne(db, primaryKey: login)
    }

    public static func exists(_ db: Database, login: String) throws -> Bool {
        try exists(db, key: login)
    }

    /// Every user's login, sorted.
    public static func logins(_ db: Database) throws -> [String] {
        try select(Columns.login, as: String.self).order(Columns.login).fetchAll(db)
    }

    /// Every user, by customer account.
    public static func byCustomer(_ db: Database) throws -> [String: [HQUser]] {
        Dictionary(grouping: try fetchAll(db), by: \.customerAccount)
    }
}
