import Foundation
import GRDB
import RemitCore
import RemitMessages
import RemitSQLite
import RemitStore

/// Invoice posting, standing in for fulfilment: each open sales order gets an invoice dated today,
/// with its due date and cash discount from the customer's payment terms.
public struct InvoicePostingJob: HQJob {
    public typealias Run = InvoicePostingRun

    public init() {}

    public func run(_ db: Database, context: JobContext) throws -> JobResult {
        var result = JobResult()
        for (order, terms) in try SalesOrder.openWithTerms(db) {
            guard let orderId = order.id else { continue }
            let discount = terms.terms.cashDiscount
            let number = String(format: "INV-S%07lld", orderId)
            try HQInvoice(
                number: number, customerAccount: order.customerAccount, orderId: orderId, invoiceDate: context.today,
                dueDate: terms.terms.dueDate(invoicedOn: context.today),
                discountLastDay: discount?.lastDay(invoicedOn: context.today),
                discountMinor: discount?.amount(of: order.total).minorUnits ?? 0, currency: order.currency,
                totalMinor: order.totalMinor, changedAt: context.now
            ).insert(db)
            try HQInvoiceLine.copy(db, fromOrder: orderId, toInvoice: number)
            try SalesOrder.setStatus(db, id: orderId, to: .invoiced)
            result.counts["invoices-posted", default: 0] += 1
        }
        return result
    }
}
