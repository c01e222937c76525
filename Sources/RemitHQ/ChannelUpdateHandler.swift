import Foundation
import GRDB
import RemitCore
import RemitRuntime

/// The `channel-updates` worker kind: applies what HQ distributed to the channel store the portal
/// reads. A snapshot older than the one stored never overwrites it (distribution may redeliver).
public struct ChannelUpdateHandler: MessageHandler {
    let clock: any WallClock

    public init(clock: any WallClock) { self.clock = clock }

    public var bodyTypes: [any MessageBody.Type] { [InvoicesChanged.self, CustomersChanged.self, RequestsChanged.self] }

    public func handle(_ message: IncomingMessage, in db: Database) throws -> [OutgoingMessage] {
        switch message.body {
        case let changed as InvoicesChanged: try apply(changed, db)
        case let changed as CustomersChanged: try apply(changed, db)
        case let changed as RequestsChanged: try apply(changed, db)
        default: throw BadInput("channel-updates does not handle \(message.header.type)")
        }
        return []
    }

    private func apply(_ changed: InvoicesChanged, _ db: Database) throws {
        let upsert = try db.cachedStatement(sql: """
            INSERT INTO channel_invoice (number, customer_account, invoice_date, due_date, discount_last_day, discount_minor, currency,
                                         total_minor, settled_minor, discount_taken_minor, status, hq_changed_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(number) DO UPDATE SET customer_account = excluded.customer_account, due_date = excluded.due_date,
                discount_last_day = excluded.discount_last_day, discount_minor = excluded.discount_minor,
                total_minor = excluded.total_minor, settled_minor = excluded.settled_minor,
                discount_taken_minor = excluded.discount_taken_minor, status = excluded.status,
                hq_changed_at = excluded.hq_changed_at
            WHERE excluded.hq_changed_at >= channel_invoice.hq_changed_at
            """)
        for invoice in changed.invoices {
            try upsert.execute(arguments: [
                invoice.number, invoice.customerAccount, invoice.invoiceDate.description, invoice.dueDate.description,
                invoice.discountLastDay?.description, invoice.discount.minorUnits, invoice.total.currency.code,
                invoice.total.minorUnits, invoice.settled.minorUnits, invoice.discountTaken.minorUnits,
                invoice.amounts.status.rawValue, Timestamp.format(invoice.changedAt)])
        }
    }

    private func apply(_ changed: CustomersChanged, _ db: Database) throws {
        let upsertCustomer = try db.cachedStatement(sql: """
            INSERT INTO channel_customer (account, name, email, currency, invoice_account, allow_on_account, credit_limit_minor,
                                          hq_changed_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(account) DO UPDATE SET name = excluded.name, email = excluded.email, currency = excluded.currency,
                invoice_account = excluded.invoice_account, allow_on_account = excluded.allow_on_account,
                credit_limit_minor = excluded.credit_limit_minor, hq_changed_at = excluded.hq_changed_at
            WHERE excluded.hq_changed_at >= channel_customer.hq_changed_at
            """)
        let deleteUsers = try db.cachedStatement(sql: "DELETE FROM channel_user WHERE customer_account = ?")
        let insertUser = try db.cachedStatement(sql: """
            INSERT OR REPLACE INTO channel_user (login, customer_account, display_name, email) VALUES (?, ?, ?, ?)
            """)
        for customer in changed.customers {
            try upsertCustomer.execute(arguments: [
                customer.account, customer.name, customer.email, customer.currency, customer.invoiceAccount,
                customer.allowOnAccount, customer.creditLimit.minorUnits, Timestamp.format(customer.changedAt)])
            // The users belong to the snapshot: an older one (a retried or redelivered message) that
            // the guard above skipped must not bring back the users it had.
            guard db.changesCount > 0 else { continue }
            try deleteUsers.execute(arguments: [customer.account])
            for user in customer.users {
                try insertUser.execute(arguments: [user.login, customer.account, user.displayName, user.email])
            }
        }
    }

    private func apply(_ changed: RequestsChanged, _ db: Database) throws {
        for change in changed.requests {
            try db.execute(sql: """
                UPDATE b2b_request SET status = ?, updated_at = ?, detail = ? WHERE request_id = ? AND updated_at <= ?
                """, arguments: [change.status, Timestamp.format(change.at), change.detail, change.requestId, Timestamp.format(change.at)])
        }
    }
}
