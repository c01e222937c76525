import Foundation
import RemitCore
import RemitMessages
import RemitStore
import RemitTracing

/// Distribution, HQ to channel: publishes what changed since the last run — invoices, customers with
/// their users, B2B request states, products — and moves each stream's watermark in the same
/// transaction (so a run's messages and its watermarks commit together).
///
/// What it sends, the channel accepts: every message is checked (`JobContext.followUpCheck`) before
/// the run commits. A record whose message would be refused (a value HQ holds that the channel's
/// schema does not allow) is held back in `distribution_held`, named in the run's record, and read
/// again by every run until it goes out; it never takes the records beside it down. Lists longer
/// than a message item may carry (an invoice's payments, lines and settlements) travel in parts
/// (`InvoiceSnapshot.parts`), and messages are packed by weight, so one large record cannot outgrow
/// its message.
///
/// A run carries at most `invoiceLimit` invoices and `runWeight` of weight, read from HQ a page at a
/// time, so its memory is bounded by those, not by how much HQ has to send nor by how many payments
/// one invoice has; messages carry at most `chunkSize` items, so a consumer's prefetch bounds its
/// memory too. A run that stopped at its limit starts the next one itself: it publishes its own
/// continuation (`hq.distribution.run`, requested by `system:hq`, with an id derived from its own, so
/// a redelivered run continues once), and a first sync of a million invoices runs part after part
/// without waiting for the schedule. Its record counts `continued=1`.
public struct DistributionJob: HQJob {
    public typealias Run = DistributionRun

    let chunkSize: Int
    /// Invoices per run at most; a run that reaches it starts the next, which continues where it
    /// stopped.
    let invoiceLimit: Int
    /// A run stops reading invoices once they weigh this much (an invoice and the payments, lines
    /// and settlements it carries): a run's memory is bounded by it, also where one invoice has
    /// thousands of payments.
    let runWeight: Int
    /// A message carries items of at most this weight in all (an item and the list entries it
    /// carries); a heavier item travels alone.
    let maximumWeight: Int

    public init(chunkSize: Int = 100, invoiceLimit: Int = 10_000, runWeight: Int = 20_000, maximumWeight: Int = 5_000) {
        self.chunkSize = chunkSize
        self.invoiceLimit = invoiceLimit
        self.runWeight = runWeight
        self.maximumWeight = maximumWeight
    }

    public func run(_ hq: any HQStoreTransaction, context: JobContext) throws -> JobResult {
        var result = JobResult()
        try distributeCustomers(hq, context: context, result: &result)
        try distributeProducts(hq, context: context, result: &result)
        try distributeInvoices(hq, context: context, result: &result)
        try distributeRequests(hq, context: context, result: &result)
        if result.counts[Self.continued] != nil {
            result.followUps.append(try context.nextRun(DistributionRun(requestedBy: "system:hq")))
        }
        result.followUpsChecked = context.followUpCheck != nil
        return result
    }

    /// The count a run that stopped at its limit records; it has published the next run.
    public static let continued = "continued"
    /// Invoices read from HQ at a time.
    static let pageSize = 100

    private func distributeInvoices(_ hq: any HQStoreTransaction, context: JobContext, result: inout JobResult) throws {
        var position = try hq.distribution.position(of: .invoices)
        var records: [HQInvoice] = []
        var items: [[InvoiceSnapshot]] = []
        var held: Set<String> = []
        var (taken, weight, read) = (0, 0, 0)
        // Page after page, until HQ has no more, or the run holds its limit of invoices or of weight.
        reading: while true {
            let limit = min(Self.pageSize, invoiceLimit - taken)
            let changed = try hq.invoices.changedInvoices(after: position, limit: limit)
            let firstPage = read == 0
            read += changed.count
            var page = changed
            if firstPage {
                page = try withHeld(changed, of: .invoices, key: \.number, hq, fetch: hq.invoices.invoices(numbers:))
                held = Set(page.dropLast(changed.count).map(\.number))
            } else if !held.isEmpty {
                page.removeAll { held.contains($0.number) }  // a held record already in this run
            }
            let snapshots = try self.snapshots(of: page, hq)
            for (record, parts) in zip(page, snapshots) {
                records.append(record)
                items.append(parts)
                weight += parts.reduce(0) { $0 + $1.weight }
                guard !held.contains(record.number) else { continue }
                taken += 1
                position = DistributionPosition(changedAt: record.changedAt, key: record.number)
                // Heavy invoices end the run early; the next run starts after the last one taken.
                if weight >= runWeight {
                    let lastInHQ = changed.count < limit && record.number == changed.last?.number
                    if !lastInHQ { result.counts[Self.continued] = 1 }
                    break reading
                }
            }
            // Past the whole page, also where it ended in held records this run already carries.
            if let last = changed.last { position = DistributionPosition(changedAt: last.changedAt, key: last.number) }
            if changed.count < limit { break }
            if taken >= invoiceLimit {
                result.counts[Self.continued] = 1
                break
            }
        }
        guard !records.isEmpty else { return }
        try send(
            .invoices, records: records, key: \.number, items: items, weight: \.weight, as: InvoicesChanged.init(invoices:),
            hq, context: context, into: &result, traced: .invoice)
        if read > 0 { try hq.distribution.move(.invoices, to: position) }
    }

    /// `records` as the channel gets them, each in its parts.
    private func snapshots(of records: [HQInvoice], _ hq: any HQStoreTransaction) throws -> [[InvoiceSnapshot]] {
        guard !records.isEmpty else { return [] }
        let payments = try hq.paymentJournal.outcomes(invoices: records.map(\.number)).mapValues { outcomes in
            outcomes.map { InvoiceSnapshot.PaymentOutcome(paymentId: $0.paymentId, posted: $0.posted, reason: $0.reason) }
        }
        let lines = try hq.invoices.linesByInvoice(records)
        let settlements = try hq.invoices.settlementsByInvoice(records).mapValues { settled in
            settled.map {
                InvoiceSnapshot.Settlement(settledOn: $0.settledOn, settled: $0.settled, discount: $0.discount, paymentId: $0.paymentId)
            }
        }
        return records.map { invoice in
            InvoiceSnapshot(
                number: invoice.number, customerAccount: invoice.customerAccount, invoiceDate: invoice.invoiceDate,
                dueDate: invoice.dueDate, discountLastDay: invoice.discountLastDay, discount: invoice.discount,
                total: invoice.total, settled: invoice.settled, discountTaken: invoice.discountTaken,
                changedAt: invoice.changedAt, payments: payments[invoice.number], lines: lines[invoice.number] ?? [],
                settlements: settlements[invoice.number] ?? []
            ).parts()
        }
    }

    private func distributeProducts(_ hq: any HQStoreTransaction, context: JobContext, result: inout JobResult) throws {
        let changed = try hq.products.changedProducts(after: hq.distribution.position(of: .products), limit: 10_000)
        let records = try withHeld(changed, of: .products, key: \.sku, hq, fetch: hq.products.products(skus:))
        guard !records.isEmpty else { return }
        let items = records.map { [ProductsChanged.Product(sku: $0.sku, name: $0.name, price: $0.price, changedAt: $0.changedAt)] }
        try send(
            .products, records: records, key: \.sku, items: items, weight: { _ in 1 }, as: ProductsChanged.init(products:),
            hq, context: context, into: &result)
        if let last = changed.last {
            try hq.distribution.move(.products, to: DistributionPosition(changedAt: last.changedAt, key: last.sku))
        }
    }

    private func distributeCustomers(_ hq: any HQStoreTransaction, context: JobContext, result: inout JobResult) throws {
        let changed = try hq.accounts.changedCustomers(after: hq.distribution.position(of: .customers), limit: 10_000)
        let records = try withHeld(changed, of: .customers, key: \.account, hq, fetch: hq.accounts.customers(accounts:))
        guard !records.isEmpty else { return }
        let users = try hq.accounts.usersByCustomer()
        let items = records.map { customer in
            [
                CustomerSnapshot(
                    account: customer.account, name: customer.name, email: customer.email, currency: customer.currency.code,
                    invoiceAccount: customer.invoiceAccount, allowOnAccount: customer.allowOnAccount,
                    creditLimit: customer.creditLimit,
                    users: (users[customer.account] ?? []).map { user in
                        CustomerSnapshot.User(login: user.login, displayName: user.displayName, email: user.email)
                    },
                    changedAt: customer.changedAt, address: customer.address)
            ]
        }
        try send(
            .customers, records: records, key: \.account, items: items, weight: { 1 + $0.users.count },
            as: CustomersChanged.init(customers:), hq, context: context, into: &result)
        if let last = changed.last {
            try hq.distribution.move(.customers, to: DistributionPosition(changedAt: last.changedAt, key: last.account))
        }
    }

    private func distributeRequests(_ hq: any HQStoreTransaction, context: JobContext, result: inout JobResult) throws {
        let changed = try hq.channelRequests.changedRequests(after: hq.distribution.position(of: .requests), limit: 10_000)
        let records = try withHeld(changed, of: .requests, key: \.requestId, hq, fetch: hq.channelRequests.requests(ids:))
        guard !records.isEmpty else { return }
        let items = records.map { request in
            // Processed means handed on to e-mail dispatch, which reports completion once the mail
            // server accepted the e-mail; until then the buyer sees "processing".
            [
                RequestsChanged.Change(
                    requestId: request.requestId, status: request.status == .processed ? "processing" : "failed",
                    at: request.changedAt, detail: request.detail)
            ]
        }
        try send(
            .requests, records: records, key: \.requestId, items: items, weight: { _ in 1 }, as: RequestsChanged.init(requests:),
            hq, context: context, into: &result, traced: .request)
        if let last = changed.last {
            try hq.distribution.move(.requests, to: DistributionPosition(changedAt: last.changedAt, key: last.requestId))
        }
    }

    /// The records held back in `stream` by earlier runs, read again as HQ has them now (those
    /// `changed` holds too come from there), then `changed`. A held record HQ no longer has is
    /// released: there is nothing left to send.
    private func withHeld<Record>(
        _ changed: [Record], of stream: DistributionStream, key: KeyPath<Record, String>, _ hq: any HQStoreTransaction,
        fetch: ([String]) throws -> [Record]
    ) throws -> [Record] {
        let heldKeys = try hq.distribution.heldKeys(of: stream)
        guard !heldKeys.isEmpty else { return changed }
        let changedKeys = Set(changed.map { $0[keyPath: key] })
        let held = try fetch(heldKeys.filter { !changedKeys.contains($0) })
        let found = Set(held.map { $0[keyPath: key] })
        for gone in heldKeys where !found.contains(gone) && !changedKeys.contains(gone) {
            try hq.distribution.release(stream, key: gone)
        }
        return held + changed
    }

    /// Sends `records` (each as its `items`, in order) in messages of at most `chunkSize` items and
    /// `maximumWeight`, each with an id derived from the run and its position (a redelivered run
    /// re-publishes the same ids). Each message is checked as its consumer will read it; when one
    /// fails, its records are checked alone, those that fail are held back, and the rest are packed
    /// again — so the messages that go out hold exactly the records that can.
    private func send<Record, Item, Body: MessageBody>(
        _ stream: DistributionStream, records: [Record], key: KeyPath<Record, String>, items: [[Item]],
        weight: (Item) -> Int, as body: ([Item]) -> Body, _ hq: any HQStoreTransaction, context: JobContext,
        into result: inout JobResult, traced: TracedItem.Kind? = nil
    ) throws {
        func message(_ chunk: [Item], part: String) throws -> OutgoingMessage {
            try OutgoingMessage(
                context.header.followUp(body(chunk), key: "\(stream.rawValue)-\(part)", occurredAt: context.now, actingUser: "system:hq"))
        }
        func problems(_ message: OutgoingMessage) -> [String] { context.followUpCheck?.problems(of: message) ?? [] }

        var refused: [Int: String] = [:]
        var (messages, carried): ([OutgoingMessage], [[Int]]) = ([], [])
        packing: while true {
            (messages, carried) = ([], [])
            let groups = pack(items, excluding: refused, weight: weight)
            for (part, group) in groups.enumerated() {
                let candidate = try message(group.map(\.item), part: "\(part)")
                let found = problems(candidate)
                if found.isEmpty {
                    messages.append(candidate)
                    carried.append(group.map(\.record))
                    continue
                }
                // Which of the group's records cannot go: each alone, in parts as it would travel.
                var newlyRefused = false
                for record in Set(group.map(\.record)).sorted() {
                    let alone = pack([items[record]], excluding: [:], weight: weight)
                    for single in alone {
                        let own = problems(try message(single.map(\.item), part: "check"))
                        if !own.isEmpty {
                            refused[record] = own.prefix(3).joined(separator: "; ")
                            newlyRefused = true
                            break
                        }
                    }
                }
                // Every record passes alone, yet not together: a fault of this job, not of a record.
                guard newlyRefused else { throw UnsendableMessage(message: candidate, problems: found) }
                continue packing
            }
            break
        }
        let traced = Telemetry.isTracing ? traced.map { kind in records.map { TracedItem(kind, $0[keyPath: key]) } } : nil
        try continueTraces(of: &messages, carrying: carried, traced, hq, context)
        result.followUps += messages

        let heldBefore = Set(try hq.distribution.heldKeys(of: stream))
        for (index, record) in records.enumerated() {
            let recordKey = record[keyPath: key]
            if let reason = refused[index] {
                try hq.distribution.hold(stream, key: recordKey, reason: reason, at: context.now)
                result.held.append(DistributionHold(stream: stream, key: recordKey, reason: reason, since: context.now))
            } else if heldBefore.contains(recordKey) {
                try hq.distribution.release(stream, key: recordKey)
            }
        }
        result.counts[stream.rawValue, default: 0] += records.count - refused.count
        if !refused.isEmpty { result.counts["held", default: 0] += refused.count }
    }

    /// Each message continues the trace its records' last change left (a payment the sync job
    /// posted): a span per message, the child of its first record's kept span and linked to the
    /// others' and to the run; what was kept for the records sent is then forgotten.
    private func continueTraces(
        of messages: inout [OutgoingMessage], carrying carried: [[Int]], _ items: [TracedItem]?, _ hq: any HQStoreTransaction,
        _ context: JobContext
    ) throws {
        guard let items else { return }
        let kept = try hq.traceContexts.traces(of: items)
        guard !kept.isEmpty else { return }
        var sent: [TracedItem] = []
        for index in messages.indices {
            let records = Set(carried[index]).sorted()
            let found = records.compactMap { kept[items[$0]] }
            sent += records.map { items[$0] }.filter { kept[$0] != nil }
            guard let first = found.first else { continue }
            let span = Telemetry.itemSpan("distribute \(items[records[0]].kind.rawValue)s", continuing: first, run: context.trace)
            Telemetry.link(span, to: found.dropFirst())
            span.attributes["remit.distribution.records"] = records.count
            span.attributes["messaging.message.id"] = messages[index].messageId
            messages[index].trace = Telemetry.traceContext(of: span.context)
            span.end()
        }
        try hq.traceContexts.forget(sent)
    }

    /// `items` (one list per record) in groups of at most `chunkSize` items and `maximumWeight`,
    /// skipping the records in `excluding`; an item heavier than `maximumWeight` forms a group alone.
    private func pack<Item>(
        _ items: [[Item]], excluding: [Int: String], weight: (Item) -> Int
    ) -> [[(record: Int, item: Item)]] {
        var groups: [[(record: Int, item: Item)]] = []
        var current: [(record: Int, item: Item)] = []
        var currentWeight = 0
        for (record, list) in items.enumerated() where excluding[record] == nil {
            for item in list {
                let itemWeight = weight(item)
                if !current.isEmpty && (current.count >= chunkSize || currentWeight + itemWeight > maximumWeight) {
                    groups.append(current)
                    current = []
                    currentWeight = 0
                }
                current.append((record, item))
                currentWeight += itemWeight
            }
        }
        if !current.isEmpty { groups.append(current) }
        return groups
    }
}
