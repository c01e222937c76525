import Foundation
import Hummingbird
import RemitCore
import RemitMessages
import RemitStore

/// The Invoices page (the account summary, filters, sort orders, pages) and an invoice's detail page.
extension BuyerPages {
    struct Option {
        let value: String
        let label: String
        let selected: Bool
    }

    struct SummaryView {
        let account: String
        let name: String
        let balance: String
        let creditLimit: String
        let headroom: String
        let unuploaded: String?
        let onAccount: Bool
    }

    struct InvoiceRowView {
        let number: String
        let href: String
        let account: String
        let invoiceDate: String
        let dueDate: String
        let overdue: Bool
        let total: String
        let paid: String
        let pending: String
        let open: String
        let status: String
        let currency: String
        /// "pay X by DATE" when paying now earns the cash discount.
        let offer: Offer?
        let payable: Bool
        let proposed: String
        let csrf: String
        /// The latest collection letter that listed it: "First reminder, 2026-12-31".
        let letter: String?
    }

    struct Offer {
        let payment: String
        let lastDay: String
    }

    struct PageLink {
        let number: Int
        let href: String
        let current: Bool
    }

    struct InvoicesView {
        let chrome: Chrome
        let summary: SummaryView?
        let accounts: [Option]
        let statuses: [Option]
        let sorts: [Option]
        let orders: [Option]
        let dueFrom: String
        let dueTo: String
        let number: String
        let errors: [FieldError]
        let hasErrors: Bool
        let listSummary: String
        let rows: [InvoiceRowView]
        let pages: [PageLink]
        let hasPages: Bool
        let previous: String?
        let next: String?
    }

    static func statusLabel(_ status: InvoicePaymentStatus) -> String {
        switch status {
        case .unpaid: return "Unpaid"
        case .partiallyPaid: return "Partially paid"
        case .paid: return "Paid"
        }
    }

    static func filterLabel(_ filter: BuyerView.InvoiceFilter?) -> String {
        switch filter {
        case nil: return "All"
        case .unpaid: return "Unpaid"
        case .partiallyPaid: return "Partially paid"
        case .paid: return "Paid"
        case .overdue: return "Overdue"
        }
    }

    static func sortLabel(_ sort: BuyerView.InvoiceSort) -> String {
        switch sort {
        case .dueDate: return "Due date"
        case .invoiceDate: return "Invoice date"
        case .amount: return "Amount"
        }
    }

    func summaryView(_ summary: BuyerView.AccountSummary?) -> SummaryView? {
        guard let summary else { return nil }
        return SummaryView(
            account: summary.account.account, name: summary.account.name, balance: summary.balance.description,
            creditLimit: summary.creditLimit.description, headroom: summary.headroom.description,
            unuploaded: summary.unuploaded.minorUnits > 0 ? summary.unuploaded.description : nil, onAccount: summary.allowsOnAccount)
    }

    func rowView(_ row: BuyerView.InvoiceRow, today: CalendarDate, csrf: String, letter: SentLetter? = nil) -> InvoiceRowView {
        let balance = row.balance
        let proposed = balance.proposedPayment(today: today)
        let offer = balance.discountProposal(today: today).map { Offer(payment: $0.payment.description, lastDay: $0.lastDay.description) }
        return InvoiceRowView(
            number: row.invoice.number, href: "/invoices/\(InvoiceListInput.percentEncoded(row.invoice.number))",
            account: row.invoice.customerAccount, invoiceDate: row.invoice.invoiceDate.description,
            dueDate: row.invoice.dueDate.description, overdue: row.isOverdue(today: today), total: row.total.description,
            paid: row.paid.description, pending: row.pending.description, open: row.open.description,
            status: Self.statusLabel(row.amounts.status), currency: row.invoice.currency.code, offer: offer,
            payable: balance.available.minorUnits > 0, proposed: proposed.decimalString, csrf: csrf, letter: letter?.label)
    }

    /// What the list says it shows. (With wrong filters the alert above the list asks to check them;
    /// the list says only what it shows.)
    static func listSummary(shown: Int, of total: Int, page: Int, size: Int) -> String {
        let pageCount = max(1, (total + size - 1) / size)
        let first = (page - 1) * size + 1
        if shown > 0 { return "Invoices \(first)–\(first + shown - 1) of \(total), page \(page) of \(pageCount)." }
        if total == 0 { return "No invoices." }
        return "No invoices on page \(page); there \(pageCount == 1 ? "is 1 page" : "are \(pageCount) pages")."
    }

    func invoices(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        guard let buyer = context.identity, let session = context.sessions.session else {
            return .redirect(to: "/sign-in", type: .normal)
        }
        let parameters = request.uri.queryParameters
        let input = InvoiceListInput { name in parameters[name[...]].map { String($0.prefix(200)) } }
        let accounts = buyer.access.accounts
        let (checked, errors) = input.checkedOrErrors(accounts: accounts)
        let size = max(1, settings.pageSize)
        let today = CalendarDate(dependencies.clock.now())
        let (found, summary, letters) = try await dependencies.channel.readChannel { channel in
            let found = try checked.map {
                try channel.buyerViews.invoicePage(
                    accounts: accounts, query: $0.query, today: today, offset: ($0.page - 1) * size, limit: size)
            }
            return (
                found, try channel.buyerViews.accountSummary(buyer: buyer),
                try channel.buyerViews.letters(invoices: found?.rows.map(\.invoice.number) ?? [])
            )
        }
        let query = checked?.query
        let page = checked?.page ?? 1
        let total = found?.total ?? 0
        let pageCount = max(1, (total + size - 1) / size)
        func href(_ number: Int) -> String {
            guard let checked else { return "/invoices" }
            let text = InvoiceListInput.queryString(checked, page: number)
            return text.isEmpty ? "/invoices" : "/invoices?" + text
        }
        // The first, the last, and two either side of the current page (or of the last, past the end).
        let current = min(page, pageCount)
        let shownPages = Set([1, pageCount] + Array(max(1, current - 2)...min(pageCount, current + 2))).sorted()
        let rows = found?.rows ?? []
        let listSummary = found == nil ? "No invoices listed." : Self.listSummary(shown: rows.count, of: total, page: page, size: size)
        let view = InvoicesView(
            chrome: Chrome.of(context, title: "Invoices"), summary: summaryView(summary),
            accounts: [Option(value: "", label: "All accounts", selected: query?.account == nil)]
                + accounts.map { Option(value: $0, label: $0, selected: query?.account == $0) },
            statuses: ([nil] + BuyerView.InvoiceFilter.allCases.map { Optional($0) }).map {
                Option(value: $0?.rawValue ?? "", label: Self.filterLabel($0), selected: $0 == query?.status)
            },
            sorts: BuyerView.InvoiceSort.allCases.map {
                Option(value: $0.rawValue, label: Self.sortLabel($0), selected: $0 == (query?.sort ?? .dueDate))
            },
            orders: [
                Option(value: "asc", label: "Ascending", selected: query?.descending != true),
                Option(value: "desc", label: "Descending", selected: query?.descending == true),
            ],
            dueFrom: input.dueFrom ?? "", dueTo: input.dueTo ?? "", number: input.number ?? "",
            errors: errors, hasErrors: !errors.isEmpty, listSummary: listSummary,
            rows: rows.map { rowView($0, today: today, csrf: session.csrfToken, letter: letters[$0.invoice.number]?.first) },
            pages: pageCount > 1 ? shownPages.map { PageLink(number: $0, href: href($0), current: $0 == page) } : [],
            hasPages: pageCount > 1,
            previous: page > 1 ? href(min(page - 1, pageCount)) : nil, next: page < pageCount ? href(page + 1) : nil)
        return pages.page("invoices", view, status: errors.isEmpty ? .ok : .badRequest)
    }

    // MARK: Detail

    struct InvoiceView {
        struct Line {
            let number: Int
            let description: String
            let amount: String
        }
        struct Settlement {
            let settledOn: String
            let settled: String
            let discount: String
            let paymentId: String
        }
        struct Payment {
            let id: String
            let at: String
            let user: String
            let amount: String
            let tender: String
            let state: String
            let reason: String?
        }
        struct RequestRow {
            let status: String
            let submitted: String
            let updated: String
            let detail: String?
            let failed: Bool
        }
        struct Letter {
            let sent: String
            let title: String
        }
        let chrome: Chrome
        let invoice: InvoiceRowView
        let lines: [Line]
        let hasLines: Bool
        let settlements: [Settlement]
        let hasSettlements: Bool
        let payments: [Payment]
        let hasPayments: Bool
        let requests: [RequestRow]
        let hasRequests: Bool
        /// The collection letters that listed it, newest first.
        let letters: [Letter]
        let hasLetters: Bool
    }

    static func tenderLabel(_ tender: String) -> String {
        switch Tender(rawValue: tender) {
        case .onAccount: return "On account"
        case .card: return "Card"
        case nil: return tender
        }
    }

    /// An invoice the buyer reaches: its header, lines, settlements, the channel's payments and the
    /// user's requests for it. Any other number — missing or another account's — is the same 404.
    func invoice(_ context: PortalRequestContext) async throws -> Response {
        guard let buyer = context.identity, let session = context.sessions.session else {
            return .redirect(to: "/sign-in", type: .normal)
        }
        let number = String((context.parameters.get("number") ?? "").prefix(128))
        let today = CalendarDate(dependencies.clock.now())
        let found = try await dependencies.channel.readChannel { channel -> (BuyerView.InvoiceDetail, [SentLetter])? in
            guard let detail = try channel.buyerViews.invoiceDetail(buyer: buyer, number: number) else { return nil }
            return (detail, try channel.buyerViews.letters(invoices: [detail.row.invoice.number])[detail.row.invoice.number] ?? [])
        }
        guard let (detail, letters) = found else { return pages.notFound(Chrome.of(context, title: "Not found")) }
        let view = InvoiceView(
            chrome: Chrome.of(context, title: "Invoice \(detail.row.invoice.number)"),
            invoice: rowView(detail.row, today: today, csrf: session.csrfToken, letter: letters.first),
            lines: detail.lines.enumerated().map {
                InvoiceView.Line(number: $0.offset + 1, description: $0.element.description, amount: $0.element.amount.description)
            },
            hasLines: !detail.lines.isEmpty,
            settlements: detail.settlements.map {
                InvoiceView.Settlement(
                    settledOn: $0.settledOn.description, settled: $0.settled.description, discount: $0.discount.description,
                    paymentId: $0.paymentId)
            },
            hasSettlements: !detail.settlements.isEmpty,
            payments: detail.payments.map {
                InvoiceView.Payment(
                    id: $0.transaction.id, at: Self.displayTime($0.transaction.createdAt), user: $0.transaction.userLogin,
                    amount: $0.transaction.amount.description, tender: Self.tenderLabel($0.transaction.tender),
                    state: $0.state.rawValue, reason: $0.reason)
            },
            hasPayments: !detail.payments.isEmpty,
            requests: detail.requests.map {
                InvoiceView.RequestRow(
                    status: $0.status.rawValue, submitted: Self.displayTime($0.request.submittedAt),
                    updated: Self.displayTime($0.updatedAt), detail: $0.detail, failed: $0.status == .failed)
            },
            hasRequests: !detail.requests.isEmpty,
            letters: letters.map { InvoiceView.Letter(sent: Self.displayTime($0.sentAt), title: $0.title) },
            hasLetters: !letters.isEmpty)
        return pages.page("invoice", view)
    }

    /// The invoice as a PDF download, reached exactly as its page is: any other number is the page's 404.
    func invoicePDF(_ context: PortalRequestContext) async throws -> Response {
        guard let buyer = context.identity else { return .redirect(to: "/sign-in", type: .normal) }
        let number = String((context.parameters.get("number") ?? "").prefix(128))
        guard
            let download = try await InvoiceDownload.make(
                buyer: buyer, number: number, seller: settings.seller, now: dependencies.clock.now(), channel: dependencies.channel)
        else { return pages.notFound(Chrome.of(context, title: "Not found")) }
        return download.response
    }
}
