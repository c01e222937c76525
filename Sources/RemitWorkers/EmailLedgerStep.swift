import Foundation
import RemitCore
import RemitMail
import RemitMessages
import RemitRuntime
import RemitStore
import RemitTracing
import Tracing

/// The e-mail ledger's part in sending an e-mail once (`ExternalEffectHandler`'s steps), shared by
/// invoice copies and collection letters: `key` is the request or letter id.
enum EmailLedgerStep {
    /// The ledger's entry for `key` counted as one more attempt (not saved yet), or nil when an
    /// earlier attempt finished it (sent, failed or skipped: nothing is sent again).
    static func attempt(
        key: String, recipient: String, mail: MailSettings, in channel: any ChannelStoreTransaction, now: Date
    )
        throws -> EmailLedgerEntry?
    {
        let known = try channel.storefront.ledgerEntry(requestId: key)
        if let known {
            switch known.status {
            case .sent, .failed, .skipped:
                return nil  // done before: `handle` reports it again, nothing is sent
            case .sending where known.updatedAt == now:
                // The same e-mail twice in one batch: the first delivery is sending it right now.
                throw EmailInFlight(requestId: key)
            case .sending, .deferred:
                break  // an earlier attempt did not finish: try again (same Message-ID)
            }
        }
        var entry =
            known
            ?? EmailLedgerEntry(
                requestId: key, messageId: mail.messageId(for: key), recipient: String(recipient.prefix(254)), status: .sending,
                attempts: 0, detail: nil, createdAt: now, updatedAt: now)
        entry.attempts += 1
        entry.updatedAt = now
        entry.status = .sending
        return entry
    }

    /// The recipient's address; nil when no server could deliver to it — then the entry is saved
    /// failed with the reason (`whose` names the address: "the registered e-mail address").
    static func recipient(
        _ address: String, name: String, whose: String, entry: inout EmailLedgerEntry, in channel: any ChannelStoreTransaction
    ) throws -> MailAddress? {
        do {
            return try MailAddress(address, name: name)
        } catch {
            entry.status = .failed
            entry.detail = "\(whose) cannot be used: \(error)"
            try channel.storefront.save(entry)
            return nil
        }
    }

    /// Writes the send's outcome to the entry of `key` and returns it.
    static func record(
        _ outcome: EffectOutcome, key: String, in channel: any ChannelStoreTransaction, now: Date
    ) throws
        -> EmailLedgerEntry
    {
        guard var entry = try channel.storefront.ledgerEntry(requestId: key) else {
            throw StoreInconsistency("the e-mail ledger lost its row for \(key)")
        }
        switch outcome {
        case .succeeded(let reply): entry.status = .sent; entry.detail = String(reply.prefix(300))
        case .failed(let reason): entry.status = .failed; entry.detail = String(reason.prefix(1000))
        case .retryLater(let reason), .unavailable(let reason): entry.status = .deferred; entry.detail = String(reason.prefix(1000))
        }
        entry.updatedAt = now
        try channel.storefront.save(entry)
        return entry
    }

    /// The hand-over to the mail server (or the outbox), in the message's trace: its attributes name
    /// the request or letter, never the addresses or the server's credentials.
    static func handOver(
        _ message: MailMessage, mail: MailSettings, context: HandlerContext, attribute: (String, String?)
    )
        async -> EffectOutcome
    {
        let span = startSpan("email hand-over", context: Telemetry.context(continuing: context.trace), ofKind: .client)
        defer { span.end() }
        if span.isRecording, let value = attribute.1 { span.attributes[attribute.0] = value }
        let outcome = outcome(of: await mail.transport.send(message))
        switch outcome {
        case .succeeded: span.attributes["remit.email.outcome"] = "accepted"
        case .failed(let reason), .retryLater(let reason), .unavailable(let reason):
            span.setStatus(SpanStatus(code: .error, message: String(reason.prefix(300))))
        }
        return outcome
    }

    /// The hand-over to the mail server as the runtime's outcome.
    static func outcome(of result: MailDelivery) -> EffectOutcome {
        switch result {
        case .accepted(let reply): .succeeded(detail: reply)
        case .rejected(let code, let reply): .failed(reason: "the mail server refused the e-mail (\(code)): \(reply)")
        case .deferred(let reason): .retryLater(reason: "the mail server deferred the e-mail: \(reason)")
        case .unavailable(let reason): .unavailable(reason: "the e-mail could not be handed on: \(reason)")
        }
    }
}
