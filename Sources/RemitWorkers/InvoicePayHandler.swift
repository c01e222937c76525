import Foundation
import RemitCore
import RemitMessages
import RemitRuntime
import RemitStore

/// A producer's payment: the checkout's rules for one invoice (access, open amount, tender and credit
/// headroom), with the payment id derived from the user and the producer's idempotency key.
struct InvoicePayHandler: TypedMessageHandler {
    let policy: StorefrontPolicy

    func handle(
        _ envelope: Envelope<InvoicePay>, context: HandlerContext, in channel: any ChannelStoreTransaction
    ) throws -> [OutgoingMessage] {
        let body = envelope.body
        return try runCommand(envelope.header, user: body.user, context: context, in: channel) {
            let buyer = try Buyer.load(channel, login: body.user, actingUser: envelope.actingUser)
            let paymentId = DeterministicID.make(from: "invoice.pay", buyer.user.login, body.idempotencyKey)
            if try channel.storefront.transaction(id: paymentId) == nil {
                let invoice = try buyer.invoice(channel, number: body.invoiceNumber)
                _ = try buyer.balance(channel, of: invoice).checkPayment(body.amount, today: CalendarDate(context.now))
                try buyer.checkTender(
                    channel, tender: body.tender, cardAuthorization: body.cardAuthorization, paysInvoices: true, charge: body.amount,
                    policy: policy)
            }
            return try PaymentPosting.post(
                channel, buyer: buyer, paymentId: paymentId, invoiceNumber: body.invoiceNumber, amount: body.amount, tender: body.tender,
                at: context.now, trace: context.keptTrace)
        }
    }
}
