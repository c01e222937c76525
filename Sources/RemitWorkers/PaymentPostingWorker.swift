import Foundation
import RemitCore
import RemitMessages
import RemitRuntime
import RemitStore

/// The `payment-posting` worker kind: records invoice payments as channel transactions for P-0001
/// to upload, idempotent on the payment id; the amount shows as pending on its invoice until HQ
/// settles it. Takes the checkout's `payment.post` and producers' public `invoice.pay`.
public enum PaymentPosting {
    public static func handler(policy: StorefrontPolicy) -> CompositeHandler {
        CompositeHandler([PaymentPostHandler(), InvoicePayHandler(policy: policy)])
    }

    /// Records the payment unless its id is known. The open amount is checked again now: between the
    /// checkout and this message another payment may have taken what was open.
    static func post(
        _ channel: any ChannelStoreTransaction, buyer: Buyer, paymentId: String, invoiceNumber: String, amount: Money, tender: Tender,
        at now: Date
    ) throws -> Accepted {
        if let known = try channel.storefront.transaction(id: paymentId) {
            // The same payment again (a replay, or a producer re-sending its key): posted once only.
            guard known.invoiceNumber == invoiceNumber, known.amount == amount, known.userLogin == buyer.user.login else {
                throw StorefrontRefusal.idempotencyKeyReused
            }
            return Accepted(paymentId: paymentId)
        }
        let invoice = try buyer.invoice(channel, number: invoiceNumber)
        _ = try buyer.balance(channel, of: invoice).checkPayment(amount, today: CalendarDate(now))
        try channel.storefront.record(
            ChannelTransaction(
                id: paymentId, kind: .invoicePayment, customerAccount: invoice.customerAccount, userLogin: buyer.user.login,
                invoiceNumber: invoice.number, amount: amount, tender: tender.rawValue, createdAt: now))
        return Accepted(paymentId: paymentId)
    }
}

struct PaymentPostHandler: TypedMessageHandler {
    func handle(
        _ envelope: Envelope<PaymentPost>, context: HandlerContext, in channel: any ChannelStoreTransaction
    ) throws -> [OutgoingMessage] {
        let body = envelope.body
        return try runCommand(envelope.header, user: body.user, context: context, in: channel) {
            let buyer = try Buyer.load(channel, login: body.user, actingUser: envelope.actingUser)
            return try PaymentPosting.post(
                channel, buyer: buyer, paymentId: body.paymentId, invoiceNumber: body.invoiceNumber, amount: body.amount,
                tender: body.tender, at: context.now)
        }
    }
}

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
                at: context.now)
        }
    }
}
