import Foundation
import GRDB
import RemitCore
import RemitMessages

/// A customer as HQ distributed it to the channel (`channel_customer`).
public struct ChannelCustomer: StoredRecord, Sendable, Equatable {
    public static let databaseTableName = "channel_customer"

    public var account: String
    public var name: String
    public var email: String
    public var currency: String
    public var invoiceAccount: String?
    public var allowOnAccount: Bool
    public var creditLimitMinor: Int64
    /// HQ's change time of this snapshot; an older snapshot never overwrites a newer one.
    public var hqChangedAt: Date

    public enum Columns {
        public static let account = Column(CodingKeys.account)
        public static let name = Column(CodingKeys.name)
        public static let email = Column(CodingKeys.email)
        public static let currency = Column(CodingKeys.currency)
        public static let invoiceAccount = Column("invoice_account")
        public static let allowOnAccount = Column("allow_on_account")
        public static let creditLimitMinor = Column("credit_limit_minor")
        public static let hqChangedAt = Column("hq_changed_at")
    }

    public init(
        account: String, name: String, email: String, currency: String, invoiceAccount: String?, allowOnAccount: Bool,
        creditLimitMinor: Int64, hqChangedAt: Date
    ) {
        self.account = account
        self.name = name
        self.email = email
        self.currency = currency
        self.invoiceAccount = invoiceAccount
        self.allowOnAccount = allowOnAccount
        self.creditLimitMinor = creditLimitMinor
        self.hqChangedAt = hqChangedAt
    }

    public init(row: Row) throws {
        let stored = StoredRow(row, table: Self.databaseTableName, key: row["account"])
        self.init(
            account: row["account"], name: row["name"], email: row["email"], currency: row["currency"],
            invoiceAccount: row["invoice_account"], allowOnAccount: row["allow_on_account"],
            creditLimitMinor: row["credit_limit_minor"], hqChangedAt: try stored.timestamp("hq_changed_at"))
    }

    /// Stores this snapshot unless the channel has a newer one; returns whether it was stored.
    @discardableResult
    public func upsertIfNewer(_ db: Database) throws -> Bool {
        try upsertUnlessOlder(
            db, key: Columns.account,
            updating: [
                Columns.name, Columns.email, Columns.currency, Columns.invoiceAccount, Columns.allowOnAccount,
                Columns.creditLimitMinor, Columns.hqChangedAt,
            ], newerBy: Columns.hqChangedAt)
    }
}

/// A B2B user as HQ distributed it with their customer (`channel_user`); passwords are in
/// `ChannelCredential`.
public struct ChannelUser: StoredRecord, Sendable, Equatable {
    public static let databaseTableName = "channel_user"

    public var login: String
    public var customerAccount: String
    public var displayName: String
    public var email: String

    public enum Columns {
        public static let login = Column(CodingKeys.login)
        public static let customerAccount = Column("customer_account")
        public static let displayName = Column("display_name")
        public static let email = Column(CodingKeys.email)
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

    /// Replaces the users of `account` with `users`: the users belong to the customer snapshot.
    public static func replace(_ db: Database, ofCustomer account: String, with users: [ChannelUser]) throws {
        try filter(Columns.customerAccount == account).deleteAll(db)
        // A login that moved from another customer moves with its row.
        for user in users { try user.insert(db, onConflict: .replace) }
    }

    public static func exists(_ db: Database, login: String) throws -> Bool {
        try exists(db, key: login)
    }
}

/// An invoice as HQ distributed it to the channel (`channel_invoice`), what the portal shows.
public struct ChannelInvoice: StoredRecord, Sendable, Equatable {
    public static let databaseTableName = "channel_invoice"

    public var number: String
    public var customerAccount: String
    public var invoiceDate: CalendarDate
    public var dueDate: CalendarDate
    public var discountLastDay: CalendarDate?
    public var discountMinor: Int64
    public var currency: Currency
    public var totalMinor: Int64
    public var settledMinor: Int64
    public var discountTakenMinor: Int64
    public var status: InvoicePaymentStatus
    /// HQ's change time of the state shown; an older snapshot never overwrites a newer one.
    public var hqChangedAt: Date

    public enum Columns {
        public static let number = Column(CodingKeys.number)
        public static let customerAccount = Column("customer_account")
        public static let invoiceDate = Column("invoice_date")
        public static let dueDate = Column("due_date")
        public static let discountLastDay = Column("discount_last_day")
        public static let discountMinor = Column("discount_minor")
        public static let totalMinor = Column("total_minor")
        public static let settledMinor = Column("settled_minor")
        public static let discountTakenMinor = Column("discount_taken_minor")
        public static let status = Column(CodingKeys.status)
        public static let hqChangedAt = Column("hq_changed_at")
    }

    public init(
        number: String, customerAccount: String, invoiceDate: CalendarDate, dueDate: CalendarDate,
        discountLastDay: CalendarDate?, discountMinor: Int64, currency: Currency, totalMinor: Int64, settledMinor: Int64,
        discountTakenMinor: Int64, status: InvoicePaymentStatus, hqChangedAt: Date
    ) {
        self.number = number
        self.customerAccount = customerAccount
        self.invoiceDate = invoiceDate
        self.dueDate = dueDate
        self.discountLastDay = discountLastDay
        self.discountMinor = discountMinor
        self.currency = currency
        self.totalMinor = totalMinor
        self.settledMinor = settledMinor
        self.discountTakenMinor = discountTakenMinor
        self.status = status
        self.hqChangedAt = hqChangedAt
    }

    public init(row: Row) throws {
        let stored = StoredRow(row, table: Self.databaseTableName, key: row["number"])
        self.init(
            number: row["number"], customerAccount: row["customer_account"], invoiceDate: try stored.date("invoice_date"),
            dueDate: try stored.date("due_date"), discountLastDay: try stored.optionalDate("discount_last_day"),
            discountMinor: row["discount_minor"], currency: try stored.currency(), totalMinor: row["total_minor"],
            settledMinor: row["settled_minor"], discountTakenMinor: row["discount_taken_minor"],
            status: try stored.value("status", as: InvoicePaymentStatus.self), hqChangedAt: try stored.timestamp("hq_changed_at"))
    }

    /// Stores this state unless the channel shows a newer one; the invoice date and currency never
    /// change in HQ, so they are kept as first stored.
    @discardableResult
    public func upsertIfNewer(_ db: Database) throws -> Bool {
        try upsertUnlessOlder(
            db, key: Columns.number,
            updating: [
                Columns.customerAccount, Columns.dueDate, Columns.discountLastDay, Columns.discountMinor, Columns.totalMinor,
                Columns.settledMinor, Columns.discountTakenMinor, Columns.status, Columns.hqChangedAt,
            ], newerBy: Columns.hqChangedAt)
    }
}
