import Foundation
import PostgresNIO
import RemitCore
import RemitStore

/// What buyers see (`BuyerViewQueries`), read from the channel store's tables. In a write
/// transaction (`locking`, a command checking what it may do) the customer and invoice rows it
/// reads are locked as `PostgresStorefront` locks them, so the check holds until the commit.
struct PostgresBuyerViews: BuyerViewQueries {
    let session: PostgresSession
    let locking: Bool

    private var storefront: PostgresStorefront { PostgresStorefront(session: session, locking: locking) }

    func buyer(login: String) throws -> BuyerView.Buyer? {
        guard let user = try storefront.user(login: login), let customer = try storefront.customer(account: user.customerAccount)
        else { return nil }
        return BuyerView.Buyer(
            user: user, customer: customer,
            access: InvoiceAccessPolicy(customerAccount: customer.account, invoiceAccount: customer.invoiceAccount))
    }

    func invoicePage(
        accounts: [String], query: BuyerView.InvoiceQuery, today: CalendarDate, offset: Int, limit: Int
    ) throws -> BuyerView.InvoicePage {
        let page = PostgresInvoicePageQuery(accounts: accounts, query: query, today: today)
        let total = Int(try session.row(page.count)?[0].decode(Int64.self) ?? 0)
        let invoices = try session.rows(page.page(offset: offset, limit: limit)).map(ChannelInvoice.init(postgres:))
        return BuyerView.InvoicePage(rows: try invoices.map(row), total: total)
    }

    /// `invoice` with the sum of the invoice payments HQ has neither settled nor refused yet, and the
    /// day the latest was made (the day HQ settles it as paid on, which decides its cash discount).
    func row(_ invoice: ChannelInvoice) throws -> BuyerView.InvoiceRow {
        let row = try session.row(
            """
            SELECT COALESCE(SUM(amount_minor), 0)::BIGINT AS amount_minor, MAX(created_at) AS created_at FROM channel_transaction
            WHERE invoice_number = \(invoice.number) AND kind = \(ChannelTransaction.Kind.invoicePayment.rawValue) AND hq_state IS NULL
                AND currency = \(invoice.currency.code)
            """)
        guard let row else { return BuyerView.InvoiceRow(invoice: invoice, pending: .zero(invoice.currency)) }
        let stored = PostgresStoredRow(row, table: "channel_transaction", keyColumn: "created_at")
        let latest = try stored.optionalTimestamp("created_at")
        return BuyerView.InvoiceRow(
            invoice: invoice, pending: try stored.money("amount_minor", currency: invoice.currency),
            pendingPaidOn: latest.map { CalendarDate($0) })
    }

    func openCart(buyer: BuyerView.Buyer, today: CalendarDate) throws -> BuyerView.OpenCart {
        guard let cart = try storefront.openCart(user: buyer.user.login) else { return BuyerView.OpenCart(lines: [], refusals: [:]) }
        let lines = try storefront.cartLines(cart: cart.id)
        var refusals: [String: StorefrontRefusal] = [:]
        for line in lines where line.kind == .invoice {
            let number = line.invoiceNumber ?? ""
            guard let invoice = try storefront.invoice(number: number), buyer.access.allows(invoiceOwnedBy: invoice.customerAccount)
            else {
                refusals[line.id] = .invoiceNotFound(number)
                continue
            }
            let balance = try row(invoice).balance
            do { _ = try balance.checkPayment(line.amount, today: today) } catch { refusals[line.id] = error }
        }
        return BuyerView.OpenCart(lines: lines, refusals: refusals)
    }

    func accountSummary(buyer: BuyerView.Buyer) throws -> BuyerView.AccountSummary? {
        var charged = buyer.customer
        if let invoiceAccount = buyer.customer.invoiceAccount, let organization = try storefront.customer(account: invoiceAccount) {
            charged = organization
        }
        guard let currency = try? Currency(charged.currency) else { return nil }
        // The open-amount CASE both backends run: an overpaid invoice neither owes nor lowers the balance.
        let balance =
            try session.row(
                """
                SELECT COALESCE(SUM(
                    CASE WHEN total_minor - settled_minor - discount_taken_minor > 0
                    THEN total_minor - settled_minor - discount_taken_minor ELSE 0 END), 0)::BIGINT
                FROM channel_invoice WHERE customer_account = \(charged.account) AND currency = \(currency.code)
                """)?[0].decode(Int64.self) ?? 0
        let unuploaded =
            try session.row(
                """
                SELECT COALESCE(SUM(amount_minor), 0)::BIGINT FROM channel_transaction
                WHERE customer_account = \(charged.account) AND tender = \(Tender.onAccount.rawValue) AND uploaded_at IS NULL
                    AND currency = \(currency.code)
                """)?[0].decode(Int64.self) ?? 0
        let headroom = Int128(charged.creditLimitMinor) - Int128(balance) - Int128(unuploaded)
        return BuyerView.AccountSummary(
            account: charged, currency: currency, balance: Money(minorUnits: balance, currency: currency),
            unuploaded: Money(minorUnits: unuploaded, currency: currency),
            creditLimit: Money(minorUnits: charged.creditLimitMinor, currency: currency),
            headroom: Money(minorUnits: Int64(clamping: headroom), currency: currency),
            allowsOnAccount: charged.allowOnAccount && buyer.customer.allowOnAccount)
    }

    func invoiceDetail(buyer: BuyerView.Buyer, number: String) throws -> BuyerView.InvoiceDetail? {
        guard let invoice = try storefront.invoice(number: number), buyer.access.allows(invoiceOwnedBy: invoice.customerAccount)
        else { return nil }
        let payments = try session.rows(
            """
            SELECT * FROM channel_transaction WHERE invoice_number = \(invoice.number)
                AND kind = \(ChannelTransaction.Kind.invoicePayment.rawValue) ORDER BY created_at, id
            """
        ).map { row -> BuyerView.PaymentRow in
            let state = try row["hq_state"].decode(String?.self)
            return BuyerView.PaymentRow(
                transaction: try ChannelTransaction(postgres: row),
                state: state == "posted" ? .posted : state == nil ? .pending : .refused, reason: try row["hq_detail"].decode(String?.self))
        }
        let requests = try requestRows(
            """
            SELECT * FROM b2b_request WHERE invoice_number = \(invoice.number) AND user_login = \(buyer.user.login)
            ORDER BY submitted_at DESC, request_id LIMIT 100
            """)
        return BuyerView.InvoiceDetail(
            row: try row(invoice), lines: try lines(invoice), settlements: try settlements(invoice), payments: payments,
            requests: requests)
    }

    private func lines(_ invoice: ChannelInvoice) throws -> [ChannelInvoiceLine] {
        try session.rows(
            "SELECT description, amount_minor FROM channel_invoice_line WHERE invoice_number = \(invoice.number) ORDER BY line_no"
        ).map {
            ChannelInvoiceLine(
                description: try $0["description"].decode(String.self),
                amount: Money(minorUnits: try $0["amount_minor"].decode(Int64.self), currency: invoice.currency))
        }
    }

    private func settlements(_ invoice: ChannelInvoice) throws -> [ChannelSettlement] {
        try session.rows(
            """
            SELECT settled_on, settled_minor, discount_minor, payment_id FROM channel_settlement
            WHERE invoice_number = \(invoice.number) ORDER BY position
            """
        ).map { row in
            let stored = PostgresStoredRow(row, table: "channel_settlement", keyColumn: "payment_id")
            return ChannelSettlement(
                settledOn: try stored.date("settled_on"), settled: try stored.money("settled_minor", currency: invoice.currency),
                discount: try stored.money("discount_minor", currency: invoice.currency), paymentId: try stored.string("payment_id"))
        }
    }

    func requests(user: String, limit: Int) throws -> [BuyerView.RequestRow] {
        try requestRows("SELECT * FROM b2b_request WHERE user_login = \(user) ORDER BY submitted_at DESC, request_id LIMIT \(Int64(limit))")
    }

    private func requestRows(_ query: PostgresQuery) throws -> [BuyerView.RequestRow] {
        try session.rows(query).map { row in
            let stored = PostgresStoredRow(row, table: "b2b_request", keyColumn: "request_id")
            return BuyerView.RequestRow(
                request: try B2BRequest(postgres: row), status: try stored.value("status", as: B2BRequest.Status.self),
                updatedAt: try stored.timestamp("updated_at"), detail: try stored.optionalString("detail"),
                repeats: try stored.int("repeat_count"))
        }
    }

    func letters(invoices: [String]) throws -> [String: [SentLetter]] { try PostgresSentLetters.letters(invoices: invoices, session) }

    func letters(accounts: [String], limit: Int) throws -> [SentLetter] {
        try PostgresSentLetters.letters(accounts: accounts, limit: limit, session)
    }

    func credential(login: String) throws -> ChannelCredential? {
        try session.row("SELECT * FROM channel_credential WHERE login = \(login)").map(ChannelCredential.init(postgres:))
    }

    func checkReadable() throws { _ = try session.row("SELECT number FROM channel_invoice LIMIT 1") }
}
