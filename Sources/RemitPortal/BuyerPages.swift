import Foundation
import Hummingbird
import HummingbirdAuth
import RemitCore
import RemitMessages
import RemitStore

/// The signed-in buyer's pages: Invoices (with Pay invoice and Request invoice), a command's
/// progress, and My account → B2B requests. Reads only; clicks become published commands.
struct BuyerPages: Sendable {
    let settings: PortalSettings
    let dependencies: PortalDependencies
    let pages: PageRenderer

    func register(on router: Router<PortalRequestContext>) {
        router.get("/invoices") { request, context -> Response in try await invoices(request, context) }
        router.post("/cart/invoices") { request, context in
            try await send(request, context) { (buyer, invoice, form) throws(CommandFormError) -> CartAddInvoice in
                let amount: Money?
                switch form.amount?.trimmingCharacters(in: .whitespaces) {
                case nil, "": amount = nil
                case let text?:
                    do { amount = try Money(decimal: text, currency: invoice.currency) } catch {
                        throw CommandFormError(
                            text: "“\(text.prefix(40))” is not an amount in \(invoice.currency.code). Write it like 125.50.")
                    }
                }
                return CartAddInvoice(user: buyer.user.login, invoiceNumber: invoice.number, amount: amount)
            }
        }
        router.post("/requests") { request, context in
            try await send(request, context) { (buyer, invoice, _) throws(CommandFormError) -> InvoiceRequest in
                InvoiceRequest(user: buyer.user.login, invoiceNumber: invoice.number)
            }
        }
        router.get("/cart") { _, context -> Response in try await cart(context) }
        router.post("/cart/lines/update") { request, context in
            try await sendCartCommand(request, context) { buyer, line, form throws(CommandFormError) -> CartUpdateLine in
                guard line.kind == .invoice else {
                    let text = (form.quantity ?? "").trimmingCharacters(in: .whitespaces)
                    guard let quantity = Int(text), (1...CartRules.maximumQuantity).contains(quantity) else {
                        throw CommandFormError(text: "A quantity is a whole number from 1 to \(CartRules.maximumQuantity).")
                    }
                    return CartUpdateLine(user: buyer.user.login, lineId: line.id, quantity: quantity)
                }
                let text = (form.amount ?? "").trimmingCharacters(in: .whitespaces)
                do {
                    return CartUpdateLine(
                        user: buyer.user.login, lineId: line.id, amount: try Money(decimal: text, currency: line.amount.currency))
                } catch {
                    throw CommandFormError(
                        text: "“\(text.prefix(40))” is not an amount in \(line.amount.currency.code). Write it like 125.50.")
                }
            }
        }
        router.post("/cart/lines/remove") { request, context in
            try await sendCartCommand(request, context) { buyer, line, _ throws(CommandFormError) -> CartRemoveLine in
                CartRemoveLine(user: buyer.user.login, lineId: line.id)
            }
        }
        router.post("/cart/checkout") { request, context -> Response in
            guard let buyer = context.identity else { return .redirect(to: "/sign-in", type: .normal) }
            let chrome = Chrome.of(context, title: "Checkout")
            let form = try await request.decode(as: CommandForm.self, context: context)
            guard let tender = form.tender.flatMap(Tender.init(rawValue:)) else {
                return pages.message(
                    .badRequest, heading: "Please check the form", text: "Choose how to pay: on account or by card.", chrome: chrome)
            }
            let authorization = form.cardAuthorization?.trimmingCharacters(in: .whitespaces)
            let body = CartCheckout(
                user: buyer.user.login, tender: tender,
                cardAuthorization: tender == .card && authorization?.isEmpty == false ? String(authorization!.prefix(128)) : nil)
            return try await publish(body, about: "your cart", buyer: buyer, context: context, chrome: chrome)
        }
        router.get("/commands/{id}") { _, context -> Response in try await command(context) }
        router.get("/requests") { _, context -> Response in try await requests(context) }
    }

    // MARK: Invoices

    struct InvoicesView {
        struct Row {
            let number: String
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
        }
        struct Offer {
            let payment: String
            let lastDay: String
        }
        struct Filter {
            let value: String
            let label: String
            let selected: Bool
        }
        struct PageLink {
            let number: Int
            let href: String
            let current: Bool
        }

        let chrome: Chrome
        let csrf: String
        let accounts: [String]
        let filters: [Filter]
        let summary: String
        let rows: [Row]
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

    private func invoices(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        guard let buyer = context.identity, let session = context.sessions.session else {
            return .redirect(to: "/sign-in", type: .normal)
        }
        let chrome = Chrome.of(context, title: "Invoices")
        let query = request.uri.queryParameters
        let filter: BuyerView.InvoiceFilter?
        switch query["status"].map(String.init) {
        case nil, "": filter = nil
        case let text?:
            guard let known = BuyerView.InvoiceFilter(rawValue: text) else {
                return pages.message(
                    .badRequest, heading: "Unknown filter",
                    text: "Filter invoices by status: unpaid, partially-paid, paid or overdue.", chrome: chrome)
            }
            filter = known
        }
        let requested = query["page"].map(String.init)
        guard let page = requested.map({ Int($0) }) ?? 1, (1...1_000_000).contains(page) else {
            return pages.message(.badRequest, heading: "Unknown page", text: "Pages are numbered from 1.", chrome: chrome)
        }
        let size = max(1, settings.pageSize)
        let today = CalendarDate(dependencies.clock.now())
        let found = try await dependencies.channel.read { db in
            try BuyerView.invoicePage(
                db, accounts: buyer.access.accounts, filter: filter, today: today, offset: (page - 1) * size, limit: size)
        }
        let pageCount = max(1, (found.total + size - 1) / size)
        func href(_ number: Int) -> String {
            var items = [String]()
            if let filter { items.append("status=\(filter.rawValue)") }
            items.append("page=\(number)")
            return "/invoices?" + items.joined(separator: "&")
        }
        // The first, the last, and two either side of the current page (or of the last, past the end).
        let current = min(page, pageCount)
        let shownPages = Set([1, pageCount] + Array(max(1, current - 2)...min(pageCount, current + 2))).sorted()
        let first = (page - 1) * size + 1
        let summary =
            found.rows.isEmpty
            ? (found.total == 0 ? "No invoices." : "No invoices on page \(page); there are \(pageCount) pages.")
            : "Invoices \(first)–\(first + found.rows.count - 1) of \(found.total), page \(page) of \(pageCount)."
        let rows = found.rows.map { row -> InvoicesView.Row in
            let balance = row.balance
            let proposed = balance.proposedPayment(today: today)
            let offer =
                proposed.minorUnits < balance.available.minorUnits
                ? InvoicesView.Offer(payment: proposed.description, lastDay: balance.offer?.lastDay.description ?? "") : nil
            return InvoicesView.Row(
                number: row.invoice.number, account: row.invoice.customerAccount, invoiceDate: row.invoice.invoiceDate.description,
                dueDate: row.invoice.dueDate.description, overdue: row.isOverdue(today: today), total: row.total.description,
                paid: row.paid.description, pending: row.pending.description, open: row.open.description,
                status: Self.statusLabel(row.amounts.status), currency: row.invoice.currency.code, offer: offer,
                payable: balance.available.minorUnits > 0, proposed: proposed.decimalString)
        }
        let view = InvoicesView(
            chrome: chrome, csrf: session.csrfToken,
            accounts: buyer.access.accounts,
            filters: ([nil] + BuyerView.InvoiceFilter.allCases.map { Optional($0) }).map {
                InvoicesView.Filter(value: $0?.rawValue ?? "", label: Self.filterLabel($0), selected: $0 == filter)
            },
            summary: summary, rows: rows,
            pages: pageCount > 1 ? shownPages.map { InvoicesView.PageLink(number: $0, href: href($0), current: $0 == page) } : [],
            hasPages: pageCount > 1,
            previous: page > 1 ? href(min(page - 1, pageCount)) : nil, next: page < pageCount ? href(page + 1) : nil)
        return pages.page("invoices", view)
    }

    // MARK: Commands

    struct CommandForm: Decodable {
        var invoice: String?
        var amount: String?
        var line: String?
        var quantity: String?
        var tender: String?
        var cardAuthorization: String?
    }

    struct CommandFormError: Error {
        let text: String
    }

    /// Publishes the command `make` builds for an invoice the buyer reaches, then sends the browser
    /// to the command's page. An invoice the buyer does not reach is "not found" before anything is
    /// published; a command the broker did not confirm is a 503 telling the user to try again.
    private func send<Body: MessageBody>(
        _ request: Request, _ context: PortalRequestContext,
        _ make: (BuyerView.Buyer, ChannelInvoice, CommandForm) throws(CommandFormError) -> Body
    ) async throws -> Response {
        guard let buyer = context.identity else { return .redirect(to: "/sign-in", type: .normal) }
        let chrome = Chrome.of(context, title: "Invoices")
        let form = try await request.decode(as: CommandForm.self, context: context)
        let number = (form.invoice ?? "").trimmingCharacters(in: .whitespaces)
        let invoice = number.isEmpty ? nil : try await dependencies.channel.read { try ChannelInvoice.find($0, number: number) }
        guard let invoice, buyer.access.allows(invoiceOwnedBy: invoice.customerAccount) else { return pages.notFound(chrome) }
        let body: Body
        do { body = try make(buyer, invoice, form) } catch {
            return pages.message(.badRequest, heading: "Please check the form", text: error.text, chrome: chrome)
        }
        return try await publish(body, about: invoice.number, buyer: buyer, context: context, chrome: chrome)
    }

    /// Publishes the command `make` builds for a line of the buyer's open cart; a line that is not in
    /// it is "not found" before anything is published.
    private func sendCartCommand<Body: MessageBody>(
        _ request: Request, _ context: PortalRequestContext,
        _ make: (BuyerView.Buyer, CartLine, CommandForm) throws(CommandFormError) -> Body
    ) async throws -> Response {
        guard let buyer = context.identity else { return .redirect(to: "/sign-in", type: .normal) }
        let chrome = Chrome.of(context, title: "Cart")
        let form = try await request.decode(as: CommandForm.self, context: context)
        let id = form.line ?? ""
        let line = try await dependencies.channel.read { db -> CartLine? in
            guard let cart = try Cart.open(db, user: buyer.user.login) else { return nil }
            return try CartLine.find(db, id: id, cart: cart.id)
        }
        guard let line else { return pages.notFound(chrome) }
        let body: Body
        do { body = try make(buyer, line, form) } catch {
            return pages.message(.badRequest, heading: "Please check the form", text: error.text, chrome: chrome)
        }
        return try await publish(body, about: line.description, buyer: buyer, context: context, chrome: chrome)
    }

    /// Publishes `body` for the buyer with confirms and sends the browser to the command's page; a
    /// command the broker did not confirm is a 503 telling the user to try again.
    private func publish<Body: MessageBody>(
        _ body: Body, about subject: String, buyer: BuyerView.Buyer, context: PortalRequestContext, chrome: Chrome
    ) async throws -> Response {
        let prepared = try dependencies.producer.prepare(
            type: Body.messageType, body: try JSONValue.parse(try MessageCoding.shared.encode(body)),
            actingUser: "user:\(buyer.user.login)")
        let id = prepared.message.messageId
        var logger = context.logger
        logger[metadataKey: "message_id"] = "\(id)"
        do {
            try await dependencies.publisher.publish(prepared.outbound)
        } catch {
            logger.warning("command not confirmed by the broker", metadata: ["type": "\(Body.messageType)", "error": "\(error)"])
            return pages.message(
                .serviceUnavailable, heading: "Not sent — please try again",
                text: "The shop could not take your request just now, so nothing was done. Please try again in a moment.",
                chrome: chrome, headers: [.retryAfter: "5"])
        }
        logger.info("command published", metadata: ["type": "\(Body.messageType)"])
        context.sessions.withLockedSession { session in
            session?.commands.append(SentCommand(id: id, type: Body.messageType, invoiceNumber: subject))
            if let count = session?.commands.count, count > PortalSession.keptCommands {
                session?.commands.removeFirst(count - PortalSession.keptCommands)
            }
        }
        return .redirect(to: "/commands/\(id)", type: .normal)
    }

    struct CommandView {
        let chrome: Chrome
        let heading: String
        let pending: Bool
        let accepted: String?
        let refused: String?
    }

    /// A command's page: pending (refreshing itself) until its outcome is recorded, then accepted or
    /// refused with the reason. Only the commands of the signed-in user; anything else is not found.
    private func command(_ context: PortalRequestContext) async throws -> Response {
        guard let buyer = context.identity, let session = context.sessions.session else {
            return .redirect(to: "/sign-in", type: .normal)
        }
        let id = context.parameters.get("id") ?? ""
        let sent = session.commands.last { $0.id == id }
        let outcome = try await dependencies.channel.read { try CommandOutcome.find($0, messageId: id) }
        let mine = outcome.flatMap { $0.userLogin == buyer.user.login ? $0 : nil }
        guard sent != nil || mine != nil else { return pages.notFound(Chrome.of(context, title: "Not found")) }
        let type = mine?.type ?? sent?.type ?? ""
        let subject = sent.map { " \($0.invoiceNumber)" } ?? ""
        let (heading, acceptedText): (String, String) =
            switch type {
            case InvoiceRequest.messageType:
                (
                    "Request invoice\(subject)",
                    "Your request is recorded: a copy will be e-mailed to your registered address. Follow it under B2B requests."
                )
            case CartUpdateLine.messageType: ("Change\(subject)", "The cart line is changed.")
            case CartRemoveLine.messageType: ("Remove\(subject)", "The line is out of your cart.")
            case CartCheckout.messageType:
                (
                    "Checkout",
                    "Your payment is submitted. It shows as pending on the invoice until the shop has posted it, then as paid."
                )
            default: ("Pay invoice\(subject)", "The invoice is in your cart, ready for checkout.")
            }
        let accepted: String? = mine?.outcome == .accepted ? acceptedText : nil
        let refused = mine?.outcome == .refused ? (mine?.reason ?? "The shop refused it.") : nil
        let view = CommandView(
            chrome: Chrome.of(context, title: heading), heading: heading, pending: mine == nil, accepted: accepted, refused: refused)
        return pages.page("command", view)
    }

    // MARK: Cart

    struct CartView {
        struct Line {
            let id: String
            let description: String
            let isInvoice: Bool
            let quantity: Int
            let amount: String
            let amountValue: String
            let currency: String
        }
        let chrome: Chrome
        let csrf: String
        let lines: [Line]
        let empty: Bool
        let total: String
        let holdsInvoices: Bool
        let holdsItems: Bool
    }

    /// The open cart: invoice lines with editable amounts, item lines with quantities, the tender
    /// choice, and the cart rule in words.
    private func cart(_ context: PortalRequestContext) async throws -> Response {
        guard let buyer = context.identity, let session = context.sessions.session else {
            return .redirect(to: "/sign-in", type: .normal)
        }
        let lines = try await dependencies.channel.read { db -> [CartLine] in
            guard let cart = try Cart.open(db, user: buyer.user.login) else { return [] }
            return try CartLine.lines(db, cart: cart.id)
        }
        var total = lines.first.map { Money.zero($0.amount.currency) }
        for line in lines { total = try? total?.adding(line.amount) }
        let view = CartView(
            chrome: Chrome.of(context, title: "Cart"), csrf: session.csrfToken,
            lines: lines.map {
                CartView.Line(
                    id: $0.id, description: $0.description, isInvoice: $0.kind == .invoice, quantity: $0.quantity,
                    amount: $0.amount.description, amountValue: $0.amount.decimalString, currency: $0.amount.currency.code)
            },
            empty: lines.isEmpty, total: total?.description ?? "",
            holdsInvoices: lines.contains { $0.kind == .invoice }, holdsItems: lines.contains { $0.kind == .item })
        return pages.page("cart", view)
    }

    // MARK: B2B requests

    struct RequestsView {
        struct Row {
            let type: String
            let invoice: String
            let status: String
            let submitted: String
            let updated: String
            let detail: String?
            let failed: Bool
        }
        let chrome: Chrome
        let rows: [Row]
    }

    private func requests(_ context: PortalRequestContext) async throws -> Response {
        guard let buyer = context.identity else { return .redirect(to: "/sign-in", type: .normal) }
        let found = try await dependencies.channel.read { try BuyerView.requests($0, user: buyer.user.login) }
        let rows = found.map { row in
            RequestsView.Row(
                type: row.request.type == "invoice-copy" ? "Invoice copy" : row.request.type, invoice: row.request.invoiceNumber ?? "–",
                status: row.status.rawValue, submitted: Self.displayTime(row.request.submittedAt),
                updated: Self.displayTime(row.updatedAt), detail: row.detail, failed: row.status == .failed)
        }
        return pages.page("requests", RequestsView(chrome: Chrome.of(context, title: "B2B requests"), rows: rows))
    }

    /// "2026-11-29 10:15 UTC".
    static func displayTime(_ date: Date) -> String {
        let text = Timestamp.format(date)
        return "\(text.prefix(10)) \(text.dropFirst(11).prefix(5)) UTC"
    }
}
