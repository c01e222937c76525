import Foundation
import PostgresNIO
import RemitCore
import RemitStore

// The channel store's values read from their PostgreSQL rows (`SELECT *`), as SQLite's records read theirs.

extension ChannelCustomer {
    init(postgres row: PostgresRandomAccessRow) throws {
        let stored = PostgresStoredRow(row, table: "channel_customer", keyColumn: "account")
        self.init(
            account: try stored.string("account"), name: try stored.string("name"), email: try stored.string("email"),
            currency: try stored.string("currency"), invoiceAccount: try stored.optionalString("invoice_account"),
            allowOnAccount: try stored.bool("allow_on_account"), creditLimitMinor: try stored.int64("credit_limit_minor"),
            hqChangedAt: try stored.timestamp("hq_changed_at"), address: try stored.optionalString("address"))
    }
}

extension ChannelUser {
    init(postgres row: PostgresRandomAccessRow) throws {
        let stored = PostgresStoredRow(row, table: "channel_user", keyColumn: "login")
        self.init(
            login: try stored.string("login"), customerAccount: try stored.string("customer_account"),
            displayName: try stored.string("display_name"), email: try stored.string("email"))
    }
}

extension ChannelInvoice {
    init(postgres row: PostgresRandomAccessRow) throws {
        let stored = PostgresStoredRow(row, table: "channel_invoice", keyColumn: "number")
        self.init(
            number: try stored.string("number"), customerAccount: try stored.string("customer_account"),
            invoiceDate: try stored.date("invoice_date"), dueDate: try stored.date("due_date"),
            discountLastDay: try stored.optionalDate("discount_last_day"), discountMinor: try stored.int64("discount_minor"),
            currency: try stored.currency(), totalMinor: try stored.int64("total_minor"), settledMinor: try stored.int64("settled_minor"),
            discountTakenMinor: try stored.int64("discount_taken_minor"), status: try stored.value("status", as: InvoicePaymentStatus.self),
            hqChangedAt: try stored.timestamp("hq_changed_at"))
    }
}

extension ChannelProduct {
    init(postgres row: PostgresRandomAccessRow) throws {
        let stored = PostgresStoredRow(row, table: "channel_product", keyColumn: "sku")
        self.init(
            sku: try stored.string("sku"), name: try stored.string("name"),
            price: try stored.money("price_minor", currency: try stored.currency()), hqChangedAt: try stored.timestamp("hq_changed_at"))
    }
}

extension Cart {
    init(postgres row: PostgresRandomAccessRow) throws {
        let stored = PostgresStoredRow(row, table: "cart", keyColumn: "id")
        self.init(
            id: try stored.string("id"), userLogin: try stored.string("user_login"), customerAccount: try stored.string("customer_account"),
            createdAt: try stored.timestamp("created_at"))
        status = try stored.value("status", as: Status.self)
        updatedAt = try stored.timestamp("updated_at")
        submittedAt = try stored.optionalTimestamp("submitted_at")
        tender = try stored.optionalString("tender").map { raw in
            guard let tender = Tender(rawValue: raw) else {
                throw CorruptStoredValue(table: "cart", row: stored.key, column: "tender", found: raw, expected: "a known Tender")
            }
            return tender
        }
    }
}

extension CartLine {
    init(postgres row: PostgresRandomAccessRow) throws {
        let stored = PostgresStoredRow(row, table: "cart_line", keyColumn: "id")
        let currency = try stored.currency()
        self.init(
            id: try stored.string("id"), cartId: try stored.string("cart_id"), position: try stored.int("position"),
            kind: try stored.value("kind", as: CartRules.LineKind.self), invoiceNumber: try stored.optionalString("invoice_number"),
            sku: try stored.optionalString("sku"), description: try stored.string("description"), quantity: try stored.int("quantity"),
            unitPrice: try stored.money("unit_price_minor", currency: currency),
            amount: try stored.money("amount_minor", currency: currency))
    }
}

extension ChannelTransaction {
    init(postgres row: PostgresRandomAccessRow) throws {
        let stored = PostgresStoredRow(row, table: "channel_transaction", keyColumn: "id")
        let lines = try stored.optionalString("lines")
        self.init(
            id: try stored.string("id"), kind: try stored.value("kind", as: Kind.self),
            customerAccount: try stored.string("customer_account"),
            userLogin: try stored.string("user_login"), invoiceNumber: try stored.optionalString("invoice_number"),
            amount: try stored.money("amount_minor", currency: try stored.currency()), tender: try stored.string("tender"),
            lines: try lines.map { try JSONDecoder().decode([OrderLine].self, from: Data($0.utf8)) } ?? [],
            createdAt: try stored.timestamp("created_at"))
    }
}

extension B2BRequest {
    init(postgres row: PostgresRandomAccessRow) throws {
        let stored = PostgresStoredRow(row, table: "b2b_request", keyColumn: "request_id")
        self.init(
            requestId: try stored.string("request_id"), type: try stored.string("type"), userLogin: try stored.string("user_login"),
            customerAccount: try stored.string("customer_account"), invoiceNumber: try stored.optionalString("invoice_number"),
            status: try stored.value("status", as: Status.self), submittedAt: try stored.timestamp("submitted_at"))
    }
}

extension CommandOutcome {
    init(postgres row: PostgresRandomAccessRow) throws {
        let stored = PostgresStoredRow(row, table: "command_outcome", keyColumn: "message_id")
        self.init(
            messageId: try stored.string("message_id"), type: try stored.string("type"), userLogin: try stored.string("user_login"),
            correlationId: try stored.string("correlation_id"), outcome: try stored.value("outcome", as: Outcome.self),
            code: try stored.optionalString("code"), reason: try stored.optionalString("reason"),
            paymentId: try stored.optionalString("payment_id"), requestId: try stored.optionalString("request_id"),
            lineId: try stored.optionalString("line_id"), at: try stored.timestamp("at"))
    }
}

extension EmailLedgerEntry {
    init(postgres row: PostgresRandomAccessRow) throws {
        let stored = PostgresStoredRow(row, table: "email_ledger", keyColumn: "request_id")
        self.init(
            requestId: try stored.string("request_id"), messageId: try stored.string("message_id"),
            recipient: try stored.string("recipient"), status: try stored.value("status", as: Status.self),
            attempts: try stored.int("attempts"), detail: try stored.optionalString("detail"),
            createdAt: try stored.timestamp("created_at"), updatedAt: try stored.timestamp("updated_at"))
    }
}

extension ChannelCredential {
    init(postgres row: PostgresRandomAccessRow) throws {
        let stored = PostgresStoredRow(row, table: "channel_credential", keyColumn: "login")
        self.init(
            login: try stored.string("login"), passwordHash: try stored.string("password_hash"),
            updatedAt: try stored.timestamp("updated_at"))
    }
}
