import Foundation
import Logging
import RemitClient
import RemitCore
import RemitMail
import RemitMessages
import RemitRuntime
import RemitStore

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

    public func prepareEffect(
        for message: IncomingMessage, context: HandlerContext, in transaction: any StoreTransaction
    ) throws -> (any Sendable)? {
        let channel = try transaction.channel()
        let body = try message.envelope(EmailSend.self).body
        guard var entry = try EmailLedgerStep.attempt(key: body.requestId, recipient: body.to, mail: mail, in: channel, now: context.now)
        else { return nil }
        // No server can deliver to an unusable address: the request fails with the reason, the buyer sees it.
        guard
            let recipient = try EmailLedgerStep.recipient(
                body.to, name: body.recipientName, whose: "the registered e-mail address", entry: &entry, in: channel)
        else { return nil }
        try channel.storefront.save(entry)
        // The buyer sees the request "processing" from the moment HQ handed it on until the mail
        // server accepted the e-mail (this commits before the send; a slow or absent mail server
        // leaves it showing). Never moves a request back: completed and failed stay.
        try channel.storefront.applyRequestChange(
            requestId: body.requestId, status: .processing, detail: "invoice copy handed to e-mail dispatch",
            at: message.header.occurredAt)
        let mailMessage = try renderer.render(
            body.invoice, from: mail.from, to: recipient, messageId: entry.messageId, date: context.now, seller: mail.seller)
        return Sending(message: mailMessage)
    }

    public func performEffect(_ effect: any Sendable, for message: IncomingMessage, context: HandlerContext) async -> EffectOutcome {
        guard let sending = effect as? Sending else { return .retryLater(reason: "internal: unexpected effect \(type(of: effect))") }
        let requestId = try? message.envelope(EmailSend.self).body.requestId
        return await EmailLedgerStep.handOver(sending.message, mail: mail, context: context, attribute: ("remit.request.id", requestId))
    }

    public func recordEffect(
        _ outcome: EffectOutcome, of effect: any Sendable, for message: IncomingMessage, context: HandlerContext,
        in transaction: any StoreTransaction
    ) throws {
        let requestId = try message.envelope(EmailSend.self).body.requestId
        let entry = try EmailLedgerStep.record(outcome, key: requestId, in: try transaction.channel(), now: context.now)
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
