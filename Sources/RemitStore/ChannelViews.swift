import Foundation
import GRDB
import RemitCore
import RemitMessages

/// What a buyer sees, read from the channel store: their invoices with what is pending, their B2B
/// requests, their cart. The portal and `remit shop` read through these; none of them writes.
public enum BuyerView {
    /// One invoice as the Invoices page lists it.
    public struct InvoiceRow: Sendable, Equatable {
        public var invoice: ChannelInvoice
        /// Payments the channel took that HQ has not settled or refused yet.
        public var pending: Money
        public var total: Money { Money(minorUnits: invoice.totalMinor, currency: invoice.currency) }
        public var paid: Money { Money(minorUnits: invoice.settledMinor, currency: invoice.currency) }
        public var amounts: InvoiceAmounts {
            InvoiceAmounts(
                due: total, settled: paid, discountTaken: Money(minorUnits: invoice.discountTakenMinor, currency: invoice.currency))
        }
        /// Open less pending: what a payment may still cover.
        public var open: Money {
            Money(minorUnits: max(0, amounts.open.minorUnits - pending.minorUnits), currency: invoice.currency)
        }
        public func isOverdue(today: CalendarDate) -> Bool { amounts.isOverdue(dueDate: invoice.dueDate, today: today) }
    }

    /// The invoices of `accounts` (the user's own and its invoice account), by due date.
    public static func invoices(_ db: Database, accounts: [String], limit: Int = 500) throws -> [InvoiceRow] {
        let invoices = try ChannelInvoice.filter(accounts.contains(ChannelInvoice.Columns.customerAccount))
            .order(ChannelInvoice.Columns.dueDate, ChannelInvoice.Columns.number).limit(limit).fetchAll(db)
        return try invoices.map { invoice in
            InvoiceRow(
                invoice: invoice, pending: try ChannelTransaction.pendingAmount(db, invoice: invoice.number, currency: invoice.currency))
        }
    }

    /// A B2B request as My account → B2B requests shows it.
    public struct RequestRow: Sendable, Equatable {
        public var request: B2BRequest
        public var status: B2BRequest.Status
        public var updatedAt: Date
        public var detail: String?
        public var repeats: Int
    }

    public static func requests(_ db: Database, user: String, limit: Int = 200) throws -> [RequestRow] {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT * FROM b2b_request WHERE user_login = ? ORDER BY submitted_at DESC, request_id LIMIT ?
                """, arguments: [user, limit])
        return try rows.map { row in
            let stored = StoredRow(row, table: B2BRequest.databaseTableName, key: row["request_id"])
            return RequestRow(
                request: try B2BRequest(row: row), status: try stored.value("status", as: B2BRequest.Status.self),
                updatedAt: try stored.timestamp("updated_at"), detail: row["detail"], repeats: row["repeat_count"])
        }
    }
}
