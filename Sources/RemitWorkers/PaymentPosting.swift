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
        at now: Date, trace: TraceContext?
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
        // Where the click's trace goes on when P-0001 uploads the payment.
        if let trace { try channel.traceContexts.keep(trace, for: TracedItem(.transaction, paymentId)) }
        return Accepted(paymentId: paymentId)
    }
}
