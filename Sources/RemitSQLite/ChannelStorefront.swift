import Foundation
import GRDB
import RemitStore
import RemitCore
import RemitMessages

/// The storefront's working tables in the channel store: products HQ distributed, carts and their
/// lines, the outcome of every command (what the portal shows as pending → accepted or refused),
/// and the e-mail ledger.
public enum ChannelStorefront {
    static func registerMigrations(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v4-storefront") { db in
            try db.create(table: "channel_product") { t in
                t.primaryKey("sku", .text)
                t.column("name", .text).notNull()
                t.column("price_minor", .integer).notNull()
                t.column("currency", .text).notNull()
                t.column("hq_changed_at", .text).notNull()
            }
            try db.create(table: "cart") { t in
                t.primaryKey("id", .text)
                t.column("user_login", .text).notNull()
                t.column("customer_account", .text).notNull()
                t.column("status", .text).notNull()  // open | submitted
                t.column("created_at", .text).notNull()
                t.column("updated_at", .text).notNull()
                t.column("submitted_at", .text)
                t.column("tender", .text)
            }
            // One open cart per user.
            try db.execute(sql: "CREATE UNIQUE INDEX cart_open_per_user ON cart(user_login) WHERE status = 'open'")
            try db.create(table: "cart_line") { t in
                t.primaryKey("id", .text)
                t.column("cart_id", .text).notNull().references("cart")
                t.column("position", .integer).notNull()
                t.column("kind", .text).notNull()  // invoice | item
                t.column("invoice_number", .text)
                t.column("sku", .text)
                t.column("description", .text).notNull()
                t.column("quantity", .integer).notNull()
                t.column("unit_price_minor", .integer).notNull()
                t.column("amount_minor", .integer).notNull()
                t.column("currency", .text).notNull()
            }
            try db.create(index: "cart_line_by_cart", on: "cart_line", columns: ["cart_id", "position"])
            try db.create(table: "command_outcome") { t in
                // The command's message id: the portal looks its click up by it.
                t.primaryKey("message_id", .text)
                t.column("type", .text).notNull()
                t.column("user_login", .text).notNull()
                t.column("correlation_id", .text).notNull()
                t.column("outcome", .text).notNull()  // accepted | refused
                t.column("code", .text)
                t.column("reason", .text)
                t.column("payment_id", .text)
                t.column("request_id", .text)
                t.column("line_id", .text)
                t.column("at", .text).notNull()
            }
            try db.create(index: "command_outcome_by_user", on: "command_outcome", columns: ["user_login", "at"])
            // What HQ made of each payment: NULL while pending, then posted or failed (with the reason).
            try db.alter(table: "channel_transaction") { t in
                t.add(column: "hq_state", .text)
                t.add(column: "hq_detail", .text)
                t.add(column: "cart_id", .text)
            }
            try db.create(index: "channel_transaction_by_invoice", on: "channel_transaction", columns: ["invoice_number", "hq_state"])
            try db.alter(table: "b2b_request") { t in
                t.add(column: "repeat_count", .integer).notNull().defaults(to: 0)
                t.add(column: "last_requested_at", .text)
            }
            try db.create(
                index: "b2b_request_by_user_invoice", on: "b2b_request", columns: ["user_login", "invoice_number", "submitted_at"])
            try db.create(table: "email_ledger") { t in
                // One e-mail per request, however often its email.send arrives.
                t.primaryKey("request_id", .text)
                t.column("message_id", .text).notNull()  // the e-mail's Message-ID
                t.column("recipient", .text).notNull()
                t.column("status", .text).notNull()  // sending | deferred | sent | failed
                t.column("attempts", .integer).notNull()
                t.column("detail", .text)
                t.column("created_at", .text).notNull()
                t.column("updated_at", .text).notNull()
            }
        }
    }
}

// ChannelProduct in its SQLite table.
extension ChannelProduct: StoredRecord {
    public static let databaseTableName = "channel_product"

    public enum Columns {
        public static let sku = Column("sku")
        public static let name = Column("name")
        public static let priceMinor = Column("price_minor")
        public static let currency = Column("currency")
        public static let hqChangedAt = Column("hq_changed_at")
    }

    public init(row: Row) throws {
        let stored = StoredRow(row, table: Self.databaseTableName, key: row["sku"])
        self.init(
            sku: row["sku"], name: row["name"], price: stored.money("price_minor", currency: try stored.currency()),
            hqChangedAt: try stored.timestamp("hq_changed_at"))
    }

    public func encode(to container: inout PersistenceContainer) throws {
        container[Columns.sku] = sku
        container[Columns.name] = name
        container[Columns.priceMinor] = price.minorUnits
        container[Columns.currency] = price.currency.code
        container[Columns.hqChangedAt] = Timestamp.format(hqChangedAt)
    }

    @discardableResult
    public func upsertIfNewer(_ db: Database) throws -> Bool {
        try upsertUnlessOlder(
            db, key: Columns.sku, updating: [Columns.name, Columns.priceMinor, Columns.currency, Columns.hqChangedAt],
            newerBy: Columns.hqChangedAt)
    }

    public static func find(_ db: Database, sku: String) throws -> ChannelProduct? { try fetchOne(db, primaryKey: sku) }
}

// Cart in its SQLite table.
extension Cart: StoredRecord {
    public static let databaseTableName = "cart"

    public enum Columns {
        public static let id = Column("id")
        public static let userLogin = Column("user_login")
        public static let status = Column("status")
        public static let updatedAt = Column("updated_at")
        public static let submittedAt = Column("submitted_at")
        public static let tender = Column("tender")
    }

    public init(row: Row) throws {
        let stored = StoredRow(row, table: Self.databaseTableName, key: row["id"])
        self.init(
            id: row["id"], userLogin: row["user_login"], customerAccount: row["customer_account"],
            createdAt: try stored.timestamp("created_at"))
        status = try stored.value("status", as: Status.self)
        updatedAt = try stored.timestamp("updated_at")
        submittedAt = try stored.optionalTimestamp("submitted_at")
        tender = row["tender"] == nil ? nil : try stored.value("tender", as: Tender.self)
    }

    /// The user's open cart, if any.
    public static func open(_ db: Database, user: String) throws -> Cart? {
        try filter(Columns.userLogin == user && Columns.status == Status.open.rawValue).fetchOne(db)
    }

    public static func touch(_ db: Database, id: String, at: Date) throws {
        try filter(key: id).updateAll(db, Columns.updatedAt.set(to: Timestamp.format(at)))
    }

    public static func submit(_ db: Database, id: String, tender: Tender, at: Date) throws {
        let at = Timestamp.format(at)
        try filter(key: id).updateAll(
            db, Columns.status.set(to: Status.submitted.rawValue), Columns.submittedAt.set(to: at), Columns.updatedAt.set(to: at),
            Columns.tender.set(to: tender.rawValue))
    }
}

// CartLine in its SQLite table.
extension CartLine: StoredRecord {
    public static let databaseTableName = "cart_line"

    public enum Columns {
        public static let id = Column("id")
        public static let cartId = Column("cart_id")
        public static let position = Column("position")
        public static let invoiceNumber = Column("invoice_number")
        public static let quantity = Column("quantity")
        public static let unitPriceMinor = Column("unit_price_minor")
        public static let amountMinor = Column("amount_minor")
    }

    public init(row: Row) throws {
        let stored = StoredRow(row, table: Self.databaseTableName, key: row["id"])
        let currency = try stored.currency()
        self.init(
            id: row["id"], cartId: row["cart_id"], position: row["position"], kind: try stored.value("kind", as: CartRules.LineKind.self),
            invoiceNumber: row["invoice_number"], sku: row["sku"], description: row["description"], quantity: row["quantity"],
            unitPrice: stored.money("unit_price_minor", currency: currency), amount: stored.money("amount_minor", currency: currency))
    }

    public func encode(to container: inout PersistenceContainer) throws {
        container[Columns.id] = id
        container[Columns.cartId] = cartId
        container[Columns.position] = position
        container["kind"] = kind.rawValue
        container[Columns.invoiceNumber] = invoiceNumber
        container["sku"] = sku
        container["description"] = description
        container[Columns.quantity] = quantity
        container[Columns.unitPriceMinor] = unitPrice.minorUnits
        container[Columns.amountMinor] = amount.minorUnits
        container["currency"] = amount.currency.code
    }

    public static func lines(_ db: Database, cart: String) throws -> [CartLine] {
        try filter(Columns.cartId == cart).order(Columns.position).fetchAll(db)
    }

    public static func find(_ db: Database, id: String, cart: String) throws -> CartLine? {
        try filter(Columns.id == id && Columns.cartId == cart).fetchOne(db)
    }

    public static func setAmount(_ db: Database, id: String, quantity: Int, amount: Money) throws {
        try filter(key: id).updateAll(db, Columns.quantity.set(to: quantity), Columns.amountMinor.set(to: amount.minorUnits))
    }

    public static func remove(_ db: Database, id: String) throws {
        _ = try deleteOne(db, key: id)
    }
}

// CommandOutcome in its SQLite table.
extension CommandOutcome: StoredRecord {
    public static let databaseTableName = "command_outcome"

    public init(row: Row) throws {
        let stored = StoredRow(row, table: Self.databaseTableName, key: row["message_id"])
        self.init(
            messageId: row["message_id"], type: row["type"], userLogin: row["user_login"], correlationId: row["correlation_id"],
            outcome: try stored.value("outcome", as: CommandOutcome.Outcome.self), code: row["code"], reason: row["reason"],
            paymentId: row["payment_id"], requestId: row["request_id"], lineId: row["line_id"], at: try stored.timestamp("at"))
    }

    public func encode(to container: inout PersistenceContainer) throws {
        container["message_id"] = messageId
        container["type"] = type
        container["user_login"] = userLogin
        container["correlation_id"] = correlationId
        container["outcome"] = outcome.rawValue
        container["code"] = code
        container["reason"] = reason
        container["payment_id"] = paymentId
        container["request_id"] = requestId
        container["line_id"] = lineId
        container["at"] = Timestamp.format(at)
    }

    public static func find(_ db: Database, messageId: String) throws -> CommandOutcome? { try fetchOne(db, primaryKey: messageId) }
}

// EmailLedgerEntry in its SQLite table.
extension EmailLedgerEntry: StoredRecord {
    public static let databaseTableName = "email_ledger"

    public init(row: Row) throws {
        let stored = StoredRow(row, table: Self.databaseTableName, key: row["request_id"])
        self.init(
            requestId: row["request_id"], messageId: row["message_id"], recipient: row["recipient"],
            status: try stored.value("status", as: Status.self), attempts: row["attempts"], detail: row["detail"],
            createdAt: try stored.timestamp("created_at"), updatedAt: try stored.timestamp("updated_at"))
    }

    public func encode(to container: inout PersistenceContainer) throws {
        container["request_id"] = requestId
        container["message_id"] = messageId
        container["recipient"] = recipient
        container["status"] = status.rawValue
        container["attempts"] = attempts
        container["detail"] = detail
        container["created_at"] = Timestamp.format(createdAt)
        container["updated_at"] = Timestamp.format(updatedAt)
    }

    public static func find(_ db: Database, requestId: String) throws -> EmailLedgerEntry? { try fetchOne(db, primaryKey: requestId) }
}

extension ChannelTransaction {
    /// Payments the channel took for `invoice` that HQ has neither settled nor refused yet.
    /// The invoice payments for `invoice` that HQ has not settled or refused yet: their sum, and the
    /// day the latest was made (the day HQ settles it as paid on, which decides its cash discount).
    public static func pending(_ db: Database, invoice: String, currency: Currency) throws -> (amount: Money, lastPaidOn: CalendarDate?) {
        let row = try Row.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT COALESCE(SUM(amount_minor), 0) AS amount_minor, MAX(created_at) AS created_at FROM channel_transaction
                    WHERE invoice_number = ? AND kind = ? AND hq_state IS NULL AND currency = ?
                    """), arguments: [invoice, Kind.invoicePayment.rawValue, currency.code])
        guard let row else { return (.zero(currency), nil) }
        let latest = try StoredRow(row, table: databaseTableName, key: invoice).optionalTimestamp("created_at")
        return (Money(minorUnits: row["amount_minor"], currency: currency), latest.map(CalendarDate.init))
    }

    /// Charges on account the channel took and has not uploaded to HQ yet (HQ's balance does not
    /// show them), for `account`.
    public static func unuploadedOnAccount(_ db: Database, account: String, currency: Currency) throws -> Money {
        let minor =
            try Int64.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT COALESCE(SUM(amount_minor), 0) FROM channel_transaction
                        WHERE customer_account = ? AND tender = ? AND uploaded_at IS NULL AND currency = ?
                        """), arguments: [account, Tender.onAccount.rawValue, currency.code]) ?? 0
        return Money(minorUnits: minor, currency: currency)
    }

    public static func find(_ db: Database, id: String) throws -> ChannelTransaction? { try fetchOne(db, primaryKey: id) }

    /// Records what HQ made of a payment: posted, or refused with the reason. Only a pending
    /// payment changes; a redelivered snapshot changes nothing.
    public static func applyHQOutcome(_ db: Database, paymentId: String, posted: Bool, reason: String?) throws {
        try db.cachedStatement(sql: "UPDATE channel_transaction SET hq_state = ?, hq_detail = ? WHERE id = ? AND hq_state IS NULL")
            .execute(arguments: [posted ? "posted" : "failed", reason, paymentId])
    }
}

extension ChannelInvoice {
    public static func find(_ db: Database, number: String) throws -> ChannelInvoice? { try fetchOne(db, primaryKey: number) }

    /// The open amounts of `account`'s invoices in `currency`, as last distributed.
    public static func openBalance(_ db: Database, account: String, currency: Currency) throws -> Money {
        let minor =
            try Int64.fetchOne(
                db,
                sql: """
                    SELECT COALESCE(SUM(
                        CASE WHEN total_minor - settled_minor - discount_taken_minor > 0
                        THEN total_minor - settled_minor - discount_taken_minor ELSE 0 END), 0)
                    FROM channel_invoice WHERE customer_account = ? AND currency = ?
                    """, arguments: [account, currency.code]) ?? 0
        return Money(minorUnits: minor, currency: currency)
    }
}

extension ChannelCustomer {
    public static func find(_ db: Database, account: String) throws -> ChannelCustomer? { try fetchOne(db, primaryKey: account) }
}

extension ChannelUser {
    public static func find(_ db: Database, login: String) throws -> ChannelUser? { try fetchOne(db, primaryKey: login) }
}
