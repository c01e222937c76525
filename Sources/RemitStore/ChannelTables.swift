import Foundation
import GRDB
import RemitCore

/// The storefront's own tables in the channel store: what HQ distributed (customers, users,
/// invoices) and what the channel collected and has not yet uploaded to HQ (transactions, B2B
/// requests).
public enum ChannelTables {
    static func registerMigrations(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v2-channel") { db in
            try db.create(table: "channel_customer") { t in
                t.primaryKey("account", .text)
                t.column("name", .text).notNull()
                t.column("email", .text).notNull()
                t.column("currency", .text).notNull()
                t.column("invoice_account", .text)
                t.column("allow_on_account", .boolean).notNull()
                t.column("credit_limit_minor", .integer).notNull()
                t.column("hq_changed_at", .text).notNull()
            }
            try db.create(table: "channel_user") { t in
                t.primaryKey("login", .text)
                t.column("customer_account", .text).notNull()
                t.column("display_name", .text).notNull()
                t.column("email", .text).notNull()
                t.column("password_hash", .text).notNull()  // dropped by v3-channel-credentials
            }
            try db.create(table: "channel_invoice") { t in
                t.primaryKey("number", .text)
                t.column("customer_account", .text).notNull()
                t.column("invoice_date", .text).notNull()
                t.column("due_date", .text).notNull()
                t.column("discount_last_day", .text)
                t.column("discount_minor", .integer).notNull()
                t.column("currency", .text).notNull()
                t.column("total_minor", .integer).notNull()
                t.column("settled_minor", .integer).notNull()
                t.column("discount_taken_minor", .integer).notNull()
                t.column("status", .text).notNull()
                // HQ's change time of the state shown; an older snapshot never overwrites a newer one.
                t.column("hq_changed_at", .text).notNull()
            }
            try db.create(index: "channel_invoice_by_customer", on: "channel_invoice", columns: ["customer_account", "due_date"])
            try db.create(table: "channel_transaction") { t in
                // The payment id or order id: the key that makes every step idempotent.
                t.primaryKey("id", .text)
                t.column("kind", .text).notNull()  // invoice-payment | order-on-account
                t.column("customer_account", .text).notNull()
                t.column("user_login", .text).notNull()
                t.column("invoice_number", .text)
                t.column("amount_minor", .integer).notNull()
                t.column("currency", .text).notNull()
                t.column("tender", .text).notNull()
                t.column("lines", .text)  // JSON order lines for orders
                t.column("created_at", .text).notNull()
                t.column("uploaded_at", .text)
            }
            try db.create(index: "channel_transaction_pending", on: "channel_transaction", columns: ["uploaded_at"])
            try db.create(table: "b2b_request") { t in
                t.primaryKey("request_id", .text)
                t.column("type", .text).notNull()  // invoice-copy
                t.column("user_login", .text).notNull()
                t.column("customer_account", .text).notNull()
                t.column("invoice_number", .text)
                t.column("status", .text).notNull()  // submitted | completed | failed
                t.column("submitted_at", .text).notNull()
                t.column("updated_at", .text).notNull()
                t.column("detail", .text)
                t.column("uploaded_at", .text)
            }
            try db.create(index: "b2b_request_pending", on: "b2b_request", columns: ["uploaded_at"])
        }
        ChannelCredential.registerMigration(in: &migrator)
    }
}

/// A payment or an order on account the channel took and has to upload to HQ.
public struct ChannelTransaction: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable { case invoicePayment = "invoice-payment", orderOnAccount = "order-on-account" }

    public var id: String
    public var kind: Kind
    public var customerAccount: String
    public var userLogin: String
    public var invoiceNumber: String?
    public var amount: Money
    public var tender: String
    /// Order lines (sku, quantity, unit price) for orders on account.
    public var lines: [OrderLine]
    public var createdAt: Date

    public struct OrderLine: Sendable, Equatable, Codable {
        public var sku: String
        public var quantity: Int
        public var unitPrice: Money
        public init(sku: String, quantity: Int, unitPrice: Money) {
            self.sku = sku
            self.quantity = quantity
            self.unitPrice = unitPrice
        }
    }

    public init(id: String, kind: Kind, customerAccount: String, userLogin: String, invoiceNumber: String?, amount: Money,
                tender: String, lines: [OrderLine] = [], createdAt: Date) {
        self.id = id
        self.kind = kind
        self.customerAccount = customerAccount
        self.userLogin = userLogin
        self.invoiceNumber = invoiceNumber
        self.amount = amount
        self.tender = tender
        self.lines = lines
        self.createdAt = createdAt
    }

    /// Records the transaction once; recording the same id again changes nothing. Returns whether it was new.
    @discardableResult
    public func record(_ db: Database) throws -> Bool {
        try db.execute(sql: """
            INSERT INTO channel_transaction (id, kind, customer_account, user_login, invoice_number, amount_minor, currency,
                                             tender, lines, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING
            """, arguments: [id, kind.rawValue, customerAccount, userLogin, invoiceNumber, amount.minorUnits, amount.currency.code,
                             tender, lines.isEmpty ? nil : String(decoding: try JSONEncoder().encode(lines), as: UTF8.self),
                             Timestamp.format(createdAt)])
        return db.changesCount > 0
    }

    /// Transactions not yet uploaded, oldest first.
    public static func pending(_ db: Database, limit: Int) throws -> [ChannelTransaction] {
        try Row.fetchAll(db, sql: """
            SELECT * FROM channel_transaction WHERE uploaded_at IS NULL ORDER BY created_at, id LIMIT ?
            """, arguments: [limit]).map { row in
            let stored = StoredRow(row, table: "channel_transaction", key: row["id"])
            let lines: String? = row["lines"]
            return ChannelTransaction(
                id: row["id"], kind: try stored.value("kind", as: Kind.self), customerAccount: row["customer_account"],
                userLogin: row["user_login"], invoiceNumber: row["invoice_number"],
                amount: Money(minorUnits: row["amount_minor"], currency: try stored.currency()), tender: row["tender"],
                lines: try lines.map { try JSONDecoder().decode([OrderLine].self, from: Data($0.utf8)) } ?? [],
                createdAt: try stored.timestamp("created_at"))
        }
    }

    public static func markUploaded(_ db: Database, ids: [String], at date: Date) throws {
        let statement = try db.cachedStatement(sql: "UPDATE channel_transaction SET uploaded_at = ? WHERE id = ? AND uploaded_at IS NULL")
        let at = Timestamp.format(date)
        for id in ids { try statement.execute(arguments: [at, id]) }
    }
}

/// A B2B request (an invoice copy by e-mail) as the channel tracks it under My account → B2B requests.
public struct B2BRequest: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable { case submitted, completed, failed }

    public var requestId: String
    public var type: String
    public var userLogin: String
    public var customerAccount: String
    public var invoiceNumber: String?
    public var status: Status
    public var submittedAt: Date

    public init(requestId: String, type: String = "invoice-copy", userLogin: String, customerAccount: String,
                invoiceNumber: String?, status: Status = .submitted, submittedAt: Date) {
        self.requestId = requestId
        self.type = type
        self.userLogin = userLogin
        self.customerAccount = customerAccount
        self.invoiceNumber = invoiceNumber
        self.status = status
        self.submittedAt = submittedAt
    }

    @discardableResult
    public func record(_ db: Database) throws -> Bool {
        let at = Timestamp.format(submittedAt)
        try db.execute(sql: """
            INSERT INTO b2b_request (request_id, type, user_login, customer_account, invoice_number, status, submitted_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(request_id) DO NOTHING
            """, arguments: [requestId, type, userLogin, customerAccount, invoiceNumber, status.rawValue, at, at])
        return db.changesCount > 0
    }

    public static func pending(_ db: Database, limit: Int) throws -> [B2BRequest] {
        try Row.fetchAll(db, sql: "SELECT * FROM b2b_request WHERE uploaded_at IS NULL ORDER BY submitted_at, request_id LIMIT ?",
                         arguments: [limit]).map { row in
            B2BRequest(requestId: row["request_id"], type: row["type"], userLogin: row["user_login"],
                       customerAccount: row["customer_account"], invoiceNumber: row["invoice_number"],
                       status: Status(rawValue: row["status"]) ?? .submitted,
                       submittedAt: Timestamp.parse(row["submitted_at"]) ?? Date(timeIntervalSince1970: 0))
        }
    }

    public static func markUploaded(_ db: Database, ids: [String], at date: Date) throws {
        let statement = try db.cachedStatement(sql: "UPDATE b2b_request SET uploaded_at = ? WHERE request_id = ? AND uploaded_at IS NULL")
        let at = Timestamp.format(date)
        for id in ids { try statement.execute(arguments: [at, id]) }
    }
}
