import Foundation
import PostgresNIO
import RemitCore
import RemitStore

/// What channel-updates writes (`ChannelUpdateQueries`) on the channel store's tables.
///
/// Each "if newer" write is one `INSERT … ON CONFLICT DO UPDATE … WHERE excluded.hq_changed_at >=
/// stored.hq_changed_at`, as on SQLite. Two hosts storing snapshots of one row at once: the second
/// waits for the first's commit, then PostgreSQL re-checks the WHERE against the row the first
/// wrote, so an older snapshot never overwrites a newer one whichever commits first.
struct PostgresChannelUpdates: ChannelUpdateQueries {
    let session: PostgresSession

    func storeIfNewer(_ invoice: ChannelInvoice) throws -> Bool {
        // The invoice date and currency never change in HQ, so they are kept as first stored.
        try session.execute(
            """
            INSERT INTO channel_invoice (number, customer_account, invoice_date, due_date, discount_last_day, discount_minor, currency,
                total_minor, settled_minor, discount_taken_minor, status, hq_changed_at)
            VALUES (\(invoice.number), \(invoice.customerAccount), \(invoice.invoiceDate.description), \(invoice.dueDate.description),
                \(invoice.discountLastDay?.description), \(invoice.discountMinor), \(invoice.currency.code), \(invoice.totalMinor),
                \(invoice.settledMinor), \(invoice.discountTakenMinor), \(invoice.status.rawValue), \(Timestamp.format(invoice.hqChangedAt)))
            ON CONFLICT (number) DO UPDATE SET customer_account = excluded.customer_account, due_date = excluded.due_date,
                discount_last_day = excluded.discount_last_day, discount_minor = excluded.discount_minor,
                total_minor = excluded.total_minor, settled_minor = excluded.settled_minor,
                discount_taken_minor = excluded.discount_taken_minor, status = excluded.status, hq_changed_at = excluded.hq_changed_at
            WHERE excluded.hq_changed_at >= channel_invoice.hq_changed_at
            """) > 0
    }

    func replaceDetail(_ update: InvoiceDetailUpdate) throws {
        if let lines = update.lines {
            try clearWindow(
                table: "channel_invoice_line", position: "line_no", invoice: update.invoice, from: update.linesFrom,
                carried: lines.count, count: update.lineCount ?? lines.count)
            for (index, line) in lines.enumerated() {
                // ON CONFLICT: the same part redelivered to two hosts at once writes its rows twice, not a constraint failure.
                try session.execute(
                    """
                    INSERT INTO channel_invoice_line (invoice_number, line_no, description, amount_minor)
                    VALUES (\(update.invoice), \(Int64(update.linesFrom + index)), \(line.description), \(line.amount.minorUnits))
                    ON CONFLICT (invoice_number, line_no) DO UPDATE SET description = excluded.description,
                        amount_minor = excluded.amount_minor
                    """)
            }
        }
        if let settlements = update.settlements {
            try clearWindow(
                table: "channel_settlement", position: "position", invoice: update.invoice, from: update.settlementsFrom,
                carried: settlements.count, count: update.settlementCount ?? settlements.count)
            for (index, settlement) in settlements.enumerated() {
                try session.execute(
                    """
                    INSERT INTO channel_settlement (invoice_number, position, settled_on, settled_minor, discount_minor, payment_id)
                    VALUES (\(update.invoice), \(Int64(update.settlementsFrom + index)), \(settlement.settledOn.description),
                        \(settlement.settled.minorUnits), \(settlement.discount.minorUnits), \(settlement.paymentId))
                    ON CONFLICT (invoice_number, position) DO UPDATE SET settled_on = excluded.settled_on,
                        settled_minor = excluded.settled_minor, discount_minor = excluded.discount_minor, payment_id = excluded.payment_id
                    """)
            }
        }
    }

    /// Deletes the rows of `invoice` in the window `from ..< from + carried` and beyond `count`.
    private func clearWindow(table: String, position: String, invoice: String, from: Int, carried: Int, count: Int) throws {
        try session.execute(
            """
            DELETE FROM \(unescaped: table) WHERE invoice_number = \(invoice)
                AND ((\(unescaped: position) >= \(Int64(from)) AND \(unescaped: position) < \(Int64(from + carried)))
                    OR \(unescaped: position) > \(Int64(count)))
            """)
    }

    func applyHQOutcome(paymentId: String, posted: Bool, reason: String?) throws {
        // Only a pending payment changes (the WHERE is re-checked after a concurrent change commits).
        try session.execute(
            """
            UPDATE channel_transaction SET hq_state = \(posted ? "posted" : "failed"), hq_detail = \(reason)
            WHERE id = \(paymentId) AND hq_state IS NULL
            """)
    }

    func storeIfNewer(_ customer: ChannelCustomer) throws -> Bool {
        try session.execute(
            """
            INSERT INTO channel_customer (account, name, email, currency, invoice_account, allow_on_account, credit_limit_minor,
                hq_changed_at, address)
            VALUES (\(customer.account), \(customer.name), \(customer.email), \(customer.currency), \(customer.invoiceAccount),
                \(customer.allowOnAccount), \(customer.creditLimitMinor), \(Timestamp.format(customer.hqChangedAt)), \(customer.address))
            ON CONFLICT (account) DO UPDATE SET name = excluded.name, email = excluded.email, currency = excluded.currency,
                invoice_account = excluded.invoice_account, allow_on_account = excluded.allow_on_account,
                credit_limit_minor = excluded.credit_limit_minor, hq_changed_at = excluded.hq_changed_at, address = excluded.address
            WHERE excluded.hq_changed_at >= channel_customer.hq_changed_at
            """) > 0
    }

    func replaceUsers(ofCustomer account: String, with users: [ChannelUser]) throws {
        // The customer's row locked first: two hosts replacing one customer's users run one after
        // the other, rather than interleaving their deletes and inserts.
        try session.execute("SELECT 1 FROM channel_customer WHERE account = \(account) FOR UPDATE")
        try session.execute("DELETE FROM channel_user WHERE customer_account = \(account)")
        for user in users {
            // A login that moved from another customer moves with its row.
            try session.execute(
                """
                INSERT INTO channel_user (login, customer_account, display_name, email)
                VALUES (\(user.login), \(user.customerAccount), \(user.displayName), \(user.email))
                ON CONFLICT (login) DO UPDATE SET customer_account = excluded.customer_account,
                    display_name = excluded.display_name, email = excluded.email
                """)
        }
    }

    func storeIfNewer(_ product: ChannelProduct) throws -> Bool {
        try session.execute(
            """
            INSERT INTO channel_product (sku, name, price_minor, currency, hq_changed_at)
            VALUES (\(product.sku), \(product.name), \(product.price.minorUnits), \(product.price.currency.code),
                \(Timestamp.format(product.hqChangedAt)))
            ON CONFLICT (sku) DO UPDATE SET name = excluded.name, price_minor = excluded.price_minor, currency = excluded.currency,
                hq_changed_at = excluded.hq_changed_at
            WHERE excluded.hq_changed_at >= channel_product.hq_changed_at
            """) > 0
    }

    func applyRequestChange(requestId: String, status: B2BRequest.Status, detail: String?, at date: Date) throws {
        try PostgresRequests(session: session).applyChange(requestId, status: status, detail: detail, at: date)
    }
}
