import Foundation
import Logging
import RemitClient
import RemitCore
import RemitMail
import RemitMessages
import RemitRuntime
import RemitStore
import RemitTracing
import Tracing

/// The `email-dispatch` worker kind: renders the invoice e-mail for a B2B request and hands it to the
/// mail server (or the file outbox) once per request, then marks the request completed — or failed
/// with the server's reason when it refuses the e-mail for good. The e-mail ledger (one row per
/// request, written before the send) makes a redelivered or replayed `email.send` send nothing again.
public struct EmailDispatchHandler: TypedMessageHandler, ExternalEffectHandler {
    let mail: MailSettings
    let renderer: InvoiceEmailRenderer

    public init(mail: MailSettings) throws {
        self.mail = mail
        renderer = try InvoiceEmailRenderer()
    }

    /// The e-mail to hand on, rendered in the transaction that recorded the attempt.
    struct Sending: Sendable { let message: MailMessage }

    /// The e-mail's Message-ID: the same for every attempt at one request, so a receiving side can
    /// drop the duplicate a crash between the send and its record would cause.
    func messageId(for requestId: String) -> String {
        let domain = mail.from.address.split(separator: "@").last.map(String.init) ?? "remit.invalid"
        return "<\(DeterministicID.make(from: "email", requestId))@\(domain)>"
    }

    public func prepareEffect(
        for message: IncomingMessage, context: HandlerContext, in transaction: any StoreTransaction
    ) throws -> (any Sendable)? {
        let channel = try transaction.channel()
        let body = try message.envelope(EmailSend.self).body
        let known = try channel.storefront.ledgerEntry(requestId: body.requestId)
        if let known {
            switch known.status {
            case .sent, .failed:
                return nil  // done before: `handle` reports it again, nothing is sent
            case .sending where known.updatedAt == context.now:
                // The same request twice in one batch: the first delivery is sending it right now.
                throw EmailInFlight(requestId: body.requestId)
            case .sending, .deferred:
                break  // an earlier attempt did not finish: try again (same Message-ID)
            }
        }
        var entry =
            known
            ?? EmailLedgerEntry(
                requestId: body.requestId, messageId: messageId(for: body.requestId), recipient: String(body.to.prefix(254)),
                status: .sending, attempts: 0, detail: nil, createdAt: context.now, updatedAt: context.now)
        entry.attempts += 1
        entry.updatedAt = context.now
        let recipient: MailAddress
        do {
            recipient = try MailAddress(body.to, name: body.recipientName)
        } catch {
            // No server can deliver it: the request fails with the reason, the buyer sees it.
            entry.status = .failed
            entry.detail = "the registered e-mail address cannot be used: \(error)"
            try channel.storefront.save(entry)
            return nil
        }
        entry.status = .sending
        try channel.storefront.save(entry)
        // The buyer sees the request "processing" from the moment HQ handed it on until the mail
        // server accepted the e-mail (this commits before the send; a slow or absent mail server
        // leaves it showing). Never moves a request back: completed and failed stay.
        try channel.storefront.applyRequestChange(
            requestId: body.requestId, status: .processing, detail: "invoice copy handed to e-mail dispatch",
            at: message.header.occurredAt)
        let mailMessage = try renderer.render(
            body.invoice, from: mail.from, to: recipient, messageId: entry.messageId, date: context.now)
        return Sending(message: mailMessage)
    }

    public func performEffect(_ effect: any Sendable, for message: IncomingMessage, context: HandlerContext) async -> EffectOutcome {
        guard let sending = effect as? Sending else { return .retryLater(reason: "internal: unexpected effect \(type(of: effect))") }
        // The hand-over to the mail server (or the outbox), in the message's trace. Its attributes
        // name the request, never the addresses or the server's credentials.
        let span = startSpan("email hand-over", context: Telemetry.context(continuing: context.trace), ofKind: .client)
        defer { span.end() }
        if span.isRecording, let requestId = try? message.envelope(EmailSend.self).body.requestId {
            span.attributes["remit.request.id"] = requestId
        }
        let outcome: EffectOutcome
        switch await mail.transport.send(sending.message) {
        case .accepted(let reply): outcome = .succeeded(detail: reply)
        case .rejected(let code, let reply): outcome = .failed(reason: "the mail server refused the e-mail (\(code)): \(reply)")
        case .deferred(let reason): outcome = .retryLater(reason: "the mail server deferred the e-mail: \(reason)")
        case .unavailable(let reason): outcome = .unavailable(reason: "the e-mail could not be handed on: \(reason)")
        }
        switch outcome {
        case .succeeded: span.attributes["remit.email.outcome"] = "accepted"
        case .failed(let reason), .retryLater(let reason), .unavailable(let reason):
            span.setStatus(SpanStatus(code: .error, message: String(reason.prefix(300))))
        }
        return outcome
    }

    public func recordEffect(
        _ outcome: EffectOutcome, of effect: any Sendable, for message: IncomingMessage, context: HandlerContext,
        in transaction: any StoreTransaction
    ) throws {
        let channel = try transaction.channel()
        let requestId = try message.envelope(EmailSend.self).body.requestId
        guard var entry = try channel.storefront.ledgerEntry(requestId: requestId) else {
            throw StoreInconsistency("the e-mail ledger lost its row for request \(requestId)")
        }
        switch outcome {
        case .succeeded(let reply): entry.status = .sent; entry.detail = String(reply.prefix(300))
        case .failed(let reason): entry.status = .failed; entry.detail = String(reason.prefix(1000))
        case .retryLater(let reason), .unavailable(let reason): entry.status = .deferred; entry.detail = String(reason.prefix(1000))
        }
        entry.updatedAt = context.now
        try channel.storefront.save(entry)
        context.logger.info(
            "invoice e-mail \(entry.status.rawValue)",
            metadata: ["request_id": "\(requestId)", "attempts": "\(entry.attempts)", "detail": "\(entry.detail ?? "")"])
    }

    /// Reports what the ledger says: the request completed (the mail server accepted the e-mail) or
    /// failed with the reason. Runs after the send's outcome is recorded, and again for a redelivery.
    public func handle(
        _ envelope: Envelope<EmailSend>, context: HandlerContext, in channel: any ChannelStoreTransaction
    ) throws -> [OutgoingMessage] {
        let requestId = envelope.body.requestId
        guard let entry = try channel.storefront.ledgerEntry(requestId: requestId), entry.status == .sent || entry.status == .failed else {
            throw StoreInconsistency("request \(requestId) has no finished e-mail in the ledger")
        }
        if entry.status == .sent {
            try channel.storefront.applyRequestChange(
                requestId: requestId, status: .completed, detail: "e-mailed to \(entry.recipient)", at: entry.updatedAt)
        } else {
            try channel.storefront.applyRequestChange(requestId: requestId, status: .failed, detail: entry.detail, at: entry.updatedAt)
        }
        return []
    }
}
