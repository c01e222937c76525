import Foundation
import GRDB
import Logging
import RemitAMQP
import RemitCore
import RemitMessages

/// What a worker kind does with a message. It runs inside the store transaction that also records
/// the message in the inbox, and returns the follow-up messages; the runtime owns decoding, acks,
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

    func handle(_ message: IncomingMessage, context: HandlerContext, in db: Database) throws -> [OutgoingMessage]
}

/// A handler of one message type: it gets the envelope typed, no casts.
public protocol TypedMessageHandler: MessageHandler {
    associatedtype Body: MessageBody
    func handle(_ envelope: Envelope<Body>, context: HandlerContext, in db: Database) throws -> [OutgoingMessage]
}

extension TypedMessageHandler {
    public var bodyTypes: [any MessageBody.Type] { [Body.self] }

    public func handle(_ message: IncomingMessage, context: HandlerContext, in db: Database) throws -> [OutgoingMessage] {
        try handle(message.envelope(Body.self), context: context, in: db)
    }
}

/// One worker kind made of typed handlers, each for its own message types.
public struct CompositeHandler: MessageHandler {
    let handlers: [any MessageHandler]

    public init(_ handlers: [any MessageHandler]) { self.handlers = handlers }

    public var bodyTypes: [any MessageBody.Type] { handlers.flatMap(\.bodyTypes) }

    public func handle(_ message: IncomingMessage, context: HandlerContext, in db: Database) throws -> [OutgoingMessage] {
        guard let handler = handlers.first(where: { $0.bodyTypes.contains { $0.messageType == message.header.type } }) else {
            throw BadInput("no handler for message type '\(message.header.type)'")
        }
        return try handler.handle(message, context: context, in: db)
    }
}

/// What a handler knows about the delivery beyond its body.
public struct HandlerContext: Sendable {
    /// The worker's logger with `message_id` and `correlation_id` set.
    public let logger: Logger
    /// When the batch was received, from the worker's clock: one "now" for the whole transaction.
    public let now: Date
    /// 1 for the first attempt; retries count up.
    public let attempt: Int
    /// Who acts: `user:<login>` as the portal or producer stamped it, or `system:<name>`.
    public var actingUser: String
    public let header: EnvelopeHeader

    public init(logger: Logger, now: Date, attempt: Int, header: EnvelopeHeader) {
        self.logger = logger
        self.now = now
        self.attempt = attempt
        self.actingUser = header.actingUser
        self.header = header
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

    public init(header: EnvelopeHeader, body: any MessageBody, attempt: Int, receivedAt: Date) {
        self.header = header
        self.body = body
        self.attempt = attempt
        self.receivedAt = receivedAt
    }

    /// The typed envelope; a message of another type is `BadInput`.
    public func envelope<Body: MessageBody>(_ type: Body.Type) throws -> Envelope<Body> {
        guard let body = body as? Body else {
            throw BadInput("expected a \(Body.messageType) message, got \(header.type)")
        }
        return Envelope(header: header, body: body)
    }
}
