import Foundation
import RemitCore
import RemitMessages
import RemitRuntime
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
        _ envelope: Envelope<InvoicesChanged>, context: HandlerContext, in channel: any ChannelStoreTransaction
    ) throws -> [OutgoingMessage] {
        let updates = channel.channelUpdates
        for invoice in envelope.body.invoices {
            let stored = try updates.storeIfNewer(
                ChannelInvoice(
                    number: invoice.number, customerAccount: invoice.customerAccount, invoiceDate: invoice.invoiceDate,
                    dueDate: invoice.dueDate, discountLastDay: invoice.discountLastDay, discountMinor: invoice.discount.minorUnits,
                    currency: invoice.total.currency, totalMinor: invoice.total.minorUnits, settledMinor: invoice.settled.minorUnits,
                    discountTakenMinor: invoice.discountTaken.minorUnits, status: invoice.amounts.status,
                    hqChangedAt: invoice.changedAt))
            // Lines and settlements belong to the snapshot: an older one keeps none of its own. A long
            // invoice's snapshot comes in parts, each writing its window (`InvoiceSnapshot.Part`).
            if stored { try updates.replaceDetail(Self.detail(of: invoice)) }
            // A payment HQ posted is in `settled` now, one it refused will never be: neither is
            // pending any more. (Applied whether or not the snapshot was newer: outcomes only accrue.)
            for payment in invoice.payments ?? [] {
                try updates.applyHQOutcome(paymentId: payment.paymentId, posted: payment.posted, reason: payment.reason)
            }
        }
        return []
    }

    /// The snapshot's lines and settlements (its window of them, for a part) as the store takes them.
    static func detail(of invoice: InvoiceSnapshot) -> InvoiceDetailUpdate {
        InvoiceDetailUpdate(
            invoice: invoice.number,
            lines: invoice.lines?.map { ChannelInvoiceLine(description: $0.description, amount: $0.amount) },
            linesFrom: invoice.part?.linesFrom ?? 1, lineCount: invoice.part?.lineCount,
            settlements: invoice.settlements?.map {
                ChannelSettlement(settledOn: $0.settledOn, settled: $0.settled, discount: $0.discount, paymentId: $0.paymentId)
            },
            settlementsFrom: invoice.part?.settlementsFrom ?? 1, settlementCount: invoice.part?.settlementCount)
    }
}

struct CustomersChangedHandler: TypedMessageHandler {
    func handle(
        _ envelope: Envelope<CustomersChanged>, context: HandlerContext, in channel: any ChannelStoreTransaction
    ) throws -> [OutgoingMessage] {
        let updates = channel.channelUpdates
        for customer in envelope.body.customers {
            let stored = try updates.storeIfNewer(
                ChannelCustomer(
                    account: customer.account, name: customer.name, email: customer.email, currency: customer.currency,
                    invoiceAccount: customer.invoiceAccount, allowOnAccount: customer.allowOnAccount,
                    creditLimitMinor: customer.creditLimit.minorUnits, hqChangedAt: customer.changedAt))
            // The users belong to the snapshot: an older one (a retried or redelivered message) that
            // was not stored must not bring back the users it had.
            guard stored else { continue }
            try updates.replaceUsers(
                ofCustomer: customer.account,
                with: customer.users.map { user in
                    ChannelUser(login: user.login, customerAccount: customer.account, displayName: user.displayName, email: user.email)
                })
        }
        return []
    }
}

struct RequestsChangedHandler: TypedMessageHandler {
    func handle(
        _ envelope: Envelope<RequestsChanged>, context: HandlerContext, in channel: any ChannelStoreTransaction
    ) throws -> [OutgoingMessage] {
        for change in envelope.body.requests {
            // The message schema allows only the channel's statuses.
            guard let status = B2BRequest.Status(rawValue: change.status) else {
                throw BadInput("request \(change.requestId) has an unknown status '\(change.status.prefix(40))'")
            }
            try channel.channelUpdates.applyRequestChange(requestId: change.requestId, status: status, detail: change.detail, at: change.at)
        }
        return []
    }
}

struct ProductsChangedHandler: TypedMessageHandler {
    func handle(
        _ envelope: Envelope<ProductsChanged>, context: HandlerContext, in channel: any ChannelStoreTransaction
    ) throws -> [OutgoingMessage] {
        for product in envelope.body.products {
            _ = try channel.channelUpdates.storeIfNewer(
                ChannelProduct(sku: product.sku, name: product.name, price: product.price, hqChangedAt: product.changedAt))
        }
        return []
    }
}
