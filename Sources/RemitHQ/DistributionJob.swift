import Foundation
import GRDB
import RemitCore
import RemitMessages
import RemitStore

/// Distribution, HQ to channel: publishes what changed since the last run — invoices, customers with
/// their users, B2B request states — in messages of at most `chunkSize` items, and moves its
/// watermark in the same transaction (so a run's messages and its watermark commit together).
public struct DistributionJob: HQJob {
    public typealias Run = DistributionRun

    let chunkSize: Int
    /// Invoices per run at most; the next run continues where this one stopped.
    let invoiceLimit: Int

    public init(chunkSize: Int = 500, invoiceLimit: Int = 100_000) {
        self.chunkSize = chunkSize
        self.invoiceLimit = invoiceLimit
    }

    public func run(_ db: Database, context: JobContext) throws -> JobResult {
        var result = JobResult()
        try distributeCustomers(db, context: context, result: &result)
        try distributeProducts(db, context: context, result: &result)
        try distributeInvoices(db, context: context, result: &result)
        try distributeRequests(db, context: context, result: &result)
        return result
    }

    /// Publishes `items` in messages of at most `chunkSize`, each with an id derived from the run and
    /// its position (a redelivered run re-publishes the same ids).
    private func publish<Item, Body: MessageBody>(
        _ items: [Item], stream: String, as body: ([Item]) -> Body,
        context: JobContext, into result: inout JobResult
    ) throws {
        for (part, start) in stride(from: 0, to: items.count, by: chunkSize).enumerated() {
            let chunk = body(Array(items[start..<min(start + chunkSize, items.count)]))
            result.followUps.append(
                try OutgoingMessage(
                    context.header.followUp(
                        chunk, key: "\(stream)-\(part)", occurredAt: context.now,
                        actingUser: "system:hq")))
        }
    }

    private func distributeInvoices(_ db: Database, context: JobContext, result: inout JobResult) throws {
        let invoices = try HQInvoice.changed(after: DistributionWatermark.position(db, of: .invoices), limit: invoiceLimit, db)
        guard let last = invoices.last else { return }
        let payments = try PaymentJournalLine.outcomes(db, invoices: invoices.map(\.number))
        let lines = try HQInvoiceLine.byInvoice(db, invoices: invoices)
        let settlements = try HQSettlement.byInvoice(db, invoices: invoices)
        let snapshots = invoices.map { invoice in
            InvoiceSnapshot(
                number: invoice.number, customerAccount: invoice.customerAccount, invoiceDate: invoice.invoiceDate,
                dueDate: invoice.dueDate, discountLastDay: invoice.discountLastDay, discount: invoice.discount,
                total: invoice.total, settled: invoice.settled, discountTaken: invoice.discountTaken,
                changedAt: invoice.changedAt, payments: payments[invoice.number], lines: lines[invoice.number] ?? [],
                settlements: settlements[invoice.number] ?? [])
        }
        try publish(snapshots, stream: "invoices", as: InvoicesChanged.init(invoices:), context: context, into: &result)
        try DistributionWatermark.move(db, .invoices, to: DistributionPosition(changedAt: last.changedAt, key: last.number))
        result.counts["invoices", default: 0] += invoices.count
    }

    private func distributeProducts(_ db: Database, context: JobContext, result: inout JobResult) throws {
        let products = try HQProduct.changed(after: DistributionWatermark.position(db, of: .products), limit: 10_000, db)
        guard let last = products.last else { return }
        let snapshots = products.map { ProductsChanged.Product(sku: $0.sku, name: $0.name, price: $0.price, changedAt: $0.changedAt) }
        try publish(snapshots, stream: "products", as: ProductsChanged.init(products:), context: context, into: &result)
        try DistributionWatermark.move(db, .products, to: DistributionPosition(changedAt: last.changedAt, key: last.sku))
        result.counts["products", default: 0] += products.count
    }

    private func distributeCustomers(_ db: Database, context: JobContext, result: inout JobResult) throws {
        let customers = try HQCustomer.changed(after: DistributionWatermark.position(db, of: .customers), limit: 10_000, db)
        guard let last = customers.last else { return }
        let users = try HQUser.byCustomer(db)
        let snapshots = customers.map { customer in
            CustomerSnapshot(
                account: customer.account, name: customer.name, email: customer.email, currency: customer.currency.code,
                invoiceAccount: customer.invoiceAccount, allowOnAccount: customer.allowOnAccount,
                creditLimit: customer.creditLimit,
                users: (users[customer.account] ?? []).map { user in
                    CustomerSnapshot.User(login: user.login, displayName: user.displayName, email: user.email)
                },
                changedAt: customer.changedAt)
        }
        try publish(snapshots, stream: "customers", as: CustomersChanged.init(customers:), context: context, into: &result)
        try DistributionWatermark.move(db, .customers, to: DistributionPosition(changedAt: last.changedAt, key: last.account))
        result.counts["customers", default: 0] += customers.count
    }

    private func distributeRequests(_ db: Database, context: JobContext, result: inout JobResult) throws {
        let requests = try HQChannelRequest.changed(after: DistributionWatermark.position(db, of: .requests), limit: 10_000, db)
        guard let last = requests.last else { return }
        let changes = requests.map { request in
            // Processed means handed on to e-mail dispatch, which reports completion once the mail
            // server accepted the e-mail; until then the buyer sees "processing".
            RequestsChanged.Change(
                requestId: request.requestId, status: request.status == .processed ? "processing" : "failed",
                at: request.changedAt, detail: request.detail)
        }
        try publish(changes, stream: "requests", as: RequestsChanged.init(requests:), context: context, into: &result)
        try DistributionWatermark.move(db, .requests, to: DistributionPosition(changedAt: last.changedAt, key: last.requestId))
        result.counts["requests", default: 0] += requests.count
    }
}
