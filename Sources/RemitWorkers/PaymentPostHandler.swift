import Foundation
import RemitCore
import RemitMessages
import RemitRuntime
import RemitStore

struct PaymentPostHandler: TypedMessageHandler {
    func handle(
        _ envelope: Envelope<PaymentPost>, context: HandlerContext, in channel: any ChannelStoreTransaction
    ) throws -> [OutgoingMessage] {
        let body = envelope.body
        return try runCommand(envelope.header, user: body.user, context: context, in: channel) {
            let buyer = try Buyer.load(channel, login: body.user, actingUser: envelope.actingUser)
            return try PaymentPosting.post(
                channel, buyer: buyer, paymentId: body.paymentId, invoiceNumber: body.invoiceNumber, amount: body.amount,
                tender: body.tender, at: context.now, trace: context.keptTrace)
        }
    }
}
