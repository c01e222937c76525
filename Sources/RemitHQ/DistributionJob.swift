import Foundation
import GRDB
import RemitCore
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
        try distributeInvoices(db, context: context, result: &result)
        try distributeRequests(db, context: context, result: &result)
        return result
    }

    /// The (time, key) watermark of a stream; ("", "") before the first run.
    private func watermark(_ db: Database, _ stream: String) throws -> (String, String) {
        guard let value = try String.fetchOne(db, sql: "SELECT distributed_until FROM distribution_state WHERE stream = ?",
                                              arguments: [stream]) else { return ("", "") }
        let parts = value.split(separator: "|", maxSplits: 1).map(String.init)
        return (parts.first ?? "", parts.count > 1 ? parts[1] : "")
    }

    private func move(_ db: Database, _ stream: String, to mark: (String, String)) throws {
        try db.execute(sql: """
            INSERT INTO distribution_state (stream, distributed_until) VALUES (?, ?)
            ON CONFLICT(stream) DO UPDATE SET distributed_until = excluded.distributed_until
            """, arguments: [stream, "\(mark.0)|\(mark.1)"])
    }

    /// Publishes `items` in messages of at most `chunkSize`, each with an id derived from the run and
    /// its position (a redelivered run re-publishes the same ids).
    private func publish<Item, Body: MessageBody>(_ items: [Item], stream: String, as body: ([Item]) -> Body,
                                                 context: JobContext, into result: inout JobResult) throws {
        for (part, start) in stride(from: 0, to: items.count, by: chunkSize).enumerated() {
            let chunk = body(Array(items[start..<min(start + chunkSize, items.count)]))
            result.followUps.append(try OutgoingMessage(context.header.followUp(chunk, key: "\(stream)-\(part)", occurredAt: context.now,
                                                                                actingUser: "system:hq")))
        }
    }

    private func distributeInvoices(_ db: Database, context: JobContext, result: inout JobResult) throws {
        let (since, after) = try watermark(db, "invoices")
        let rows = try Row.fetchAll(db, sql: """
            SELECT * FROM invoice WHERE (changed_at, number) > (?, ?) ORDER BY changed_at, number LIMIT ?
            """, arguments: [since, after, invoiceLimit])
        guard let last = rows.last else { return }
        var snapshots: [InvoiceSnapshot] = []
        snapshots.reserveCapacity(rows.count)
        for row in rows {
            let stored = StoredRow(row, table: "invoice", key: row["number"])
            let currency = try stored.currency()
            func money(_ column: String) -> Money { Money(minorUnits: row[column], currency: currency) }
            snapshots.append(InvoiceSnapshot(
                number: row["number"], customerAccount: row["customer_account"],
                invoiceDate: try stored.date("invoice_date"), dueDate: try stored.date("due_date"),
                discountLastDay: try stored.optionalDate("discount_last_day"),
                discount: money("discount_minor"), total: money("total_minor"), settled: money("settled_minor"),
                discountTaken: money("discount_taken_minor"), changedAt: try stored.timestamp("changed_at")))
        }
        try publish(snapshots, stream: "invoices", as: InvoicesChanged.init(invoices:), context: context, into: &result)
        try move(db, "invoices", to: (last["changed_at"], last["number"]))
        result.counts["invoices", default: 0] += rows.count
    }

    private func distributeCustomers(_ db: Database, context: JobContext, result: inout JobResult) throws {
        let (since, after) = try watermark(db, "customers")
        let rows = try Row.fetchAll(db, sql: """
            SELECT * FROM customer WHERE (changed_at, account) > (?, ?) ORDER BY changed_at, account LIMIT 10000
            """, arguments: [since, after])
        guard let last = rows.last else { return }
        var users: [String: [CustomerSnapshot.User]] = [:]
        for user in try Row.fetchAll(db, sql: "SELECT login, customer_account, display_name, email FROM b2b_user") {
            users[user["customer_account"], default: []].append(CustomerSnapshot.User(
                login: user["login"], displayName: user["display_name"], email: user["email"]))
        }
        let snapshots = try rows.map { row in
            CustomerSnapshot(account: row["account"], name: row["name"], email: row["email"], currency: row["currency"],
                             invoiceAccount: row["invoice_account"], allowOnAccount: row["allow_on_account"],
                             creditLimit: Money(minorUnits: row["credit_limit_minor"], currency: try Currency(row["currency"] as String)),
                             users: users[row["account"]] ?? [], changedAt: Timestamp.parse(row["changed_at"]) ?? context.now)
        }
        try publish(snapshots, stream: "customers", as: CustomersChanged.init(customers:), context: context, into: &result)
        try move(db, "customers", to: (last["changed_at"], last["account"]))
        result.counts["customers", default: 0] += rows.count
    }

    private func distributeRequests(_ db: Database, context: JobContext, result: inout JobResult) throws {
        let (since, after) = try watermark(db, "requests")
        let rows = try Row.fetchAll(db, sql: """
            SELECT * FROM channel_request WHERE status != 'received' AND (changed_at, request_id) > (?, ?)
            ORDER BY changed_at, request_id LIMIT 10000
            """, arguments: [since, after])
        guard let last = rows.last else { return }
        let changes = try rows.map { row in
            // HQ has processed the request once the e-mail is handed on: the buyer sees it completed.
            RequestsChanged.Change(requestId: row["request_id"], status: (row["status"] as String) == "processed" ? "completed" : "failed",
                                   at: try StoredRow(row, table: "channel_request", key: row["request_id"]).timestamp("changed_at"),
                                   detail: row["detail"])
        }
        try publish(changes, stream: "requests", as: RequestsChanged.init(requests:), context: context, into: &result)
        try move(db, "requests", to: (last["changed_at"], last["request_id"]))
        result.counts["requests", default: 0] += rows.count
    }
}
