import Foundation
import GRDB
import RemitCore
import RemitMessages
import RemitRuntime
import RemitSQLite
import RemitStore

/// The `channel-updates` worker kind: applies what HQ distributed to the channel store the portal
/// reads. A snapshot older than the one stored never overwrites it (distribution may redeliver).
public enum ChannelUpdates {
    public static var handler: CompositeHandler {
        CompositeHandler([InvoicesChangedHandler(), CustomersChangedHandler(), RequestsChangedHandler(), ProductsChangedHandler()])
    }
}

struct InvoicesChangedHandler: TypedMessageHandler {
    func handle(
        _ envelope: Envelope<InvoicesChanged>, context: HandlerContext, in transaction: any StoreTransaction
    ) throws -> [OutgoingMessage] {
        let db = SQLiteTransaction.database(of: transaction)
        for invoice in envelope.body.invoices {
            let stored = try ChannelInvoice(
                number: invoice.number, customerAccount: invoice.customerAccount, invoiceDate: invoice.invoiceDate,
                dueDate: invoice.dueDate, discountLastDay: invoice.discountLastDay, discountMinor: invoice.discount.minorUnits,
                currency: invoice.total.currency, totalMinor: invoice.total.minorUnits, settledMinor: invoice.settled.minorUnits,
                discountTakenMinor: invoice.discountTaken.minorUnits, status: invoice.amounts.status, hqChangedAt: invoice.changedAt
            ).upsertIfNewer(db)
            // Lines and settlements belong to the snapshot: an older one keeps none of its own. A long
            // invoice's snapshot comes in parts, each writing its window (`InvoiceSnapshot.Part`).
            if stored {
                try ChannelInvoiceDetail.replace(
                    db, invoice: invoice.number, lines: invoice.lines, settlements: invoice.settlements,
                    linesFrom: invoice.part?.linesFrom ?? 1, lineCount: invoice.part?.lineCount,
                    settlementsFrom: invoice.part?.settlementsFrom ?? 1, settlementCount: invoice.part?.settlementCount)
            }
            // A payment HQ posted is in `settled` now, one it refused will never be: neither is
            // pending any more. (Applied whether or not the snapshot was newer: outcomes only accrue.)
            for payment in invoice.payments ?? [] {
                try ChannelTransaction.applyHQOutcome(db, paymentId: payment.paymentId, posted: payment.posted, reason: payment.reason)
            }
        }
        return []
    }
}

struct CustomersChangedHandler: TypedMessageHandler {
    func handle(
        _ envelope: Envelope<CustomersChanged>, context: HandlerContext, in transaction: any StoreTransaction
    ) throws -> [OutgoingMessage] {
        let db = SQLiteTransaction.database(of: transaction)
        for customer in envelope.body.customers {
            let stored = try ChannelCustomer(
                account: customer.account, name: customer.name, email: customer.email, currency: customer.currency,
                invoiceAccount: customer.invoiceAccount, allowOnAccount: customer.allowOnAccount,
                creditLimitMinor: customer.creditLimit.minorUnits, hqChangedAt: customer.changedAt
            ).upsertIfNewer(db)
            // The users belong to the snapshot: an older one (a retried or redelivered message) that
            // was not stored must not bring back the users it had.
            guard stored else { continue }
            try ChannelUser.replace(
                db, ofCustomer: customer.account,
                with: customer.users.map { user in
                    ChannelUser(login: user.login, customerAccount: customer.account, displayName: user.displayName, email: user.email)
                })
        }
        return []
    }
}

struct RequestsChangedHandler: TypedMessageHandler {
    func handle(
        _ envelope: Envelope<RequestsChanged>, context: HandlerContext, in transaction: any StoreTransaction
    ) throws -> [OutgoingMessage] {
        let db = SQLiteTransaction.database(of: transaction)
        for change in envelope.body.requests {
            // The message schema allows only the channel's statuses.
            guard let status = B2BRequest.Status(rawValue: change.status) else {
                throw BadInput("request \(change.requestId) has an unknown status '\(change.status.prefix(40))'")
            }
            try B2BRequest.applyChange(db, requestId: change.requestId, status: status, detail: change.detail, at: change.at)
        }
        return []
    }
}

struct ProductsChangedHandler: TypedMessageHandler {
    func handle(
        _ envelope: Envelope<ProductsChanged>, context: HandlerContext, in transaction: any StoreTransaction
    ) throws -> [OutgoingMessage] {
        let db = SQLiteTransaction.database(of: transaction)
        for product in envelope.body.products {
            try ChannelProduct(sku: product.sku, name: product.name, price: product.price, hqChangedAt: product.changedAt).upsertIfNewer(db)
        }
        return []
    }
}
