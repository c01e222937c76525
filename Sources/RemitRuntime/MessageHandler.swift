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
