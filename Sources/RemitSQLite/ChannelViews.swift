import Foundation
import GRDB
import RemitStore
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
        /// The day the latest pending payment was made.
        public var pendingPaidOn: CalendarDate?
        public var total: Money { Money(minorUnits: invoice.totalMinor, currency: invoice.currency) }
        public var paid: Money { Money(minorUnits: invoice.settledMinor, currency: invoice.currency) }
        public var amounts: InvoiceAmounts {
            InvoiceAmounts(
                due: total, settled: paid, discountTaken: Money(minorUnits: invoice.discountTakenMinor, currency: invoice.currency))
        }
        /// Open less pending: what a payment may still cover (nothing, when the pending payments
        /// settle the invoice with its cash discount).
        public var open: Money { balance.available }
        public func isOverdue(today: CalendarDate) -> Bool { amounts.isOverdue(dueDate: invoice.dueDate, today: today) }

        public init(invoice: ChannelInvoice, pending: Money, pendingPaidOn: CalendarDate? = nil) {
            self.invoice = invoice
            self.pending = pending
            self.pendingPaidOn = pendingPaidOn
        }
        /// What a payment may cover and what the storefront proposes, the cash discount included.
        public var balance: InvoiceBalance {
            InvoiceBalance(
                number: invoice.number, amounts: amounts, pending: pending, pendingPaidOn: pendingPaidOn, offer: invoice.discountOffer)
        }
    }

    /// A signed-in user as the channel store knows them: who they are and which accounts they reach.
    public struct Buyer: Sendable, Equatable {
        public var user: ChannelUser
        public var customer: ChannelCustomer
        public var access: InvoiceAccessPolicy

        public init(user: ChannelUser, customer: ChannelCustomer, access: InvoiceAccessPolicy) {
            self.user = user
            self.customer = customer
            self.access = access
        }
    }

    /// The user with their customer and access, or nil when the channel does not know both (yet).
    public static func buyer(_ db: Database, login: String) throws -> Buyer? {
        guard let user = try ChannelUser.find(db, login: login), let customer = try ChannelCustomer.find(db, account: user.customerAccount)
        else { return nil }
        return Buyer(
            user: user, customer: customer,
            access: InvoiceAccessPolicy(customerAccount: customer.account, invoiceAccount: customer.invoiceAccount))
    }

    /// The Invoices page's status filter. The stored status is `InvoiceAmounts.status` of the
    /// amounts stored with it (distribution writes both), so the filter searches an index.
    public enum InvoiceFilter: String, Sendable, CaseIterable {
        case unpaid
        case partiallyPaid = "partially-paid"
        case paid
        case overdue

        func condition(today: CalendarDate) -> SQLExpression {
            let c = ChannelInvoice.Columns.self
            switch self {
            case .unpaid: return c.status == InvoicePaymentStatus.unpaid.rawValue
            case .partiallyPaid: return c.status == InvoicePaymentStatus.partiallyPaid.rawValue
            case .paid: return c.status == InvoicePaymentStatus.paid.rawValue
            case .overdue:
                return [InvoicePaymentStatus.unpaid.rawValue, InvoicePaymentStatus.partiallyPaid.rawValue].contains(c.status)
                    && c.dueDate < today.description
            }
        }
    }

    /// The Invoices page's sort orders; ties go by invoice number.
    public enum InvoiceSort: String, Sendable, CaseIterable {
        case dueDate = "due-date"
        case invoiceDate = "invoice-date"
        case amount

        var column: Column {
            switch self {
            case .dueDate: return ChannelInvoice.Columns.dueDate
            case .invoiceDate: return ChannelInvoice.Columns.invoiceDate
            case .amount: return ChannelInvoice.Columns.totalMinor
            }
        }
    }

    /// What the Invoices page asks for, already validated: which of the user's accounts, which
    /// status, which due dates, which numbers, in which order.
    public struct InvoiceQuery: Sendable, Equatable {
        /// One of the user's accounts, or nil for all of them.
        public var account: String?
        public var status: InvoiceFilter?
        public var dueFrom: CalendarDate?
        public var dueTo: CalendarDate?
        /// Invoice numbers starting with this text.
        public var numberPrefix: String?
        public var sort: InvoiceSort
        public var descending: Bool

        public init(
            account: String? = nil, status: InvoiceFilter? = nil, dueFrom: CalendarDate? = nil, dueTo: CalendarDate? = nil,
            numberPrefix: String? = nil, sort: InvoiceSort = .dueDate, descending: Bool = false
        ) {
            self.account = account
            self.status = status
            self.dueFrom = dueFrom
            self.dueTo = dueTo
            self.numberPrefix = numberPrefix
            self.sort = sort
            self.descending = descending
        }

        /// The request for `accounts` (the user's) with this query's conditions, unordered.
        func request(accounts: [String], today: CalendarDate) -> QueryInterfaceRequest<ChannelInvoice> {
            let c = ChannelInvoice.Columns.self
            let searched = account.map { accounts.contains($0) ? [$0] : [] } ?? accounts
            var request = ChannelInvoice.filter(searched.contains(c.customerAccount))
            if let status { request = request.filter(status.condition(today: today)) }
            if let dueFrom { request = request.filter(c.dueDate >= dueFrom.description) }
            if let dueTo { request = request.filter(c.dueDate <= dueTo.description) }
            if let numberPrefix, !numberPrefix.isEmpty {
                // A range on the key, not LIKE: it searches the primary key's index, and % and _ mean nothing.
                request = request.filter(c.number >= numberPrefix && c.number < numberPrefix + "\u{10FFFF}")
            }
            return request
        }

        /// The query's order: the sort column, then the number, both in the chosen direction.
        func ordered(_ request: QueryInterfaceRequest<ChannelInvoice>) -> QueryInterfaceRequest<ChannelInvoice> {
            let number = ChannelInvoice.Columns.number
            return descending ? request.order(sort.column.desc, number.desc) : request.order(sort.column, number)
        }
    }

    /// One page of a user's invoices and how many there are in all.
    public struct InvoicePage: Sendable, Equatable {
        public var rows: [InvoiceRow]
        public var total: Int
    }

    /// The invoices of `accounts` that pass `query`, in its order, `limit` from `offset`. An
    /// account in the query that is not among `accounts` finds nothing.
    public static func invoicePage(
        _ db: Database, accounts: [String], query: InvoiceQuery = InvoiceQuery(), today: CalendarDate, offset: Int, limit: Int
    ) throws -> InvoicePage {
        let request = query.request(accounts: accounts, today: today)
        let total = try request.fetchCount(db)
        // First the page's places, from the sort order's index alone (it ends with the number);
        // then only the rows shown. Read whole, every row the order passes would be looked up.
        let places = try Row.fetchAll(
            db,
            query.ordered(request).select(Column.rowID, ChannelInvoice.Columns.number)
                .limit(max(0, limit), offset: max(0, offset)))
        guard !places.isEmpty else { return InvoicePage(rows: [], total: total) }
        let numbers: [String] = places.map { $0[1] }
        let shown = try ChannelInvoice.filter(places.map { $0[0] as Int64 }.contains(Column.rowID)).fetchAll(db)
        let byNumber = Dictionary(shown.map { ($0.number, $0) }, uniquingKeysWith: { first, _ in first })
        return InvoicePage(rows: try numbers.compactMap { byNumber[$0] }.map { try row(db, $0) }, total: total)
    }

    /// `invoice` with the channel's payments for it that HQ has not settled yet.
    public static func row(_ db: Database, _ invoice: ChannelInvoice) throws -> InvoiceRow {
        let pending = try ChannelTransaction.pending(db, invoice: invoice.number, currency: invoice.currency)
        return InvoiceRow(invoice: invoice, pending: pending.amount, pendingPaidOn: pending.lastPaidOn)
    }

    /// The buyer's open cart: its lines and, for each invoice line that could not be paid as it stands
    /// (paid since, a payment pending for it, more than is open now), why — the check a checkout makes.
    public struct OpenCart: Sendable, Equatable {
        public var lines: [CartLine]
        /// By line id.
        public var refusals: [String: StorefrontRefusal]

        /// The first line's refusal, in the cart's order.
        public var firstRefusal: StorefrontRefusal? { lines.lazy.compactMap { refusals[$0.id] }.first }
    }

    public static func openCart(_ db: Database, buyer: Buyer, today: CalendarDate) throws -> OpenCart {
        guard let cart = try Cart.open(db, user: buyer.user.login) else { return OpenCart(lines: [], refusals: [:]) }
        let lines = try CartLine.lines(db, cart: cart.id)
        var refusals: [String: StorefrontRefusal] = [:]
        for line in lines where line.kind == .invoice {
            let number = line.invoiceNumber ?? ""
            guard let invoice = try ChannelInvoice.find(db, number: number), buyer.access.allows(invoiceOwnedBy: invoice.customerAccount)
            else {
                refusals[line.id] = .invoiceNotFound(number)
                continue
            }
            let balance = try row(db, invoice).balance
            do { _ = try balance.checkPayment(line.amount, today: today) } catch { refusals[line.id] = error }
        }
        return OpenCart(lines: lines, refusals: refusals)
    }

    /// Whether the channel store answers a query on the table the portal reads most (its health check).
    public static func checkReadable(_ db: Database) throws {
        _ = try ChannelInvoice.select(ChannelInvoice.Columns.number, as: String.self).limit(1).fetchOne(db)
    }

    /// The account a charge on account goes to and its credit: the Invoices page's summary and
    /// the cart's check of a payment on account decide it here, the same way.
    public struct AccountSummary: Sendable, Equatable {
        /// The charged account: the invoice account HQ named, else the customer's own.
        public var account: ChannelCustomer
        public var currency: Currency
        /// The open amounts of the charged account's invoices.
        public var balance: Money
        /// Charges on account the channel took and has not uploaded to HQ yet.
        public var unuploaded: Money
        public var creditLimit: Money
        /// Credit left: the limit less the balance and the charges not yet uploaded (may be negative).
        public var headroom: Money
        /// Whether the buyer may pay on account at all (their customer and the charged account).
        public var allowsOnAccount: Bool
    }

    /// The credit of the account `buyer` charges on account, or nil when its currency is not one
    /// Remit knows (it then has no headroom at all).
    public static func accountSummary(_ db: Database, buyer: Buyer) throws -> AccountSummary? {
        var charged = buyer.customer
        if let invoiceAccount = buyer.customer.invoiceAccount, let organization = try ChannelCustomer.find(db, account: invoiceAccount) {
            charged = organization
        }
        guard let currency = try? Currency(charged.currency) else { return nil }
        let balance = try ChannelInvoice.openBalance(db, account: charged.account, currency: currency)
        let unuploaded = try ChannelTransaction.unuploadedOnAccount(db, account: charged.account, currency: currency)
        let headroom = Int128(charged.creditLimitMinor) - Int128(balance.minorUnits) - Int128(unuploaded.minorUnits)
        return AccountSummary(
            account: charged, currency: currency, balance: balance, unuploaded: unuploaded,
            creditLimit: Money(minorUnits: charged.creditLimitMinor, currency: currency),
            headroom: Money(minorUnits: Int64(clamping: headroom), currency: currency),
            allowsOnAccount: charged.allowOnAccount && buyer.customer.allowOnAccount)
    }

    /// One payment the channel took for an invoice, and what HQ made of it.
    public struct PaymentRow: Sendable, Equatable {
        public enum State: String, Sendable { case pending, posted, refused }
        public var transaction: ChannelTransaction
        public var state: State
        /// Why HQ refused it.
        public var reason: String?
    }

    /// An invoice with everything its detail page shows.
    public struct InvoiceDetail: Sendable, Equatable {
        public var row: InvoiceRow
        public var lines: [InvoiceDocument.Line]
        public var settlements: [InvoiceSnapshot.Settlement]
        public var payments: [PaymentRow]
        /// The user's own requests for this invoice, newest first.
        public var requests: [RequestRow]
    }

    /// Invoice `number` with its lines, settlements, payments and the user's requests for it — or
    /// nil when it does not exist or belongs to an account the buyer does not reach (the same nil).
    public static func invoiceDetail(_ db: Database, buyer: Buyer, number: String) throws -> InvoiceDetail? {
        guard let invoice = try ChannelInvoice.find(db, number: number), buyer.access.allows(invoiceOwnedBy: invoice.customerAccount)
        else { return nil }
        let payments = try Row.fetchAll(
            db,
            sql: """
                SELECT * FROM channel_transaction WHERE invoice_number = ? AND kind = ? ORDER BY created_at, id
                """, arguments: [invoice.number, ChannelTransaction.Kind.invoicePayment.rawValue]
        ).map { row -> PaymentRow in
            let state: String? = row["hq_state"]
            return PaymentRow(
                transaction: try ChannelTransaction(row: row),
                state: state == "posted" ? .posted : state == nil ? .pending : .refused, reason: row["hq_detail"])
        }
        let requests = try requestRows(
            db,
            sql: """
                SELECT * FROM b2b_request WHERE invoice_number = ? AND user_login = ?
                ORDER BY submitted_at DESC, request_id LIMIT 100
                """, arguments: [invoice.number, buyer.user.login])
        return InvoiceDetail(
            row: try row(db, invoice), lines: try ChannelInvoiceDetail.lines(db, invoice: invoice),
            settlements: try ChannelInvoiceDetail.settlements(db, invoice: invoice), payments: payments, requests: requests)
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
        try requestRows(
            db,
            sql: """
                SELECT * FROM b2b_request WHERE user_login = ? ORDER BY submitted_at DESC, request_id LIMIT ?
                """, arguments: [user, limit])
    }

    private static func requestRows(_ db: Database, sql: String, arguments: StatementArguments) throws -> [RequestRow] {
        try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
            let stored = StoredRow(row, table: B2BRequest.databaseTableName, key: row["request_id"])
            return RequestRow(
                request: try B2BRequest(row: row), status: try stored.value("status", as: B2BRequest.Status.self),
                updatedAt: try stored.timestamp("updated_at"), detail: row["detail"], repeats: row["repeat_count"])
        }
    }
}
