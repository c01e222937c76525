import Foundation
import Hummingbird
import HummingbirdAuth
import Logging
import OpenAPIRuntime
import RemitCore
import RemitMessages
import RemitStore

/// The JSON API of `openapi.yaml` (`/api/v1/…`): the pages' data and commands with the same access
/// rules, answered with the generated types so code and document stay one.
struct BuyerAPI: APIProtocol {
    let settings: PortalSettings
    let dependencies: PortalDependencies
    let signIn: SignInCheck

    var commands: BuyerCommands { BuyerCommands(dependencies: dependencies, policy: settings.policy) }

    /// The signed-in buyer and their session. `PortalGuard` answers 401 before any handler runs
    /// when there is none, so a handler without one is a bug in the wiring.
    struct Caller {
        let buyer: BuyerView.Buyer
        let session: PortalSession
        let context: PortalRequestContext
    }

    struct NoCaller: Error {}

    func caller() throws -> Caller {
        guard let context = APIRequest.context, let buyer = context.identity, let session = context.sessions.session else {
            throw NoCaller()
        }
        return Caller(buyer: buyer, session: session, context: context)
    }

    // MARK: Answers

    static func problem(_ status: Int, _ code: String, _ message: String, fields: [FieldError] = []) -> Components.Schemas.Problem {
        .init(
            error: .init(
                status: status, code: code, message: message,
                fields: fields.isEmpty ? nil : fields.map { .init(field: $0.field, message: $0.message) }))
    }

    static let notFoundProblem = problem(
        404, "not-found", "There is nothing here for you. It may not exist, or belong to another account.")
    static let unavailableProblem = problem(
        503, "not-sent", "The shop could not take your request just now, so nothing was done. Please try again in a moment.")

    static func money(_ money: Money) -> Components.Schemas.Money {
        .init(amount: money.decimalString, currency: money.currency.code)
    }

    static func command(_ sent: BuyerCommands.Sent) -> Components.Schemas.Command {
        .init(id: sent.id, _type: sent.type, status: .pending, href: "/api/v1/commands/\(sent.id)")
    }

    // MARK: Session

    func signIn(_ input: Operations.SignIn.Input) async throws -> Operations.SignIn.Output {
        guard let context = APIRequest.context else { throw NoCaller() }
        guard case .json(let body) = input.body else { throw NoCaller() }
        switch try await signIn.check(
            login: body.login, password: body.password, address: APIRequest.clientAddress, context: context)
        {
        case .signedIn(let session, let buyer):
            context.sessions.createSession(session)
            return .ok(
                .init(body: .json(.init(login: buyer.user.login, displayName: buyer.user.displayName, csrfToken: session.csrfToken))))
        case .refused:
            return .unauthorized(.init(body: .json(Self.problem(401, "sign-in-refused", "The login or the password is not right."))))
        case .tooMany(let wait, let text):
            _ = wait
            return .tooManyRequests(.init(body: .json(Self.problem(429, "too-many-sign-ins", text))))
        }
    }

    func signOut(_ input: Operations.SignOut.Input) async throws -> Operations.SignOut.Output {
        try caller().context.sessions.clearSession()
        return .noContent(.init())
    }

    // MARK: Reading

    func summary(_ summary: BuyerView.AccountSummary?) -> Components.Schemas.AccountSummary? {
        guard let summary else { return nil }
        return .init(
            account: summary.account.account, name: summary.account.name, balance: Self.money(summary.balance),
            creditLimit: Self.money(summary.creditLimit), headroom: Self.money(summary.headroom),
            notYetUploaded: Self.money(summary.unuploaded), onAccount: summary.allowsOnAccount)
    }

    func getAccount(_ input: Operations.GetAccount.Input) async throws -> Operations.GetAccount.Output {
        let caller = try caller()
        let summary = try await dependencies.channel.readChannel { try $0.buyerViews.accountSummary(buyer: caller.buyer) }
        return .ok(
            .init(
                body: .json(
                    .init(
                        login: caller.buyer.user.login, displayName: caller.buyer.user.displayName,
                        account: caller.buyer.customer.account, accounts: caller.buyer.access.accounts,
                        csrfToken: caller.session.csrfToken, summary: self.summary(summary)))))
    }

    static func letter(_ letter: SentLetter) -> Components.Schemas.Letter {
        .init(
            id: letter.letterId, title: letter.title, level: letter.level, account: letter.customerAccount,
            issuedOn: letter.issuedOn.description, sentAt: letter.sentAt, invoices: letter.invoiceNumbers)
    }

    func invoice(_ row: BuyerView.InvoiceRow, today: CalendarDate, letter: SentLetter? = nil) -> Components.Schemas.Invoice {
        let balance = row.balance
        let proposed = balance.proposedPayment(today: today)
        let status: Components.Schemas.Invoice.StatusPayload =
            switch row.amounts.status {
            case .unpaid: .unpaid
            case .partiallyPaid: .partiallyPaid
            case .paid: .paid
            }
        return .init(
            number: row.invoice.number, account: row.invoice.customerAccount, invoiceDate: row.invoice.invoiceDate.description,
            dueDate: row.invoice.dueDate.description, overdue: row.isOverdue(today: today), status: status,
            total: Self.money(row.total), paid: Self.money(row.paid), pending: Self.money(row.pending), open: Self.money(row.open),
            payable: balance.available.minorUnits > 0, proposed: Self.money(proposed),
            discountOffer: balance.discountProposal(today: today).map {
                .init(payment: Self.money($0.payment), lastDay: $0.lastDay.description)
            }, latestLetter: letter.map(Self.letter))
    }

    func listInvoices(_ input: Operations.ListInvoices.Input) async throws -> Operations.ListInvoices.Output {
        let caller = try caller()
        let query = input.query
        let listInput = InvoiceListInput(
            status: query.status, account: query.account, dueFrom: query.dueFrom, dueTo: query.dueTo, number: query.number,
            sort: query.sort, order: query.order, page: query.page)
        let checked: InvoiceListInput.Checked
        switch listInput.checked(accounts: caller.buyer.access.accounts) {
        case .success(let value): checked = value
        case .failure(let errors):
            return .badRequest(
                .init(body: .json(Self.problem(400, "invalid-parameters", "Please check the parameters.", fields: errors.errors))))
        }
        let size = max(1, settings.pageSize)
        let today = CalendarDate(dependencies.clock.now())
        let accounts = caller.buyer.access.accounts
        let (found, letters) = try await dependencies.channel.readChannel { channel in
            let found = try channel.buyerViews.invoicePage(
                accounts: accounts, query: checked.query, today: today, offset: (checked.page - 1) * size, limit: size)
            return (found, try channel.buyerViews.letters(invoices: found.rows.map(\.invoice.number)))
        }
        return .ok(
            .init(
                body: .json(
                    .init(
                        invoices: found.rows.map { invoice($0, today: today, letter: letters[$0.invoice.number]?.first) },
                        total: found.total, page: checked.page,
                        pageCount: max(1, (found.total + size - 1) / size), pageSize: size))))
    }

    func request(_ row: BuyerView.RequestRow) -> Components.Schemas.B2BRequest {
        .init(
            id: row.request.requestId, _type: row.request.type, invoice: row.request.invoiceNumber,
            status: Components.Schemas.B2BRequest.StatusPayload(rawValue: row.status.rawValue) ?? .submitted,
            submittedAt: row.request.submittedAt, updatedAt: row.updatedAt, detail: row.detail)
    }

    func getInvoice(_ input: Operations.GetInvoice.Input) async throws -> Operations.GetInvoice.Output {
        let caller = try caller()
        let number = input.path.number
        let today = CalendarDate(dependencies.clock.now())
        let found = try await dependencies.channel.readChannel { channel -> (BuyerView.InvoiceDetail, [SentLetter])? in
            guard let detail = try channel.buyerViews.invoiceDetail(buyer: caller.buyer, number: number) else { return nil }
            return (detail, try channel.buyerViews.letters(invoices: [detail.row.invoice.number])[detail.row.invoice.number] ?? [])
        }
        guard let (detail, letters) = found else { return .notFound(.init(body: .json(Self.notFoundProblem))) }
        return .ok(
            .init(
                body: .json(
                    .init(
                        invoice: invoice(detail.row, today: today, letter: letters.first),
                        letters: letters.map(Self.letter),
                        lines: detail.lines.map { .init(description: $0.description, amount: Self.money($0.amount)) },
                        payments: detail.payments.map { payment in
                            .init(
                                id: payment.transaction.id, at: payment.transaction.createdAt, user: payment.transaction.userLogin,
                                amount: Self.money(payment.transaction.amount),
                                tender: Tender(rawValue: payment.transaction.tender) == .card ? .card : .onAccount,
                                state: Components.Schemas.Payment.StatePayload(rawValue: payment.state.rawValue) ?? .pending,
                                reason: payment.reason)
                        },
                        settlements: detail.settlements.map {
                            .init(
                                settledOn: $0.settledOn.description, settled: Self.money($0.settled), discount: Self.money($0.discount),
                                paymentId: $0.paymentId)
                        },
                        requests: detail.requests.map(request)))))
    }

    func getInvoicePDF(_ input: Operations.GetInvoicePDF.Input) async throws -> Operations.GetInvoicePDF.Output {
        let caller = try caller()
        guard
            let download = try await InvoiceDownload.make(
                buyer: caller.buyer, number: input.path.number, seller: settings.seller, now: dependencies.clock.now(),
                channel: dependencies.channel)
        else { return .notFound(.init(body: .json(Self.notFoundProblem))) }
        return .ok(
            .init(
                headers: .init(contentDisposition: "attachment; filename=\"\(download.filename)\""),
                body: .pdf(HTTPBody(download.bytes))))
    }

    func listLetters(_ input: Operations.ListLetters.Input) async throws -> Operations.ListLetters.Output {
        let caller = try caller()
        let letters = try await dependencies.channel.readChannel {
            try $0.buyerViews.letters(accounts: caller.buyer.access.accounts, limit: 200)
        }
        return .ok(.init(body: .json(.init(letters: letters.map(Self.letter)))))
    }

    func listRequests(_ input: Operations.ListRequests.Input) async throws -> Operations.ListRequests.Output {
        let caller = try caller()
        let rows = try await dependencies.channel.readChannel { try $0.buyerViews.requests(user: caller.buyer.user.login, limit: 200) }
        return .ok(.init(body: .json(.init(requests: rows.map(request)))))
    }

    func getCart(_ input: Operations.GetCart.Input) async throws -> Operations.GetCart.Output {
        let caller = try caller()
        let today = CalendarDate(dependencies.clock.now())
        let (cart, tenders) = try await dependencies.channel.readChannel { try commands.cart($0, buyer: caller.buyer, today: today) }
        var total = cart.lines.first.map { Money.zero($0.amount.currency) }
        for line in cart.lines { total = try? total?.adding(line.amount) }
        return .ok(
            .init(
                body: .json(
                    .init(
                        lines: cart.lines.map {
                            .init(
                                id: $0.id, kind: $0.kind == .invoice ? .invoice : .item, invoice: $0.invoiceNumber, sku: $0.sku,
                                description: $0.description, quantity: $0.quantity, amount: Self.money($0.amount),
                                problem: cart.refusals[$0.id].flatMap(Self.refusal))
                        }, total: total.map(Self.money),
                        tenders: tenders.compactMap { .init(rawValue: $0.rawValue) }))))
    }

    /// A refusal as the API document spells it (its `Refusal` schema lists every code).
    static func refusal(_ refusal: StorefrontRefusal) -> Components.Schemas.Refusal? {
        Components.Schemas.Refusal.CodePayload(rawValue: refusal.code).map { .init(code: $0, message: refusal.description) }
    }

    func getCommand(_ input: Operations.GetCommand.Input) async throws -> Operations.GetCommand.Output {
        let caller = try caller()
        guard let state = try await commands.state(caller.buyer, id: input.path.id, session: caller.session) else {
            return .notFound(.init(body: .json(Self.notFoundProblem)))
        }
        let status: Components.Schemas.Command.StatusPayload =
            switch state.status {
            case .pending: .pending
            case .accepted: .accepted
            case .refused: .refused
            }
        return .ok(
            .init(
                body: .json(
                    .init(
                        id: state.id, _type: state.type, status: status, href: "/api/v1/commands/\(state.id)", code: state.code,
                        reason: state.reason, joinedRequestAt: state.joinedRequestOf.map(Timestamp.format)))))
    }

    // MARK: Commands

    /// A command's failure as the API answers it.
    enum CommandAnswer {
        case badRequest(Components.Schemas.Problem)
        case notFound
        case conflict(Components.Schemas.Problem)
        case unavailable
    }

    /// Runs `send`, turning its failure into the answer the operation gives for it.
    func sending(_ send: () async throws -> BuyerCommands.Sent) async throws -> Result<BuyerCommands.Sent, CommandFailure> {
        do {
            return .success(try await send())
        } catch let failure as BuyerCommands.Failure {
            switch failure {
            case .notFound: return .failure(CommandFailure(answer: .notFound))
            case .invalid(let field):
                return .failure(
                    CommandFailure(
                        answer: .badRequest(Self.problem(400, "invalid-field", "Please check the fields.", fields: [field]))))
            case .refused(let refusal):
                return .failure(CommandFailure(answer: .conflict(Self.problem(409, refusal.code, refusal.description))))
            case .unavailable: return .failure(CommandFailure(answer: .unavailable))
            }
        }
    }

    struct CommandFailure: Error {
        let answer: CommandAnswer
    }

    /// The answer of an operation that can end in every way a command can (202, 400, 404, 409, 503).
    func answer<Output: CommandOutput>(_ send: () async throws -> BuyerCommands.Sent) async throws -> Output {
        switch try await sending(send) {
        case .success(let sent): return .accepted(.init(body: .json(Self.command(sent))))
        case .failure(let failure):
            switch failure.answer {
            case .badRequest(let problem): return .badRequest(.init(body: .json(problem)))
            case .notFound: return .notFound(.init(body: .json(Self.notFoundProblem)))
            case .conflict(let problem): return .conflict(.init(body: .json(problem)))
            case .unavailable: return .serviceUnavailable(Self.unavailable)
            }
        }
    }

    static var unavailable: Components.Responses.Unavailable {
        .init(headers: .init(retryAfter: 5), body: .json(unavailableProblem))
    }

    func payInvoice(_ input: Operations.PayInvoice.Input) async throws -> Operations.PayInvoice.Output {
        let caller = try caller()
        var amount: String?
        if case .json(let body)? = input.body { amount = body.amount }
        return try await answer {
            // Absent pays the proposed amount; a blank one is a mistake to point out, never a
            // payment of the whole invoice.
            if let amount, amount.trimmingCharacters(in: .whitespaces).isEmpty {
                throw BuyerCommands.Failure.invalid(
                    FieldError(field: "amount", "Leave amount out to pay the proposed amount, or write it like 125.50."))
            }
            return try await commands.payInvoice(
                caller.buyer, number: input.path.number, amount: amount, sessions: caller.context.sessions,
                logger: caller.context.logger)
        }
    }

    func requestInvoice(_ input: Operations.RequestInvoice.Input) async throws -> Operations.RequestInvoice.Output {
        let caller = try caller()
        switch try await sending({
            try await commands.requestInvoice(
                caller.buyer, number: input.path.number, sessions: caller.context.sessions, logger: caller.context.logger)
        }) {
        case .success(let sent): return .accepted(.init(body: .json(Self.command(sent))))
        case .failure(let failure):
            switch failure.answer {
            case .unavailable: return .serviceUnavailable(Self.unavailable)
            case .notFound, .badRequest, .conflict: return .notFound(.init(body: .json(Self.notFoundProblem)))
            }
        }
    }

    func updateCartLine(_ input: Operations.UpdateCartLine.Input) async throws -> Operations.UpdateCartLine.Output {
        let caller = try caller()
        guard case .json(let body) = input.body else { throw NoCaller() }
        return try await answer {
            try await commands.updateLine(
                caller.buyer, lineId: input.path.lineId, amount: body.amount, quantity: body.quantity.map(String.init),
                sessions: caller.context.sessions, logger: caller.context.logger)
        }
    }

    func removeCartLine(_ input: Operations.RemoveCartLine.Input) async throws -> Operations.RemoveCartLine.Output {
        let caller = try caller()
        switch try await sending({
            try await commands.removeLine(
                caller.buyer, lineId: input.path.lineId, sessions: caller.context.sessions, logger: caller.context.logger)
        }) {
        case .success(let sent): return .accepted(.init(body: .json(Self.command(sent))))
        case .failure(let failure):
            switch failure.answer {
            case .unavailable: return .serviceUnavailable(Self.unavailable)
            case .notFound, .badRequest, .conflict: return .notFound(.init(body: .json(Self.notFoundProblem)))
            }
        }
    }

    func checkout(_ input: Operations.Checkout.Input) async throws -> Operations.Checkout.Output {
        let caller = try caller()
        guard case .json(let body) = input.body else { throw NoCaller() }
        switch try await sending({
            try await commands.checkout(
                caller.buyer, tender: body.tender.rawValue, cardAuthorization: body.cardAuthorization,
                sessions: caller.context.sessions, logger: caller.context.logger)
        }) {
        case .success(let sent): return .accepted(.init(body: .json(Self.command(sent))))
        case .failure(let failure):
            switch failure.answer {
            case .badRequest(let problem): return .badRequest(.init(body: .json(problem)))
            case .conflict(let problem): return .conflict(.init(body: .json(problem)))
            case .unavailable: return .serviceUnavailable(Self.unavailable)
            case .notFound: return .conflict(.init(body: .json(Self.problem(409, "cart-empty", StorefrontRefusal.cartEmpty.description))))
            }
        }
    }
}

extension Operations.PayInvoice.Output: CommandOutput {}

extension Operations.UpdateCartLine.Output: CommandOutput {}
