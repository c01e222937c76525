import Foundation
import RemitCore
import RemitMessages
import RemitRuntime
import RemitStore

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
