import Foundation
import GRDB
import RemitCore
import RemitMessages
import RemitSQLite
import RemitStore

/// "Synchronize orders and channel requests": posts uploaded payments to their invoices (settling
/// them, with the cash discount when due), turns uploaded orders into sales orders, and processes
/// B2B requests — an invoice-copy request publishes `email.send` to the requesting user's
/// registered address, after checking the user may see that invoice.
public struct SynchronizeJob: HQJob {
    public typealias Run = SynchronizeRun

    public init() {}

    public func run(_ db: Database, context: JobContext) throws -> JobResult {
        var result = JobResult()
        try postPayments(db, context: context, result: &result)
        try createOrders(db, result: &result)
        try processRequests(db, context: context, result: &result)
        // Its only messages, the e-mails, were each checked as they were made.
        result.followUpsChecked = context.followUpCheck != nil
        return result
    }

    private func postPayments(_ db: Database, context: JobContext, result: inout JobResult) throws {
        for payment in try PaymentJournalLine.unposted(db) {
            guard let id = payment.id else { continue }
            func fail(_ reason: String) throws {
                try PaymentJournalLine.markFailed(db, id: id, reason: reason)
                // Distribution then sends the invoice again, carrying this payment's refusal.
                if let number = payment.invoiceNumber { try HQInvoice.touch(db, number: number, at: context.now) }
                result.counts["payments-failed", default: 0] += 1
            }
            guard let number = payment.invoiceNumber, let invoice = try HQInvoice.find(db, number: number) else {
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
            try HQInvoice.settle(
                db, number: invoice.number, settledMinor: settlement.after.settled.minorUnits,
                discountTakenMinor: settlement.after.discountTaken.minorUnits, at: context.now)
            try HQSettlement(
                journalLineId: id, invoiceNumber: invoice.number, settled: settlement.settled,
                discount: settlement.discount, unapplied: settlement.unapplied, settledOn: context.today
            ).insert(db)
            try PaymentJournalLine.markPosted(db, id: id, at: context.now)
            result.counts["payments-posted", default: 0] += 1
            if !settlement.discount.isZero { result.counts["discounts", default: 0] += 1 }
        }
    }

    private func createOrders(_ db: Database, result: inout JobResult) throws {
        for order in try SalesOrder.withStatus(.uploaded, db) {
            guard let orderId = order.id else { continue }
            guard let text = order.lines else {
                throw CorruptStoredValue(
                    table: SalesOrder.databaseTableName, row: "\(orderId)", column: "lines", found: "NULL",
                    expected: "the order lines as uploaded")
            }
            let lines = try JSONDecoder().decode([UploadedLine].self, from: Data(text.utf8))
            for (index, line) in lines.enumerated() {
                try SalesOrderLine(
                    orderId: orderId, lineNo: index + 1, sku: line.sku, quantity: line.quantity,
                    unitPriceMinor: line.unitPrice.minorUnits,
                    amountMinor: try line.unitPrice.multiplied(by: line.quantity).minorUnits
                ).insert(db)
            }
            try SalesOrder.setStatus(db, id: orderId, to: .open)
            result.counts["orders-created", default: 0] += 1
        }
    }

    struct UploadedLine: Decodable {
        var sku: String
        var quantity: Int
        var unitPrice: Money
    }

    private func processRequests(_ db: Database, context: JobContext, result: inout JobResult) throws {
        for request in try HQChannelRequest.received(db) {
            func finish(_ status: HQChannelRequest.Status, _ detail: String?) throws {
                try HQChannelRequest.finish(db, requestId: request.requestId, status: status, detail: detail, at: context.now)
            }
            guard request.type == "invoice-copy", let number = request.invoiceNumber else {
                try finish(.failed, "unknown request type \(request.type)")
                result.counts["requests-failed", default: 0] += 1
                continue
            }
            guard let user = try HQUser.find(db, login: request.userLogin),
                let customer = try HQCustomer.find(db, account: user.customerAccount)
            else {
                try finish(.failed, "user \(request.userLogin) is not known to HQ")
                result.counts["requests-failed", default: 0] += 1
                continue
            }
            let access = InvoiceAccessPolicy(customerAccount: customer.account, invoiceAccount: customer.invoiceAccount)
            guard access.allows(invoiceOwnedBy: try HQInvoice.customerAccount(db, number: number)) else {
                // Also when the invoice does not exist: the user learns nothing about other accounts.
                try finish(.failed, "invoice \(number) is not one of this user's invoices")
                result.counts["requests-failed", default: 0] += 1
                continue
            }
            guard let invoice = try HQInvoice.find(db, number: number) else {
                try finish(.failed, "invoice \(number) is not one of this user's invoices")
                result.counts["requests-failed", default: 0] += 1
                continue
            }
            let owner = try HQCustomer.find(db, account: invoice.customerAccount)
            let email = EmailSend(
                requestId: request.requestId, to: user.email, recipientName: user.displayName, userLogin: user.login,
                invoice: try document(of: invoice, ownerName: owner?.name ?? invoice.customerAccount, db))
            let message = try OutgoingMessage(
                context.header.followUp(email, key: request.requestId, occurredAt: context.now, actingUser: "system:hq"))
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
func document(of invoice: HQInvoice, ownerName: String, _ db: Database) throws -> EmailSend.InvoiceDocument {
    let amounts = InvoiceAmounts(due: invoice.total, settled: invoice.settled, discountTaken: invoice.discountTaken)
    let offer = invoice.discountLastDay.flatMap { lastDay in
        invoice.discountMinor > 0 && invoice.discountTakenMinor == 0 && !amounts.open.isZero
            ? DiscountOffer(amount: invoice.discount, lastDay: lastDay) : nil
    }
    return EmailSend.InvoiceDocument(
        number: invoice.number, customerAccount: invoice.customerAccount, customerName: ownerName,
        invoiceDate: invoice.invoiceDate, dueDate: invoice.dueDate,
        lines: try HQInvoiceLine.lines(db, invoice: invoice.number).map {
            .init(description: $0.description, amount: Money(minorUnits: $0.amountMinor, currency: invoice.currency))
        },
        total: invoice.total, paid: invoice.settled, discountTaken: invoice.discountTaken,
        pending: Money(minorUnits: try PaymentJournalLine.unpostedMinor(db, invoice: invoice.number), currency: invoice.currency),
        open: amounts.open, discountOffer: offer)
}
