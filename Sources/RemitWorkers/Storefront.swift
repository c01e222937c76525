import Foundation
import Logging
import Metrics
import RemitCore
import RemitMessages
import RemitRuntime
import RemitStore

/// `remit_commands_total` of commands of `type` accepted (no code) or refused with `refusalCode`.
func commandCounter(type: String, refusalCode: String?) -> Counter {
    Counter(
        label: "remit_commands_total",
        dimensions: [("type", type), ("outcome", refusalCode == nil ? "accepted" : "refused")]
            + (refusalCode.map { [("code", $0)] } ?? []))
}

/// `handler`, with the accepted count of each command it decides made now, at 0: a metric is
/// exported from the start, not first when something happens.
func countingCommands(_ handler: some MessageHandler) -> some MessageHandler {
    for type in handler.bodyTypes { _ = commandCounter(type: type.messageType, refusalCode: nil) }
    return handler
}

/// Runs a storefront command: `decide` either returns what it did or throws a `StorefrontRefusal`,
/// in which case nothing it wrote is kept. Either way the outcome is recorded for the portal and,
/// when the producer asked for one, answered on its reply address. A refusal is an outcome, not a
/// failure: the message is applied (and acked), never retried or dead-lettered.
func runCommand(
    _ header: EnvelopeHeader, user: String, context: HandlerContext, in channel: any ChannelStoreTransaction,
    _ decide: () throws -> Accepted
) throws -> [OutgoingMessage] {
    var accepted: Accepted?
    var refusal: StorefrontRefusal?
    do {
        accepted = try channel.savepoint(decide)
    } catch let refused as StorefrontRefusal {
        refusal = refused
    }
    let outcome = CommandOutcome(
        messageId: header.id, type: header.type, userLogin: String(user.prefix(128)), correlationId: header.correlationId,
        outcome: accepted == nil ? .refused : .accepted, code: refusal?.code, reason: refusal?.description,
        paymentId: accepted?.paymentId, requestId: accepted?.requestId, lineId: accepted?.lineId, at: context.now)
    try channel.storefront.record(outcome)
    if let refusal {
        context.logger.info("command refused", metadata: ["type": "\(header.type)", "code": "\(refusal.code)"])
    }
    // Counted when decided; a batch whose transaction is rolled back and retried counts it again.
    commandCounter(type: header.type, refusalCode: refusal?.code).increment()
    return (accepted?.followUps ?? []) + (try context.answer(outcome.reply))
}

extension CommandOutcome {
    /// The reply a producer gets for this outcome.
    var reply: CommandReply {
        CommandReply(
            command: type, commandId: messageId, outcome: outcome == .accepted ? .accepted : .refused, code: code, reason: reason,
            paymentId: paymentId, requestId: requestId, lineId: lineId)
    }
}
