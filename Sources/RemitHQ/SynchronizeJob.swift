import Foundation
import RemitCore
import RemitMessages
import RemitStore
import RemitTracing

/// "Synchronize orders and channel requests": posts uploaded payments to their invoices (settling
/// them, with the cash discount when due), turns uploaded orders into sales orders, and processes
/// B2B requests — an invoice-copy request publishes `email.send` to the requesting user's
/// registered address, after checking the user may see that invoice.
public struct SynchronizeJob: HQJob {
    public typealias Run = SynchronizeRun

    public init() {}

    public func run(_ hq: any HQStoreTransaction, context: JobContext) throws -> JobResult {
        var result = JobResult()
        try postPayments(hq, context: context, result: &result)
        try createOrders(hq, result: &result)
        try processRequests(hq, context: context, result: &result)
        // Its only messages, the e-mails, were each checked as they were made.
        result.followUpsChecked = context.followUpCheck != nil
        return result
    }

    private func postPayments(_ hq: any HQStoreTransaction, context: JobContext, result: inout JobResult) throws {
        let payments = try hq.paymentJournal.unposted()
        let traces = try JobTraces(hq, items: payments.map { TracedItem(.payment, $0.channelPaymentId) }, run: context.trace)
        defer { traces.end() }
        for payment in payments {
            guard let id = payment.id else { continue }
            // The payment's span, continuing its click; distribution goes on from it with the invoice.
            let trace = traces.span("sync post payment", for: TracedItem(.payment, payment.channelPaymentId))
            if let trace, let number = payment.invoiceNumber { try hq.traceContexts.keep(trace, for: TracedItem(.invoice, number)) }
            func fail(_ reason: String) throws {
                try hq.paymentJournal.markFailed(id: id, reason: reason)
                traces.fail(reason)
                // Distribution then sends the invoice again, carrying this payment's refusal.
                if let number = payment.invoiceNumber { try hq.invoices.touch(number: number, at: context.now) }
                result.counts["payments-failed", default: 0] += 1
            }
            guard let number = payment.invoiceNumber, let invoice = try hq.invoices.invoice(number: number) else {
                try fail("invoice \(payment.invoiceNumber ?? "") does not exist"); continue
            }
            guard payment.currency == invoice.currency else {
                try fail("payment in \(payment.currency.code) for an invoice in \(invoice.currency.code)"); continue
            }
            let amounts = InvoiceAmounts(due: invoice.total, settled: invoice.settled, discountTaken: invoice.discountTaken)
            let offer = invoice.discountLastDay.map { DiscountOffer(amount: invoice.discount, lastDay: $0) }
            let settlement: Settlement
            do {
                settlement = try SettlementRules.settle(payment: payment.amount, paidOn: payment.paidOn, invoice: amounts, offer: offer)
            } catch {
                try fail(error.description); continue
            }
            try hq.invoices.settle(
                number: invoice.number, settledMinor: settlement.after.settled.minorUnits,
                discountTakenMinor: settlement.after.discountTaken.minorUnits, at: context.now)
            try hq.invoices.insert(
                HQSettlement(
                    journalLineId: id, invoiceNumber: invoice.number, settled: settlement.settled,
                    discount: settlement.discount, unapplied: settlement.unapplied, settledOn: context.today))
            try hq.paymentJournal.markPosted(id: id, at: context.now)
            result.counts["payments-posted", default: 0] += 1
            if !settlement.discount.isZero { result.counts["discounts", default: 0] += 1 }
        }
    }

    private func createOrders(_ hq: any HQStoreTransaction, result: inout JobResult) throws {
        for order in try hq.salesOrders.orders(status: .uploaded) {
            guard let orderId = order.id else { continue }
            guard let text = order.lines else {
                throw CorruptStoredValue(
                    table: "sales_order", row: "\(orderId)", column: "lines", found: "NULL",
                    expected: "the order lines as uploaded")
            }
            let lines = try JSONDecoder().decode([UploadedLine].self, from: Data(text.utf8))
            for (index, line) in lines.enumerated() {
                try hq.salesOrders.insert(
                    SalesOrderLine(
                        orderId: orderId, lineNo: index + 1, sku: line.sku, quantity: line.quantity,
                        unitPriceMinor: line.unitPrice.minorUnits,
                        amountMinor: try line.unitPrice.multiplied(by: line.quantity).minorUnits))
            }
            try hq.salesOrders.setStatus(id: orderId, to: .open)
            result.counts["orders-created", default: 0] += 1
        }
    }

    struct UploadedLine: Decodable {
        var sku: String
        var quantity: Int
        var unitPrice: Money
    }

    private func processRequests(_ hq: any HQStoreTransaction, context: JobContext, result: inout JobResult) throws {
        let requests = try hq.channelRequests.received()
        let traces = try JobTraces(hq, items: requests.map { TracedItem(.request, $0.requestId) }, run: context.trace)
        defer { traces.end() }
        for request in requests {
            // The request's span, continuing its click; the e-mail goes on from it.
            let trace = traces.span("sync handle request", for: TracedItem(.request, request.requestId))
            func finish(_ status: HQChannelRequest.Status, _ detail: String?) throws {
                if status == .failed { traces.fail(detail ?? "failed") }
                // Distribution sends the request's new state on from here.
                if let trace { try hq.traceContexts.keep(trace, for: TracedItem(.request, request.requestId)) }
                try hq.channelRequests.finish(requestId: request.requestId, status: status, detail: detail, at: context.now)
            }
            guard request.type == "invoice-copy", let number = request.invoiceNumber else {
                try finish(.failed, "unknown request type \(request.type)")
                result.counts["requests-failed", default: 0] += 1
                continue
            }
            guard let user = try hq.accounts.user(login: request.userLogin),
                let customer = try hq.accounts.customer(account: user.customerAccount)
            else {
                try finish(.failed, "user \(request.userLogin) is not known to HQ")
                result.counts["requests-failed", default: 0] += 1
                continue
            }
            let access = InvoiceAccessPolicy(customerAccount: customer.account, invoiceAccount: customer.invoiceAccount)
            guard access.allows(invoiceOwnedBy: try hq.invoices.customerAccount(ofInvoice: number)) else {
                // Also when the invoice does not exist: the user learns nothing about other accounts.
                try finish(.failed, "invoice \(number) is not one of this user's invoices")
                result.counts["requests-failed", default: 0] += 1
                continue
            }
            guard let invoice = try hq.invoices.invoice(number: number) else {
                try finish(.failed, "invoice \(number) is not one of this user's invoices")
                result.counts["requests-failed", default: 0] += 1
                continue
            }
            let owner = try hq.accounts.customer(account: invoice.customerAccount)
            let email = EmailSend(
                requestId: request.requestId, to: user.email, recipientName: user.displayName, userLogin: user.login,
                invoice: try document(of: invoice, owner: owner, hq))
            var message = try OutgoingMessage(
                context.header.followUp(email, key: request.requestId, occurredAt: context.now, actingUser: "system:hq"))
            message.trace = trace
            // An e-mail dispatch would refuse (a value HQ holds that the message cannot carry) fails
            // this request with the reason, not the run: the other requests go on.
            if let problems = context.followUpCheck?.problems(of: message), !problems.isEmpty {
                try finish(.failed, String(("the invoice copy cannot be sent: " + problems.prefix(2).joined(separator: "; ")).prefix(900)))
                result.counts["requests-failed", default: 0] += 1
                continue
            }
            result.followUps.append(message)
            // Handed on to e-mail dispatch: the buyer sees "processing" until the mail server accepts it.
            try finish(.processed, "invoice copy handed to e-mail dispatch")
            result.counts["requests-processed", default: 0] += 1
        }
    }
}

/// The invoice as its e-mail copy shows it.
func document(of invoice: HQInvoice, owner: HQCustomer?, _ hq: any HQStoreTransaction) throws -> EmailSend.InvoiceDocument {
    let amounts = InvoiceAmounts(due: invoice.total, settled: invoice.settled, discountTaken: invoice.discountTaken)
    let offer = invoice.discountLastDay.flatMap { lastDay in
        invoice.discountMinor > 0 && invoice.discountTakenMinor == 0 && !amounts.open.isZero
            ? DiscountOffer(amount: invoice.discount, lastDay: lastDay) : nil
    }
    var document = EmailSend.InvoiceDocument(
        number: invoice.number, customerAccount: invoice.customerAccount, customerName: owner?.name ?? invoice.customerAccount,
        invoiceDate: invoice.invoiceDate, dueDate: invoice.dueDate,
        lines: try hq.invoices.lines(invoice: invoice.number).map {
            .init(description: $0.description, amount: Money(minorUnits: $0.amountMinor, currency: invoice.currency))
        },
        total: invoice.total, paid: invoice.settled, discountTaken: invoice.discountTaken,
        pending: Money(minorUnits: try hq.paymentJournal.unpostedMinor(invoice: invoice.number), currency: invoice.currency),
        open: amounts.open, discountOffer: offer)
    document.customerAddress = InvoiceDocument.addressLines(owner?.address)
    return document
}
