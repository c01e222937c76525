import Foundation
import Logging
import RemitAMQP
import RemitCore
import RemitMessages
import RemitStore

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
