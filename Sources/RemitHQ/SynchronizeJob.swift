import Foundation
import GRDB
import RemitCore
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
        let changedAt = Timestamp.format(context.now)
        try postPayments(db, context: context, changedAt: changedAt, result: &result)
        try createOrders(db, result: &result)
        try processRequests(db, context: context, changedAt: changedAt, result: &result)
        return result
    }

    private func postPayments(_ db: Database, context: JobContext, changedAt: String, result: inout JobResult) throws {
        let payments = try Row.fetchAll(db, sql: """
            SELECT * FROM payment_journal_line WHERE posted_at IS NULL AND failure IS NULL ORDER BY id
            """)
        for payment in payments {
            let id: Int64 = payment["id"]
            func fail(_ reason: String) throws {
                try db.execute(sql: "UPDATE payment_journal_line SET failure = ? WHERE id = ?", arguments: [reason, id])
                result.counts["payments-failed", default: 0] += 1
            }
            guard let invoice = try Row.fetchOne(db, sql: "SELECT * FROM invoice WHERE number = ?",
                                                 arguments: [payment["invoice_number"] as String]) else {
                try fail("invoice \(payment["invoice_number"] as String) does not exist"); continue
            }
            let currency = try Currency(invoice["currency"] as String)
            guard (payment["currency"] as String) == currency.code else {
                try fail("payment in \(payment["currency"] as String) for an invoice in \(currency.code)"); continue
            }
            func money(_ column: String, _ row: Row) -> Money { Money(minorUnits: row[column], currency: currency) }
            let amounts = InvoiceAmounts(due: money("total_minor", invoice), settled: money("settled_minor", invoice),
                                         discountTaken: money("discount_taken_minor", invoice))
            let offer = (invoice["discount_last_day"] as String?).flatMap(CalendarDate.init).map {
                DiscountOffer(amount: money("discount_minor", invoice), lastDay: $0)
            }
            guard let paidOn = CalendarDate(payment["paid_on"] as String) else {
                try fail("the payment date '\((payment["paid_on"] as String).prefix(40))' is not a date"); continue
            }
            let settlement: Settlement
            do {
                settlement = try SettlementRules.settle(payment: money("amount_minor", payment), paidOn: paidOn,
                                                        invoice: amounts, offer: offer)
            } catch {
                try fail(error.description); continue
            }
            try db.execute(sql: """
                UPDATE invoice SET settled_minor = ?, discount_taken_minor = ?, changed_at = ? WHERE number = ?
                """, arguments: [settlement.after.settled.minorUnits, settlement.after.discountTaken.minorUnits, changedAt,
                                 invoice["number"] as String])
            try db.execute(sql: """
                INSERT INTO settlement (journal_line_id, invoice_number, settled_minor, discount_minor, unapplied_minor, settled_on)
                VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [id, invoice["number"] as String, settlement.settled.minorUnits, settlement.discount.minorUnits,
                                 settlement.unapplied.minorUnits, context.today.description])
            try db.execute(sql: "UPDATE payment_journal_line SET posted_at = ? WHERE id = ?", arguments: [changedAt, id])
            result.counts["payments-posted", default: 0] += 1
            if !settlement.discount.isZero { result.counts["discounts", default: 0] += 1 }
        }
    }

    private func createOrders(_ db: Database, result: inout JobResult) throws {
        let orders = try Row.fetchAll(db, sql: "SELECT id, lines FROM sales_order WHERE status = 'uploaded' ORDER BY id")
        for order in orders {
            guard let text = order["lines"] as String? else {
                throw CorruptStoredValue(table: "sales_order", row: "\(order["id"] as Int64)", column: "lines", found: "NULL",
                                         expected: "the order lines as uploaded")
            }
            let lines = try JSONDecoder().decode([UploadedLine].self, from: Data(text.utf8))
            for (index, line) in lines.enumerated() {
                try db.execute(sql: "INSERT INTO sales_order_line VALUES (?, ?, ?, ?, ?, ?)", arguments: [
                    order["id"] as Int64, index + 1, line.sku, line.quantity, line.unitPrice.minorUnits,
                    try line.unitPrice.multiplied(by: line.quantity).minorUnits])
            }
            try db.execute(sql: "UPDATE sales_order SET status = 'open' WHERE id = ?", arguments: [order["id"] as Int64])
            result.counts["orders-created", default: 0] += 1
        }
    }

    struct UploadedLine: Decodable {
        var sku: String
        var quantity: Int
        var unitPrice: Money
    }

    private func processRequests(_ db: Database, context: JobContext, changedAt: String, result: inout JobResult) throws {
        let requests = try Row.fetchAll(db, sql: "SELECT * FROM channel_request WHERE status = 'received' ORDER BY received_at, request_id")
        for request in requests {
            let requestId: String = request["request_id"]
            func finish(_ status: String, _ detail: String?) throws {
                try db.execute(sql: "UPDATE channel_request SET status = ?, processed_at = ?, detail = ?, changed_at = ? WHERE request_id = ?",
                               arguments: [status, changedAt, detail, changedAt, requestId])
            }
            guard (request["type"] as String) == "invoice-copy", let number = request["invoice_number"] as String? else {
                try finish("failed", "unknown request type \(request["type"] as String)")
                result.counts["requests-failed", default: 0] += 1
                continue
            }
            guard let user = try Row.fetchOne(db, sql: """
                SELECT u.login, u.email, c.account, c.invoice_account FROM b2b_user u JOIN customer c ON c.account = u.customer_account
                WHERE u.login = ?
                """, arguments: [request["user_login"] as String]) else {
                try finish("failed", "user \(request["user_login"] as String) is not known to HQ")
                result.counts["requests-failed", default: 0] += 1
                continue
            }
            let owner = try String.fetchOne(db, sql: "SELECT customer_account FROM invoice WHERE number = ?", arguments: [number])
            let allowed = [user["account"] as String?, user["invoice_account"] as String?].compactMap { $0 }
            guard let owner, allowed.contains(owner) else {
                // Also when the invoice does not exist: the user learns nothing about other accounts.
                try finish("failed", "invoice \(number) is not one of this user's invoices")
                result.counts["requests-failed", default: 0] += 1
                continue
            }
            let email = EmailSend(requestId: requestId, to: user["email"], userLogin: user["login"], invoiceNumber: number)
            result.followUps.append(try OutgoingMessage(context.header.followUp(email, key: requestId, occurredAt: context.now,
                                                                                actingUser: "system:hq")))
            try finish("processed", "invoice copy sent to the registered e-mail address")
            result.counts["requests-processed", default: 0] += 1
        }
    }
}

/// Invoice posting, standing in for fulfilment: each open sales order gets an invoice dated today,
/// with its due date and cash discount from the customer's payment terms.
public struct InvoicePostingJob: HQJob {
    public typealias Run = InvoicePostingRun

    public init() {}

    public func run(_ db: Database, context: JobContext) throws -> JobResult {
        var result = JobResult()
        let orders = try Row.fetchAll(db, sql: """
            SELECT o.id, o.customer_account, o.total_minor, o.currency, t.net_days, t.discount_basis_points, t.discount_days
            FROM sales_order o JOIN customer c ON c.account = o.customer_account JOIN payment_terms t ON t.code = c.payment_terms
            WHERE o.status = 'open' ORDER BY o.id
            """)
        let changedAt = Timestamp.format(context.now)
        for order in orders {
            let orderId: Int64 = order["id"]
            let currency = try Currency(order["currency"] as String)
            let total = Money(minorUnits: order["total_minor"], currency: currency)
            let discount: CashDiscount? = (order["discount_basis_points"] as Int?).map {
                CashDiscount(basisPoints: $0, withinDays: order["discount_days"] as Int? ?? 0)
            }
            let terms = PaymentTerms(code: "", netDays: order["net_days"], cashDiscount: discount)
            let number = String(format: "INV-S%07lld", orderId)
            try db.execute(sql: "INSERT INTO invoice VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?)", arguments: [
                number, order["customer_account"] as String, orderId, context.today.description,
                terms.dueDate(invoicedOn: context.today).description,
                discount?.lastDay(invoicedOn: context.today).description, discount?.amount(of: total).minorUnits ?? 0,
                currency.code, total.minorUnits, changedAt])
            try db.execute(sql: """
                INSERT INTO invoice_line (invoice_number, line_no, description, amount_minor)
                SELECT ?, line_no, sku || ' × ' || quantity, amount_minor FROM sales_order_line WHERE order_id = ?
                """, arguments: [number, orderId])
            try db.execute(sql: "UPDATE sales_order SET status = 'invoiced' WHERE id = ?", arguments: [orderId])
            result.counts["invoices-posted", default: 0] += 1
        }
        return result
    }
}
