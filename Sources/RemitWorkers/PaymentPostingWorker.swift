import Foundation
import GRDB
import RemitCore
import RemitMessages
import RemitRuntime
import RemitSQLite
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
        _ db: Database, buyer: Buyer, paymentId: String, invoiceNumber: String, amount: Money, tender: Tender, at now: Date
    ) throws -> Accepted {
        if let known = try ChannelTransaction.find(db, id: paymentId) {
            // The same payment again (a replay, or a producer re-sending its key): posted once only.
            guard known.invoiceNumber == invoiceNumber, known.amount == amount, known.userLogin == buyer.user.login else {
                throw StorefrontRefusal.idempotencyKeyReused
            }
            return Accepted(paymentId: paymentId)
        }
        let invoice = try buyer.invoice(db, number: invoiceNumber)
        _ = try buyer.balance(db, of: invoice).checkPayment(amount, today: CalendarDate(now))
        try ChannelTransaction(
            id: paymentId, kind: .invoicePayment, customerAccount: invoice.customerAccount, userLogin: buyer.user.login,
            invoiceNumber: invoice.number, amount: amount, tender: tender.rawValue, createdAt: now
        ).record(db)
        return Accepted(paymentId: paymentId)
    }
}

struct PaymentPostHandler: TypedMessageHandler {
    func handle(
        _ envelope: Envelope<PaymentPost>, context: HandlerContext, in transaction: any StoreTransaction
    ) throws -> [OutgoingMessage] {
        let db = SQLiteTransaction.database(of: transaction)
        let body = envelope.body
        return try runCommand(envelope.header, user: body.user, context: context, in: db) {
            let buyer = try Buyer.load(db, login: body.user, actingUser: envelope.actingUser)
            return try PaymentPosting.post(
                db, buyer: buyer, paymentId: body.paymentId, invoiceNumber: body.invoiceNumber, amount: body.amount,
                tender: body.tender, at: context.now)
        }
    }
}

/// A producer's payment: the checkout's rules for one invoice (access, open amount, tender and credit
/// headroom), with the payment id derived from the user and the producer's idempotency key.
struct InvoicePayHandler: TypedMessageHandler {
    let policy: StorefrontPolicy

    func handle(_ envelope: Envelope<InvoicePay>, context: HandlerContext, in transaction: any StoreTransaction) throws -> [OutgoingMessage]
    {
        let db = SQLiteTransaction.database(of: transaction)
        let body = envelope.body
        return try runCommand(envelope.header, user: body.user, context: context, in: db) {
            let buyer = try Buyer.load(db, login: body.user, actingUser: envelope.actingUser)
            let paymentId = DeterministicID.make(from: "invoice.pay", buyer.user.login, body.idempotencyKey)
            if try ChannelTransaction.find(db, id: paymentId) == nil {
                let invoice = try buyer.invoice(db, number: body.invoiceNumber)
                _ = try buyer.balance(db, of: invoice).checkPayment(body.amount, today: CalendarDate(context.now))
                try buyer.checkTender(
                    db, tender: body.tender, cardAuthorization: body.cardAuthorization, paysInvoices: true, charge: body.amount,
                    policy: policy)
            }
            return try PaymentPosting.post(
                db, buyer: buyer, paymentId: paymentId, invoiceNumber: body.invoiceNumber, amount: body.amount, tender: body.tender,
                at: context.now)
        }
    }
}
