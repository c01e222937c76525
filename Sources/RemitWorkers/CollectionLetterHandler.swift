import Foundation
import Logging
import RemitCore
import RemitMail
import RemitMessages
import RemitRuntime
import RemitStore

/// E-mail dispatch's part for `email.letter`: sends a collection letter once (the e-mail ledger,
/// keyed by the letter id) to the account's address, with each invoice attached as its PDF.
/// Checked at send: an invoice the channel shows paid, or covered by payments taken since (with
/// the cash discount they earn), is left out; a letter with nothing left is not sent at all
/// (`skipped` in the ledger), and never will be. A letter sent is recorded in the channel store
/// (`SentLetter`) with the invoices it listed: the buyer's pages show it.
public struct CollectionLetterHandler: TypedMessageHandler, ExternalEffectHandler {
    let mail: MailSettings
    let renderer: CollectionLetterRenderer

    public init(mail: MailSettings) throws {
        self.mail = mail
        renderer = try CollectionLetterRenderer()
    }

    /// The e-mail to hand on and the invoices it lists, rendered in the transaction that recorded the attempt.
    struct Sending: Sendable {
        let message: MailMessage
        let invoices: [String]
    }

    public func prepareEffect(
        for message: IncomingMessage, context: HandlerContext, in transaction: any StoreTransaction
    ) throws -> (any Sendable)? {
        let channel = try transaction.channel()
        let body = try message.envelope(EmailLetter.self).body
        guard var entry = try EmailLedgerStep.attempt(key: body.letterId, recipient: body.to, mail: mail, in: channel, now: context.now)
        else { return nil }
        guard
            let recipient = try EmailLedgerStep.recipient(
                body.to, name: body.recipientName, whose: "the account's e-mail address", entry: &entry, in: channel)
        else { return nil }
        let invoices = try Self.stillOpen(body.invoices, in: channel)
        guard !invoices.isEmpty else {
            entry.status = .skipped
            entry.detail = "not sent: every invoice of the letter was paid or covered by a payment before it went out"
            try channel.storefront.save(entry)
            return nil
        }
        try channel.storefront.save(entry)
        let letter = CollectionLetterRenderer.Letter(
            title: body.title, level: body.level, customerAccount: body.customerAccount, customerName: body.recipientName,
            issuedOn: body.issuedOn, part: body.part, parts: body.parts, invoices: invoices)
        return Sending(
            message: try renderer.render(
                letter, from: mail.from, to: recipient, messageId: entry.messageId, date: context.now, seller: mail.seller),
            invoices: invoices.map(\.number))
    }

    /// The letter's invoices as the channel shows them now: those paid or covered since are left
    /// out, and the rest carry the channel's pending payments. An invoice the channel does not
    /// know (yet) stays as HQ had it.
    static func stillOpen(_ invoices: [InvoiceDocument], in channel: any ChannelStoreTransaction) throws -> [InvoiceDocument] {
        try invoices.compactMap { invoice in
            guard let stored = try channel.storefront.invoice(number: invoice.number) else { return invoice }
            let row = try channel.buyerViews.row(stored)
            guard !row.open.isZero else { return nil }
            var shown = invoice
            if row.pending.currency == invoice.pending.currency { shown.pending = row.pending }
            return shown
        }
    }

    public func performEffect(_ effect: any Sendable, for message: IncomingMessage, context: HandlerContext) async -> EffectOutcome {
        guard let sending = effect as? Sending else { return .retryLater(reason: "internal: unexpected effect \(type(of: effect))") }
        let letterId = try? message.envelope(EmailLetter.self).body.letterId
        return await EmailLedgerStep.handOver(sending.message, mail: mail, context: context, attribute: ("remit.letter.id", letterId))
    }

    public func recordEffect(
        _ outcome: EffectOutcome, of effect: any Sendable, for message: IncomingMessage, context: HandlerContext,
        in transaction: any StoreTransaction
    ) throws {
        let body = try message.envelope(EmailLetter.self).body
        let channel = try transaction.channel()
        let entry = try EmailLedgerStep.record(outcome, key: body.letterId, in: channel, now: context.now)
        // Sent: the buyer sees it with the invoices it listed (Invoices page, the invoice, My account).
        if entry.status == .sent, let sending = effect as? Sending {
            try channel.storefront.record(
                SentLetter(
                    letterId: body.letterId, customerAccount: body.customerAccount, level: body.level, title: body.title,
                    issuedOn: body.issuedOn, sentAt: context.now, invoiceNumbers: sending.invoices))
        }
    }

    /// Reports what the ledger says about the letter; runs after its outcome is recorded, and again
    /// for a redelivery.
    public func handle(
        _ envelope: Envelope<EmailLetter>, context: HandlerContext, in channel: any ChannelStoreTransaction
    ) throws
        -> [OutgoingMessage]
    {
        let body = envelope.body
        guard let entry = try channel.storefront.ledgerEntry(requestId: body.letterId), [.sent, .failed, .skipped].contains(entry.status)
        else {
            throw StoreInconsistency("collection letter \(body.letterId) has no finished e-mail in the ledger")
        }
        context.logger.info(
            "collection letter \(entry.status.rawValue)",
            metadata: [
                "letter_id": "\(body.letterId)", "account": "\(body.customerAccount)", "level": "\(body.level)",
                "attempts": "\(entry.attempts)", "detail": "\(entry.detail ?? "")",
            ])
        return []
    }
}
