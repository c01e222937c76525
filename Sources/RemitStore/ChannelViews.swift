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
        /// What a payment may cover and what the storefront proposes, the cash discount included.
        public var balance: InvoiceBalance {
            InvoiceBalance(number: invoice.number, amounts: amounts, pending: pending, offer: invoice.discountOffer)
        }
    }

    /// A signed-in user as the channel store knows them: who they are and which accounts they reach.
    public struct Buyer: Sendable, Equatable {
        public var user: ChannelUser
        public var customer: ChannelCustomer
        public var access: InvoiceAccessPolicy
    }

    /// The user with their customer and access, or nil when the channel does not know both (yet).
    public static func buyer(_ db: Database, login: String) throws -> Buyer? {
        guard let user = try ChannelUser.find(db, login: login), let customer = try ChannelCustomer.find(db, account: user.customerAccount)
        else { return nil }
        return Buyer(
            user: user, customer: customer,
            access: InvoiceAccessPolicy(customerAccount: customer.account, invoiceAccount: customer.invoiceAccount))
    }

    /// The Invoices page's status filter, decided in SQL exactly as `InvoiceAmounts.status` and
    /// `isOverdue` decide it for one row.
    public enum InvoiceFilter: String, Sendable, CaseIterable {
        case unpaid
        case partiallyPaid = "partially-paid"
        case paid
        case overdue

        func condition(today: CalendarDate) -> SQLExpression {
            let c = ChannelInvoice.Columns.self
            let open = (c.totalMinor - c.settledMinor - c.discountTakenMinor) > 0
            let untouched = c.settledMinor == 0 && c.discountTakenMinor == 0
            switch self {
            case .unpaid: return open && untouched
            case .partiallyPaid: return open && !untouched
            case .paid: return !open
            case .overdue: return open && c.dueDate < today.description
            }
        }
    }

    /// One page of a user's invoices and how many there are in all.
    public struct InvoicePage: Sendable, Equatable {
        public var rows: [InvoiceRow]
        public var total: Int
    }

    /// The invoices of `accounts` that pass `filter`, by due date then number, `limit` from `offset`.
    public static func invoicePage(
        _ db: Database, accounts: [String], filter: InvoiceFilter?, today: CalendarDate, offset: Int, limit: Int
    ) throws -> InvoicePage {
        var request = ChannelInvoice.filter(accounts.contains(ChannelInvoice.Columns.customerAccount))
        if let filter { request = request.filter(filter.condition(today: today)) }
        let total = try request.fetchCount(db)
        let invoices = try request.order(ChannelInvoice.Columns.dueDate, ChannelInvoice.Columns.number)
            .limit(max(0, limit), offset: max(0, offset)).fetchAll(db)
        let rows = try invoices.map { invoice in
            InvoiceRow(
                invoice: invoice, pending: try ChannelTransaction.pendingAmount(db, invoice: invoice.number, currency: invoice.currency))
        }
        return InvoicePage(rows: rows, total: total)
    }

    /// Whether the channel store answers a query on the table the portal reads most (its health check).
    public static func checkReadable(_ db: Database) throws {
        _ = try ChannelInvoice.select(ChannelInvoice.Columns.number, as: String.self).limit(1).fetchOne(db)
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
