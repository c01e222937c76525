import Foundation
import GRDB
import RemitStore
import RemitCore
import RemitMessages

// ChannelCustomer in its SQLite table.
extension ChannelCustomer: StoredRecord {
    public static let databaseTableName = "channel_customer"

    public enum Columns {
        public static let account = Column("account")
        public static let name = Column("name")
        public static let email = Column("email")
        public static let currency = Column("currency")
        public static let invoiceAccount = Column("invoice_account")
        public static let allowOnAccount = Column("allow_on_account")
        public static let creditLimitMinor = Column("credit_limit_minor")
        public static let hqChangedAt = Column("hq_changed_at")
        public static let address = Column("address")
    }

    public init(row: Row) throws {
        let stored = StoredRow(row, table: Self.databaseTableName, key: row["account"])
        self.init(
            account: row["account"], name: row["name"], email: row["email"], currency: row["currency"],
            invoiceAccount: row["invoice_account"], allowOnAccount: row["allow_on_account"],
            creditLimitMinor: row["credit_limit_minor"], hqChangedAt: try stored.timestamp("hq_changed_at"), address: row["address"])
    }

    /// Stores this snapshot unless the channel has a newer one; returns whether it was stored.
    @discardableResult
    public func upsertIfNewer(_ db: Database) throws -> Bool {
        try upsertUnlessOlder(
            db, key: Columns.account,
            updating: [
                Columns.name, Columns.email, Columns.currency, Columns.invoiceAccount, Columns.allowOnAccount,
                Columns.creditLimitMinor, Columns.hqChangedAt, Columns.address,
            ], newerBy: Columns.hqChangedAt)
    }
}

// ChannelUser in its SQLite table.
extension ChannelUser: StoredRecord {
    public static let databaseTableName = "channel_user"

    public enum Columns {
        public static let login = Column("login")
        public static let customerAccount = Column("customer_account")
        public static let displayName = Column("display_name")
        public static let email = Column("email")
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

// ChannelInvoice in its SQLite table.
extension ChannelInvoice: StoredRecord {
    public static let databaseTableName = "channel_invoice"

    public enum Columns {
        public static let number = Column("number")
        public static let customerAccount = Column("customer_account")
        public static let invoiceDate = Column("invoice_date")
        public static let dueDate = Column("due_date")
        public static let discountLastDay = Column("discount_last_day")
        public static let discountMinor = Column("discount_minor")
        public static let totalMinor = Column("total_minor")
        public static let settledMinor = Column("settled_minor")
        public static let discountTakenMinor = Column("discount_taken_minor")
        public static let status = Column("status")
        public static let hqChangedAt = Column("hq_changed_at")
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
    ///
    /// Distribution writes hundreds of thousands of these: the statement is prepared once per
    /// connection and bound column by column, in the formats the record's encoding writes (dates as
    /// `YYYY-MM-DD`, times as `Timestamp.format`), without building a dictionary of the row each time
    /// (`ChannelStoreContractTests` reads every column back).
    @discardableResult
    public func upsertIfNewer(_ db: Database) throws -> Bool {
        try db.cachedStatement(
            sql: """
                INSERT INTO channel_invoice (number, customer_account, invoice_date, due_date, discount_last_day,
                    discount_minor, currency, total_minor, settled_minor, discount_taken_minor, status, hq_changed_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(number) DO UPDATE SET customer_account = excluded.customer_account,
                    due_date = excluded.due_date, discount_last_day = excluded.discount_last_day,
                    discount_minor = excluded.discount_minor, total_minor = excluded.total_minor,
                    settled_minor = excluded.settled_minor, discount_taken_minor = excluded.discount_taken_minor,
                    status = excluded.status, hq_changed_at = excluded.hq_changed_at
                WHERE excluded.hq_changed_at >= channel_invoice.hq_changed_at
                """
        ).execute(arguments: [
            number, customerAccount, invoiceDate.description, dueDate.description, discountLastDay?.description,
            discountMinor, currency.code, totalMinor, settledMinor, discountTakenMinor, status.rawValue,
            Timestamp.format(hqChangedAt),
        ])
        return db.changesCount > 0
    }
}
