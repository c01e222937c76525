import Foundation
import HummingbirdAuth
import Logging
import RemitClient
import RemitCore
import RemitMessages
import RemitStore
import RemitTracing
import Tracing

/// The buyer's commands as the pages and the API send them: what is out of the buyer's reach is
/// not found, a wrong field is named, a refusal the channel store already shows is refused before
/// anything is published, and the rest is published with the broker's confirmation. The workers
/// decide every command again; this only spares the user a round trip that can only end refused.
struct BuyerCommands: Sendable {
    let dependencies: PortalDependencies
    let policy: StorefrontPolicy

    enum Failure: Error, Equatable {
        /// Not the buyer's, or not there at all: the same answer.
        case notFound
        case invalid(FieldError)
        case refused(StorefrontRefusal)
        /// The broker did not confirm: nothing was done, the user should try again.
        case unavailable
    }

    /// A command the broker confirmed.
    struct Sent: Sendable {
        let id: String
        let type: String
    }

    /// The invoice `number` — exactly as given — when the buyer reaches it.
    private func reachableInvoice(_ buyer: BuyerView.Buyer, _ number: String) async throws -> ChannelInvoice {
        guard !number.isEmpty, number.count <= 128,
            let invoice = try await dependencies.channel.readChannel({ try $0.storefront.invoice(number: number) }),
            buyer.access.allows(invoiceOwnedBy: invoice.customerAccount)
        else { throw Failure.notFound }
        return invoice
    }

    static func amount(_ text: String?, field: String, currency: Currency, required: Bool) throws -> Money? {
        let text = (text ?? "").trimmingCharacters(in: .whitespaces)
        if text.isEmpty {
            guard required else { return nil }
            throw Failure.invalid(FieldError(field: field, "Write the amount in \(currency.code), like 125.50."))
        }
        do { return try Money(decimal: text, currency: currency) } catch {
            throw Failure.invalid(
                FieldError(field: field, "Write the amount in \(currency.code) as a number, like 125.50."))
        }
    }

    /// Pay invoice: the invoice into the cart for `amount` (nil: the proposed amount).
    func payInvoice(
        _ buyer: BuyerView.Buyer, number: String, amount text: String?, sessions: SessionContext<PortalSession>, logger: Logger
    ) async throws -> Sent {
        let invoice = try await reachableInvoice(buyer, number)
        let amount = try Self.amount(text, field: "amount", currency: invoice.currency, required: false)
        let today = CalendarDate(dependencies.clock.now())
        let policy = self.policy
        try await dependencies.channel.readChannel { channel in
            do {
                _ = try channel.buyerViews.row(invoice).balance.checkPayment(amount, today: today)
                let lines =
                    try channel.storefront.openCart(user: buyer.user.login).map { try channel.storefront.cartLines(cart: $0.id) } ?? []
                try CartRules.checkAdding(.invoice, to: lines.map(\.kind), policy: policy)
                if lines.contains(where: { $0.invoiceNumber == invoice.number }) {
                    throw StorefrontRefusal.invoiceAlreadyInCart(invoice.number)
                }
            } catch let refusal as StorefrontRefusal {
                throw Failure.refused(refusal)
            }
        }
        return try await publish(
            CartAddInvoice(user: buyer.user.login, invoiceNumber: invoice.number, amount: amount), subject: invoice.number,
            buyer: buyer, sessions: sessions, logger: logger)
    }

    /// Request invoice: a copy by e-mail.
    func requestInvoice(
        _ buyer: BuyerView.Buyer, number: String, sessions: SessionContext<PortalSession>, logger: Logger
    ) async throws -> Sent {
        let invoice = try await reachableInvoice(buyer, number)
        return try await publish(
            InvoiceRequest(user: buyer.user.login, invoiceNumber: invoice.number), subject: invoice.number, buyer: buyer,
            sessions: sessions, logger: logger)
    }

    /// The line `id` of the buyer's open cart.
    private func cartLine(_ buyer: BuyerView.Buyer, _ id: String) async throws -> CartLine {
        let line = try await dependencies.channel.readChannel { channel -> CartLine? in
            guard !id.isEmpty, id.count <= 128, let cart = try channel.storefront.openCart(user: buyer.user.login) else { return nil }
            return try channel.storefront.cartLine(id: id, cart: cart.id)
        }
        guard let line else { throw Failure.notFound }
        return line
    }

    /// A new amount for an invoice line, or a new quantity for an item line.
    func updateLine(
        _ buyer: BuyerView.Buyer, lineId: String, amount: String?, quantity: String?, sessions: SessionContext<PortalSession>,
        logger: Logger
    ) async throws -> Sent {
        let line = try await cartLine(buyer, lineId)
        let body: CartUpdateLine
        if line.kind == .invoice {
            let money = try Self.amount(amount, field: "amount", currency: line.amount.currency, required: true)!
            body = CartUpdateLine(user: buyer.user.login, lineId: line.id, amount: money)
        } else {
            let text = (quantity ?? "").trimmingCharacters(in: .whitespaces)
            guard let count = Int(text), (1...CartRules.maximumQuantity).contains(count) else {
                throw Failure.invalid(FieldError(field: "quantity", "A quantity is a whole number from 1 to \(CartRules.maximumQuantity)."))
            }
            body = CartUpdateLine(user: buyer.user.login, lineId: line.id, quantity: count)
        }
        return try await publish(body, subject: line.description, buyer: buyer, sessions: sessions, logger: logger)
    }

    func removeLine(
        _ buyer: BuyerView.Buyer, lineId: String, sessions: SessionContext<PortalSession>, logger: Logger
    ) async throws -> Sent {
        let line = try await cartLine(buyer, lineId)
        return try await publish(
            CartRemoveLine(user: buyer.user.login, lineId: line.id), subject: line.description, buyer: buyer, sessions: sessions,
            logger: logger)
    }

    /// The buyer's open cart, and the tenders it may be checked out with (`CartRules.tenders`).
    func cart(_ channel: any ChannelStoreTransaction, buyer: BuyerView.Buyer, today: CalendarDate) throws -> (BuyerView.OpenCart, [Tender])
    {
        let cart = try channel.buyerViews.openCart(buyer: buyer, today: today)
        let tenders = CartRules.tenders(
            paysInvoices: cart.lines.contains { $0.kind == .invoice },
            allowOnAccount: try channel.buyerViews.accountSummary(buyer: buyer)?.allowsOnAccount ?? false, policy: policy)
        return (cart, tenders)
    }

    /// Checkout on account or by card. An empty cart, a line that can no longer be paid as it
    /// stands or a tender the account may not use is refused here; the worker checks every line again.
    func checkout(
        _ buyer: BuyerView.Buyer, tender text: String?, cardAuthorization: String?, sessions: SessionContext<PortalSession>,
        logger: Logger
    ) async throws -> Sent {
        guard let tender = text.flatMap(Tender.init(rawValue:)) else {
            throw Failure.invalid(FieldError(field: "tender", "Choose how to pay: on account or by card."))
        }
        let authorization = cardAuthorization.map { String($0.trimmingCharacters(in: .whitespaces).prefix(128)) }
        let reference = tender == .card && authorization?.isEmpty == false ? authorization : nil
        let policy = self.policy
        let today = CalendarDate(dependencies.clock.now())
        try await dependencies.channel.readChannel { channel in
            do {
                let cart = try channel.buyerViews.openCart(buyer: buyer, today: today)
                let lines = cart.lines
                if let refusal = cart.firstRefusal { throw refusal }
                guard let currency = lines.first?.amount.currency else { throw StorefrontRefusal.cartEmpty }
                var charge = Money.zero(currency)
                for line in lines where line.amount.currency == currency { charge = try charge.adding(line.amount) }
                let summary = try channel.buyerViews.accountSummary(buyer: buyer)
                let headroom = summary?.currency == currency ? summary?.headroom ?? .zero(currency) : .zero(currency)
                try CartRules.checkTender(
                    tender, cardAuthorization: reference, paysInvoices: lines.contains { $0.kind == .invoice }, charge: charge,
                    allowOnAccount: summary?.allowsOnAccount ?? false, headroom: headroom, policy: policy)
            } catch let refusal as StorefrontRefusal {
                throw Failure.refused(refusal)
            }
        }
        return try await publish(
            CartCheckout(user: buyer.user.login, tender: tender, cardAuthorization: reference), subject: "your cart", buyer: buyer,
            sessions: sessions, logger: logger)
    }

    /// Publishes `body` for the buyer with confirms and remembers it in the session, so its page
    /// shows it pending until its outcome is recorded.
    private func publish<Body: MessageBody>(
        _ body: Body, subject: String, buyer: BuyerView.Buyer, sessions: SessionContext<PortalSession>, logger: Logger
    ) async throws -> Sent {
        var prepared = try dependencies.producer.prepare(
            type: Body.messageType, body: try JSONValue.parse(try MessageCoding.shared.encode(body)),
            actingUser: "user:\(buyer.user.login)")
        let id = prepared.message.messageId
        var logger = logger
        logger[metadataKey: "message_id"] = "\(id)"
        // The command's `send` span, in the click's request span; the worker's continues it.
        let span = MessagingSpan.send(
            .init(
                exchange: prepared.outbound.exchange, routingKey: prepared.outbound.routingKey, messageID: id,
                correlationID: prepared.message.correlationId, bodySize: prepared.outbound.body.count),
            in: ServiceContext.current ?? .topLevel)
        defer { span.end() }
        Telemetry.traceContext(of: span.context)?.write(into: &prepared.outbound.properties.headers)
        do {
            try await dependencies.publisher.publish(prepared.outbound)
        } catch {
            span.recordError(error)
            logger.warning("command not confirmed by the broker", metadata: ["type": "\(Body.messageType)", "error": "\(error)"])
            throw Failure.unavailable
        }
        logger.info("command published", metadata: ["type": "\(Body.messageType)"])
        sessions.withLockedSession { session in
            session?.commands.append(SentCommand(id: id, type: Body.messageType, invoiceNumber: subject))
            if let count = session?.commands.count, count > PortalSession.keptCommands {
                session?.commands.removeFirst(count - PortalSession.keptCommands)
            }
        }
        return Sent(id: id, type: Body.messageType)
    }

    /// Where a command stands, for the buyer who sent it.
    struct State: Sendable {
        enum Status: String, Sendable { case pending, accepted, refused }
        let id: String
        let type: String
        let subject: String?
        let status: Status
        let code: String?
        let reason: String?
        /// A copy request that joined an earlier one for the same invoice: when that one was submitted.
        let joinedRequestOf: Date?
    }

    /// The command `id` as its user sees it: pending (sent by this session, no outcome yet),
    /// accepted or refused. Anybody else's command, or an unknown id, is nil.
    func state(_ buyer: BuyerView.Buyer, id: String, session: PortalSession) async throws -> State? {
        guard !id.isEmpty, id.count <= 128 else { return nil }
        let sent = session.commands.last { $0.id == id }
        let (outcome, request) = try await dependencies.channel.readChannel { channel in
            let outcome = try channel.storefront.outcome(messageId: id)
            return (outcome, try outcome?.requestId.flatMap { try channel.storefront.request(id: $0) })
        }
        let mine = outcome.flatMap { $0.userLogin == buyer.user.login ? $0 : nil }
        // The invoice-request worker answers a repeat within its merge window with the earlier
        // request's id, which was submitted before this command's outcome.
        let joined = mine.flatMap { mine in request.flatMap { $0.submittedAt < mine.at ? $0.submittedAt : nil } }
        guard sent != nil || mine != nil else { return nil }
        let status: State.Status =
            switch mine?.outcome {
            case nil: .pending
            case .accepted?: .accepted
            case .refused?: .refused
            }
        return State(
            id: id, type: mine?.type ?? sent?.type ?? "", subject: sent?.invoiceNumber, status: status,
            code: status == .refused ? mine?.code : nil, reason: status == .refused ? (mine?.reason ?? "The shop refused it.") : nil,
            joinedRequestOf: status == .accepted ? joined : nil)
    }
}
