import Foundation
import GRDB
import RemitStore
import RemitCore
import RemitMessages

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
        ChannelStorefront.registerMigrations(in: &migrator)
        ChannelInvoiceDetail.registerMigrations(in: &migrator)
        // Also the indexes `remit trace` follows a click by.
        migrator.registerMigration("v5-trace") { db in
            try db.create(index: "command_outcome_by_correlation", on: "command_outcome", columns: ["correlation_id"])
        }
        Inbox.registerCorrelationIndex(in: &migrator)
        Inbox.registerRetentionIndex(in: &migrator)
        ChannelInvoiceDetail.registerListKeys(in: &migrator)
        PortalStateTables.registerMigration(in: &migrator)
        SQLiteTraceContexts.registerMigration(in: &migrator)
        SQLiteSentLetters.registerMigration(in: &migrator)
        // Customers' postal addresses (the invoice PDF prints the buyer's).
        migrator.registerMigration("v11-customer-address") { db in
            try db.execute(sql: "ALTER TABLE channel_customer ADD COLUMN address TEXT")
        }
    }
}
