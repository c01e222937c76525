import Foundation
import GRDB
import RemitStore

/// The emulated back office ("HQ"), the system of record for customers and invoices: its own SQLite
/// file (`hq.sqlite`) in the data directory.
public final class HQStore: DataDirectoryStore {
    public static let fileName = "hq.sqlite"
    public let pool: DatabasePool
    public let path: String

    public init(path: String, readOnly: Bool) throws {
        self.path = path
        pool = try SQLiteStore.openPool(at: path, identity: .hq, migrator: Self.migrator, readOnly: readOnly)
    }

    public func transaction(_ db: Database) -> SQLiteTransaction { SQLiteHQTransaction(db, store: path) }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        Inbox.registerMigration(in: &migrator)
        migrator.registerMigration("v1-back-office") { db in
            try db.create(table: "payment_terms") { t in
                t.primaryKey("code", .text)
                t.column("net_days", .integer).notNull()
                t.column("discount_basis_points", .integer)
                t.column("discount_days", .integer)
            }
            try db.create(table: "customer") { t in
                t.primaryKey("account", .text)
                t.column("name", .text).notNull()
                t.column("email", .text).notNull()
                t.column("currency", .text).notNull()
                // The organization account whose invoices this customer's users may also see and pay.
                t.column("invoice_account", .text).references("customer")
                t.column("allow_on_account", .boolean).notNull()
                t.column("credit_limit_minor", .integer).notNull()
                t.column("payment_terms", .text).notNull().references("payment_terms")
                t.column("changed_at", .text).notNull()
            }
            try db.create(table: "product") { t in
                t.primaryKey("sku", .text)
                t.column("name", .text).notNull()
                t.column("price_minor", .integer).notNull()
                t.column("currency", .text).notNull()
            }
            try db.create(table: "b2b_user") { t in
                t.primaryKey("login", .text)
                t.column("customer_account", .text).notNull().references("customer")
                t.column("display_name", .text).notNull()
                t.column("email", .text).notNull()
                t.column("password_hash", .text).notNull()  // dropped by v2-no-credentials
            }
            try db.create(table: "sales_order") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("order_number", .text).notNull().unique()
                t.column("customer_account", .text).notNull().references("customer")
                // Set for orders that came from the channel (P-0001 upload): the idempotency key.
                t.column("channel_order_id", .text).unique()
                t.column("ordered_on", .text).notNull()
                t.column("on_account", .boolean).notNull()
                t.column("status", .text).notNull()  // open | invoiced
                t.column("total_minor", .integer).notNull()
                t.column("currency", .text).notNull()
                t.column("lines", .text)  // JSON lines as uploaded, until the sync job creates the order lines
            }
            try db.create(table: "sales_order_line") { t in
                t.column("order_id", .integer).notNull().references("sales_order")
                t.column("line_no", .integer).notNull()
                t.column("sku", .text).notNull()
                t.column("quantity", .integer).notNull()
                t.column("unit_price_minor", .integer).notNull()
                t.column("amount_minor", .integer).notNull()
                t.primaryKey(["order_id", "line_no"])
            }
            try db.create(table: "invoice") { t in
                t.primaryKey("number", .text)
                t.column("customer_account", .text).notNull().references("customer")
                t.column("order_id", .integer).references("sales_order")
                t.column("invoice_date", .text).notNull()
                t.column("due_date", .text).notNull()
                t.column("discount_last_day", .text)
                t.column("discount_minor", .integer).notNull()
                t.column("currency", .text).notNull()
                t.column("total_minor", .integer).notNull()
                t.column("settled_minor", .integer).notNull()
                t.column("discount_taken_minor", .integer).notNull()
                t.column("changed_at", .text).notNull()
            }
            try db.create(index: "invoice_by_customer", on: "invoice", columns: ["customer_account", "due_date"])
            try db.create(index: "invoice_by_change", on: "invoice", columns: ["changed_at", "number"])
            try db.create(table: "invoice_line") { t in
                t.column("invoice_number", .text).notNull().references("invoice")
                t.column("line_no", .integer).notNull()
                t.column("description", .text).notNull()
                t.column("amount_minor", .integer).notNull()
                t.primaryKey(["invoice_number", "line_no"])
            }
            try db.create(table: "payment_journal_line") { t in
                t.autoIncrementedPrimaryKey("id")
                // The channel's payment id: uploading the same payment twice is a no-op.
                t.column("channel_payment_id", .text).notNull().unique()
                t.column("customer_account", .text).notNull()
                t.column("invoice_number", .text).notNull().references("invoice")
                t.column("amount_minor", .integer).notNull()
                t.column("currency", .text).notNull()
                t.column("paid_on", .text).notNull()
                t.column("tender", .text).notNull()
                t.column("uploaded_at", .text).notNull()
                t.column("posted_at", .text)
                t.column("failure", .text)
            }
            try db.create(table: "settlement") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("journal_line_id", .integer).notNull().unique().references("payment_journal_line")
                t.column("invoice_number", .text).notNull().references("invoice")
                t.column("settled_minor", .integer).notNull()
                t.column("discount_minor", .integer).notNull()
                t.column("unapplied_minor", .integer).notNull()
                t.column("settled_on", .text).notNull()
            }
            try db.create(table: "channel_request") { t in
                t.primaryKey("request_id", .text)
                t.column("type", .text).notNull()  // invoice-copy
                t.column("user_login", .text).notNull()
                t.column("invoice_number", .text)
                t.column("status", .text).notNull()  // received | processed | failed
                t.column("received_at", .text).notNull()
                t.column("processed_at", .text)
                t.column("detail", .text)
                t.column("customer_account", .text).notNull()
                t.column("changed_at", .text).notNull()
            }
            try db.create(table: "job_run") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("job", .text).notNull()
                t.column("run_id", .text).notNull().unique()
                t.column("started_at", .text).notNull()
                t.column("finished_at", .text)
                t.column("status", .text).notNull()  // running | succeeded | failed
                t.column("counts", .text)
                t.column("error", .text)
                t.column("worker", .text).notNull()
            }
            // How far distribution got: HQ change times already sent to the channel.
            try db.create(table: "distribution_state") { t in
                t.primaryKey("stream", .text)  // invoices | customers | requests
                t.column("distributed_until", .text).notNull()
            }
        }
        // Credentials live in the channel store, where sign-in happens; HQ distributed them on the
        // broker, where they landed in dead letters and inboxes.
        migrator.registerMigration("v2-no-credentials") { db in
            try db.execute(sql: "ALTER TABLE b2b_user DROP COLUMN password_hash")
            // The customers snapshots distribution published kept the old hashes in the inbox, to be
            // re-published on a redelivery. Old runs need not be re-published (distribution moved on
            // from them), so the copies go and no hash is ever sent again.
            try db.execute(sql: "DELETE FROM inbox_follow_up WHERE type = 'channel.customers.changed'")
        }
        // Products reach the channel through distribution, which needs their change times.
        migrator.registerMigration("v3-product-changes") { db in
            try db.execute(sql: "ALTER TABLE product ADD COLUMN changed_at TEXT NOT NULL DEFAULT '1970-01-01T00:00:00.000Z'")
            try db.create(index: "payment_journal_line_by_invoice", on: "payment_journal_line", columns: ["invoice_number"])
        }
        // Distribution sends each invoice's settlements to the channel (the portal's detail page).
        migrator.registerMigration("v5-settlement-by-invoice") { db in
            try db.create(index: "settlement_by_invoice", on: "settlement", columns: ["invoice_number", "id"])
        }
        Inbox.registerCorrelationIndex(in: &migrator)
        Inbox.registerRetentionIndex(in: &migrator)
        DistributionHold.registerMigration(in: &migrator)
        SQLiteTraceContexts.registerMigration(in: &migrator)
        SQLiteCollection.registerMigration(in: &migrator)
        // Customers' postal addresses, printed on their invoices.
        migrator.registerMigration("v7-customer-address") { db in
            try db.execute(sql: "ALTER TABLE customer ADD COLUMN address TEXT")
        }
        return migrator
    }
}
