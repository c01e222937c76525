import Foundation
import Logging
import RemitAMQP
import RemitCore
import RemitMessages
import RemitStore

/// What a worker kind does with a message. It runs inside the store transaction (the seam's
/// `StoreTransaction`, whichever backend holds the store) that also records the message in the inbox, and returns the follow-up messages; the runtime owns decoding, acks,
/// retries, dead-lettering and publishing.
///
/// - Throw `BadInput` for a message that can never succeed: it is dead-lettered at once. A store
///   constraint violation, a `MoneyError` or a `SettlementError` count as bad input too.
/// - Any other error is transient: the message goes through the retry tiers. Errors of the store
///   itself (locked, full, damaged) pause the worker instead and cost the message nothing.
/// - Business refusals (an invoice already paid, an amount over the balance) are not errors:
///   record them as state the buyer sees.
/// - **Effects outside the store** (an e-mail, an HTTP call) never happen here: the transaction may
///   be rolled back and run again, and a message may be redelivered. Record the effect as a ledger
///   row in this transaction; perform it after the commit, keyed by that row so a redelivery finds
///   it done; report its outcome as a message.
public protocol MessageHandler: Sendable {
    /// The bodies this handler reads; the runtime decodes each message once, into one of these.
    var bodyTypes: [any MessageBody.Type] { get }

    func handle(_ message: IncomingMessage, context: HandlerContext, in transaction: any StoreTransaction) throws -> [OutgoingMessage]

    /// True for a handler that checks what it returns itself (`HandlerContext.followUpCheck`), so
    /// that its own failure can be recorded (an HQ job run); the runtime checks every other handler's
    /// follow-ups before the transaction commits.
    var checksItsFollowUps: Bool { get }
}

extension MessageHandler {
    public var checksItsFollowUps: Bool { false }
}

/// A handler of one message type: it gets the envelope typed, and the transaction of its store
/// (`any ChannelStoreTransaction`, …) with its parts' queries, no casts.
public protocol TypedMessageHandler: MessageHandler {
    associatedtype Body: MessageBody
    /// The store's transaction the handler works in; any store's by default.
    associatedtype Transaction = any StoreTransaction
    func handle(_ envelope: Envelope<Body>, context: HandlerContext, in transaction: Transaction) throws -> [OutgoingMessage]
}

extension TypedMessageHandler {
    public var bodyTypes: [any MessageBody.Type] { [Body.self] }

    public func handle(
        _ message: IncomingMessage, context: HandlerContext, in transaction: any StoreTransaction
    ) throws -> [OutgoingMessage] {
        guard let typed = transaction as? Transaction else {
            throw WrongStoreTransaction(expected: "\(Transaction.self)", given: "\(type(of: transaction))")
        }
        return try handle(message.envelope(Body.self), context: context, in: typed)
    }
}

/// One worker kind made of typed handlers, each for its own message types.
public struct CompositeHandler: MessageHandler {
    let handlers: [any MessageHandler]

    public init(_ handlers: [any MessageHandler]) { self.handlers = handlers }

    public var bodyTypes: [any MessageBody.Type] { handlers.flatMap(\.bodyTypes) }

    public func handle(
        _ message: IncomingMessage, context: HandlerContext, in transaction: any StoreTransaction
    ) throws -> [OutgoingMessage] {
        guard let handler = handlers.first(where: { $0.bodyTypes.contains { $0.messageType == message.header.type } }) else {
            throw BadInput("no handler for message type '\(message.header.type)'")
        }
        return try handler.handle(message, context: context, in: transaction)
    }
}

/// What a handler knows about the delivery beyond its body.
public struct HandlerContext: Sendable {
    /// The worker's logger with `message_id` and `correlation_id` set; made when a handler asks for
    /// it (most messages log nothing, and setting metadata costs allocations per message).
    public var logger: Logger {
        var logger = workerLogger
        logger[metadataKey: "message_id"] = "\(header.id)"
        logger[metadataKey: "correlation_id"] = "\(header.correlationId)"
        return logger
    }
    private let workerLogger: Logger
    /// When the batch was received, from the worker's clock: one "now" for the whole transaction.
    public let now: Date
    /// 1 for the first attempt; retries count up.
    public let attempt: Int
    /// Who acts: `user:<login>` as the portal or producer stamped it, or `system:<name>`.
    public var actingUser: String
    public let header: EnvelopeHeader
    /// Where the producer asked for an answer (AMQP `reply_to` and `correlation_id`), if it did and
    /// the address is one Remit may publish to.
    public let reply: ReplyAddress?
    /// The check every follow-up passes before its transaction commits (the runtime's; nil only
    /// where a test builds a context by hand).
    public let followUpCheck: FollowUpCheck?

    /// `logger` is the worker's; the context adds the message's ids to it.
    public init(
        logger: Logger, now: Date, attempt: Int, header: EnvelopeHeader, reply: ReplyAddress? = nil,
        followUpCheck: FollowUpCheck? = nil
    ) {
        self.followUpCheck = followUpCheck
        self.workerLogger = logger
        self.now = now
        self.attempt = attempt
        self.actingUser = header.actingUser
        self.header = header
        self.reply = reply
    }

    /// The answer to the producer, when it asked for one: a `remit.reply` to its address with a
    /// follow-up id (so a redelivery re-sends the same answer). Empty when it did not ask.
    public func answer(_ reply: CommandReply) throws -> [OutgoingMessage] {
        guard let address = self.reply else { return [] }
        return [
            try OutgoingMessage(header.followUp(reply, key: "reply", occurredAt: now, actingUser: "system:remit"), replyTo: address)
        ]
    }
}

/// A message that can never be handled as it is: undecodable, unknown type or version, invalid body.
public struct BadInput: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// A delivered message, decoded, handed to a handler.
public struct IncomingMessage: Sendable {
    public let header: EnvelopeHeader
    public let body: any MessageBody
    /// 1 for the first attempt; retries count up.
    public let attempt: Int
    public let receivedAt: Date
    public let reply: ReplyAddress?

    public init(header: EnvelopeHeader, body: any MessageBody, attempt: Int, receivedAt: Date, reply: ReplyAddress? = nil) {
        self.header = header
        self.body = body
        self.attempt = attempt
        self.receivedAt = receivedAt
        self.reply = reply
    }

    /// The typed envelope; a message of another type is `BadInput`.
    public func envelope<Body: MessageBody>(_ type: Body.Type) throws -> Envelope<Body> {
        guard let body = body as? Body else {
            throw BadInput("expected a \(Body.messageType) message, got \(header.type)")
        }
        return Envelope(header: header, body: body)
    }
}

/// A handler whose messages need an effect outside the store — an e-mail, a call to another
/// system — done once per message however often it is delivered. The runtime drives three steps:
///
/// 1. `prepareEffect`, in the batch's transaction: looks the effect up in the handler's ledger. Still
///    to do → records the attempt and returns what to perform; the message is not in the inbox yet.
///    Done already (or failed for good) → nil, and `handle` runs at once as for any message.
/// 2. `performEffect`, after that transaction committed, outside any transaction.
/// 3. `recordEffect`, in a new transaction: writes the outcome to the ledger. Succeeded or failed
///    for good → `handle` runs in the same transaction (reporting what the ledger says) and the
///    message is recorded applied; `.retryLater` → the message goes through the retry tiers, and
///    the ledger lets the next attempt try again.
///
/// A crash between steps 2 and 3 leaves the ledger saying "attempted, outcome unknown"; the
/// redelivery performs the effect again, so an effect must carry a key the far side can use to
/// drop a duplicate (an e-mail's Message-ID).
public protocol ExternalEffectHandler: MessageHandler {
    func prepareEffect(
        for message: IncomingMessage, context: HandlerContext, in transaction: any StoreTransaction
    ) throws -> (any Sendable)?
    func performEffect(_ effect: any Sendable, for message: IncomingMessage, context: HandlerContext) async -> EffectOutcome
    func recordEffect(
        _ outcome: EffectOutcome, of effect: any Sendable, for message: IncomingMessage, context: HandlerContext,
        in transaction: any StoreTransaction
    ) throws
}

/// What performing an effect came to.
public enum EffectOutcome: Sendable, Equatable {
    /// It happened; `detail` is the far side's answer (e.g. the mail server's reply).
    case succeeded(detail: String)
    /// It can never happen (e.g. a 5xx, an invalid address); not worth a retry.
    case failed(reason: String)
    /// Not now, for this message (a 4xx): spend an attempt and try again after the retry delay.
    case retryLater(reason: String)
    /// The far side cannot be used at all (down, unreachable, its TLS refused, a full outbox): the
    /// worker's problem, not the message's. The runtime holds the batch and performs the effect
    /// again after a back-off, spending no attempt, until it answers or the worker drains.
    case unavailable(reason: String)
}
