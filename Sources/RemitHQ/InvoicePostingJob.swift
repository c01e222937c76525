import Foundation
import RemitCore
import RemitMessages
import RemitStore

/// Invoice posting, standing in for fulfilment: each open sales order gets an invoice dated today,
/// with its due date and cash discount from the customer's payment terms.
public struct InvoicePostingJob: HQJob {
    public typealias Run = InvoicePostingRun

    public init() {}

    public func run(_ hq: any HQStoreTransaction, context: JobContext) throws -> JobResult {
        var result = JobResult()
        for (order, terms) in try hq.salesOrders.openOrdersWithTerms() {
            guard let orderId = order.id else { continue }
            let discount = terms.cashDiscount
            let number = String(format: "INV-S%07lld", orderId)
            try hq.invoices.insert(
                HQInvoice(
                    number: number, customerAccount: order.customerAccount, orderId: orderId, invoiceDate: context.today,
                    dueDate: terms.dueDate(invoicedOn: context.today),
                    discountLastDay: discount?.lastDay(invoicedOn: context.today),
                    discountMinor: discount?.amount(of: order.total).minorUnits ?? 0, currency: order.currency,
                    totalMinor: order.totalMinor, changedAt: context.now))
            try hq.invoices.copyLines(fromOrder: orderId, toInvoice: number)
            try hq.salesOrders.setStatus(id: orderId, to: .invoiced)
            result.counts["invoices-posted", default: 0] += 1
        }
        return result
    }
}
