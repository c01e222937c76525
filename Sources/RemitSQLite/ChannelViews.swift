import Foundation
import GRDB
import RemitStore
import RemitCore
import RemitMessages

// What a buyer sees, read from the channel store (`BuyerViewQueries` in SQLite; `SQLiteBuyerViews`
// answers through these). None of them writes.
extension BuyerView {

    /// The user with their customer and access, or nil when the channel does not know both (yet).
    public static func buyer(_ db: Database, login: String) throws -> Buyer? {
        guard let user = try ChannelUser.find(db, login: login), let customer = try ChannelCustomer.find(db, account: user.customerAccount)
        else { return nil }
        return Buyer(
            user: user, customer: customer,
            access: InvoiceAccessPolicy(customerAccount: customer.account, invoiceAccount: customer.invoiceAccount))
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

// The Invoices page's query as GRDB requests on `channel_invoice`.
extension BuyerView.InvoiceFilter {
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

extension BuyerView.InvoiceSort {
    var column: Column {
        switch self {
        case .dueDate: return ChannelInvoice.Columns.dueDate
        case .invoiceDate: return ChannelInvoice.Columns.invoiceDate
        case .amount: return ChannelInvoice.Columns.totalMinor
        }
    }
}

extension BuyerView.InvoiceQuery {
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
