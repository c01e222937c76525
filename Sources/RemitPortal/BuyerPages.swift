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

    var commands: BuyerCommands { BuyerCommands(dependencies: dependencies, policy: settings.policy) }

    struct CommandForm: Decodable {
        var invoice: String?
        var amount: String?
        var line: String?
        var quantity: String?
        var tender: String?
        var cardAuthorization: String?
    }

    func register(on router: Router<PortalRequestContext>) {
        router.get("/invoices") { request, context -> Response in try await invoices(request, context) }
        router.get("/invoices/{number}") { _, context -> Response in try await invoice(context) }
        router.get("/invoices/{number}.pdf") { _, context -> Response in try await invoicePDF(context) }
        router.post("/cart/invoices") { request, context in
            try await send(request, context, title: "Pay invoice") { buyer, form in
                try await commands.payInvoice(
                    buyer, number: form.invoice ?? "", amount: form.amount, sessions: context.sessions, logger: context.logger)
            }
        }
        router.post("/requests") { request, context in
            try await send(request, context, title: "Request invoice") { buyer, form in
                try await commands.requestInvoice(buyer, number: form.invoice ?? "", sessions: context.sessions, logger: context.logger)
            }
        }
        router.get("/cart") { _, context -> Response in try await cart(context) }
        router.post("/cart/lines/update") { request, context in
            try await send(request, context, title: "Cart") { buyer, form in
                try await commands.updateLine(
                    buyer, lineId: form.line ?? "", amount: form.amount, quantity: form.quantity, sessions: context.sessions,
                    logger: context.logger)
            }
        }
        router.post("/cart/lines/remove") { request, context in
            try await send(request, context, title: "Cart") { buyer, form in
                try await commands.removeLine(buyer, lineId: form.line ?? "", sessions: context.sessions, logger: context.logger)
            }
        }
        router.post("/cart/checkout") { request, context -> Response in
            try await send(request, context, title: "Checkout") { buyer, form in
                try await commands.checkout(
                    buyer, tender: form.tender, cardAuthorization: form.cardAuthorization, sessions: context.sessions,
                    logger: context.logger)
            }
        }
        router.get("/commands/{id}") { _, context -> Response in try await command(context) }
        router.get("/requests") { _, context -> Response in try await requests(context) }
    }

    // MARK: Commands

    /// Sends the command `make` publishes and takes the browser to its page; a failure becomes its
    /// page: not found (404), the form to check (400), the cart rule's refusal (409), or "not sent,
    /// try again" (503) when the broker did not confirm.
    private func send(
        _ request: Request, _ context: PortalRequestContext, title: String,
        _ make: (BuyerView.Buyer, CommandForm) async throws -> BuyerCommands.Sent
    ) async throws -> Response {
        guard let buyer = context.identity else { return .redirect(to: "/sign-in", type: .normal) }
        let chrome = Chrome.of(context, title: title)
        let form = try await request.decode(as: CommandForm.self, context: context)
        do {
            let sent = try await make(buyer, form)
            return .redirect(to: "/commands/\(sent.id)", type: .normal)
        } catch let failure as BuyerCommands.Failure {
            switch failure {
            case .notFound: return pages.notFound(Chrome.of(context, title: "Not found"))
            case .invalid(let field):
                return pages.message(.badRequest, heading: "Please check the form", text: field.message, chrome: chrome)
            case .refused(let refusal):
                return pages.message(.conflict, heading: "Refused", text: refusal.description, chrome: chrome)
            case .unavailable:
                return pages.message(
                    .serviceUnavailable, heading: "Not sent — please try again",
                    text: "The shop could not take your request just now, so nothing was done. Please try again in a moment.",
                    chrome: chrome, headers: [.retryAfter: "5"])
            }
        }
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
        guard let state = try await commands.state(buyer, id: id, session: session) else {
            return pages.notFound(Chrome.of(context, title: "Not found"))
        }
        let subject = state.subject.map { " \($0)" } ?? ""
        let (heading, acceptedText): (String, String) =
            switch state.type {
            case InvoiceRequest.messageType:
                (
                    "Request invoice\(subject)",
                    state.joinedRequestOf.map {
                        "You asked for this copy already: this request joined your request of \(Self.displayTime($0)), and one copy will be e-mailed to your registered address. Follow it under B2B requests."
                    } ?? "Your request is recorded: a copy will be e-mailed to your registered address. Follow it under B2B requests."
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
        let view = CommandView(
            chrome: Chrome.of(context, title: heading), heading: heading, pending: state.status == .pending,
            accepted: state.status == .accepted ? acceptedText : nil, refused: state.reason)
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
            /// Why this line cannot be checked out as it stands.
            let problem: String?
        }
        struct TenderOption {
            let id: String
            let value: String
            let label: String
            let checked: Bool
        }
        let chrome: Chrome
        let csrf: String
        let lines: [Line]
        let empty: Bool
        let total: String
        let holdsInvoices: Bool
        let holdsItems: Bool
        let tenders: [TenderOption]
        let cardOnly: Bool
    }

    static func tenderOptions(_ tenders: [Tender]) -> [CartView.TenderOption] {
        tenders.enumerated().map { index, tender in
            switch tender {
            case .onAccount:
                CartView.TenderOption(
                    id: "tender-account", value: tender.rawValue, label: "On account (charged to your customer account)",
                    checked: index == 0)
            case .card: CartView.TenderOption(id: "tender-card", value: tender.rawValue, label: "By card", checked: index == 0)
            }
        }
    }

    /// The open cart: invoice lines with editable amounts (a line that can no longer be paid says
    /// why), item lines with quantities, the tenders the customer may use, and the cart rule in words.
    private func cart(_ context: PortalRequestContext) async throws -> Response {
        guard let buyer = context.identity, let session = context.sessions.session else {
            return .redirect(to: "/sign-in", type: .normal)
        }
        let today = CalendarDate(dependencies.clock.now())
        let (cart, tenders) = try await dependencies.channel.readChannel { try commands.cart($0, buyer: buyer, today: today) }
        let lines = cart.lines
        var total = lines.first.map { Money.zero($0.amount.currency) }
        for line in lines { total = try? total?.adding(line.amount) }
        let view = CartView(
            chrome: Chrome.of(context, title: "Cart"), csrf: session.csrfToken,
            lines: lines.map {
                CartView.Line(
                    id: $0.id, description: $0.description, isInvoice: $0.kind == .invoice, quantity: $0.quantity,
                    amount: $0.amount.description, amountValue: $0.amount.decimalString, currency: $0.amount.currency.code,
                    problem: cart.refusals[$0.id]?.description)
            },
            empty: lines.isEmpty, total: total?.description ?? "",
            holdsInvoices: lines.contains { $0.kind == .invoice }, holdsItems: lines.contains { $0.kind == .item },
            tenders: Self.tenderOptions(tenders), cardOnly: !tenders.contains(.onAccount))
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
        struct Letter {
            struct Invoice {
                let number: String
                let href: String
            }
            let sent: String
            let title: String
            let account: String
            let invoices: [Invoice]
        }
        let chrome: Chrome
        let rows: [Row]
        /// Some request is on its way: the page refreshes itself.
        let inProgress: Bool
        /// The collection letters sent to the buyer's accounts, newest first.
        let letters: [Letter]
    }

    private func requests(_ context: PortalRequestContext) async throws -> Response {
        guard let buyer = context.identity else { return .redirect(to: "/sign-in", type: .normal) }
        let (found, letters) = try await dependencies.channel.readChannel { channel in
            (
                try channel.buyerViews.requests(user: buyer.user.login, limit: 200),
                try channel.buyerViews.letters(accounts: buyer.access.accounts, limit: 200)
            )
        }
        let rows = found.map { row in
            RequestsView.Row(
                type: row.request.type == "invoice-copy" ? "Invoice copy" : row.request.type, invoice: row.request.invoiceNumber ?? "–",
                status: row.status.rawValue, submitted: Self.displayTime(row.request.submittedAt),
                updated: Self.displayTime(row.updatedAt), detail: row.detail, failed: row.status == .failed)
        }
        let inProgress = found.contains { ![.completed, .failed].contains($0.status) }
        return pages.page(
            "requests",
            RequestsView(
                chrome: Chrome.of(context, title: "B2B requests"), rows: rows, inProgress: inProgress,
                letters: letters.map { letter in
                    RequestsView.Letter(
                        sent: Self.displayTime(letter.sentAt), title: letter.title, account: letter.customerAccount,
                        invoices: letter.invoiceNumbers.map {
                            .init(number: $0, href: "/invoices/\(InvoiceListInput.percentEncoded($0))")
                        })
                }))
    }

    /// "2026-11-29 10:15 UTC".
    static func displayTime(_ date: Date) -> String {
        let text = Timestamp.format(date)
        return "\(text.prefix(10)) \(text.dropFirst(11).prefix(5)) UTC"
    }
}
