import Foundation
import PostgresNIO
import RemitCore
import RemitStore

/// What `remit trace` reads from the channel store on PostgreSQL: the inbox, command outcomes,
/// payments, requests and e-mails of one click, as SQLite's `SQLiteClickTrace` reads them.
struct PostgresClickTrace {
    let session: PostgresSession

    /// The correlation id of the message `messageId`: from the commands' outcomes, else the inbox.
    func correlationId(ofMessage messageId: String) throws -> String? {
        if let row = try session.row("SELECT correlation_id FROM command_outcome WHERE message_id = \(messageId)") {
            return try row[0].decode(String.self)
        }
        return try session.row("SELECT correlation_id FROM inbox WHERE message_id = \(messageId) LIMIT 1")?[0].decode(String.self)
    }

    /// The steps the channel store recorded for `correlationId`, and the payment and request ids they created.
    func channel(correlationId: String) throws -> ClickTrace.Found {
        var found = ClickTrace.Found()
        func step(_ row: PostgresRandomAccessRow, _ column: String, _ what: String, rank: Int = 2) throws {
            guard let at = try PostgresStoredRow(row, table: "trace", keyColumn: column).optionalTimestamp(column) else { return }
            found.steps.append(ClickTrace.Step(at: at, store: "channel", what: what, rank: rank))
        }
        for row in try session.rows("SELECT * FROM inbox WHERE correlation_id = \(correlationId) ORDER BY processed_at") {
            let stored = PostgresStoredRow(row, table: "inbox", keyColumn: "message_id")
            try step(
                row, "processed_at",
                "\(try stored.string("consumer")) applied \(try stored.string("message_type")) \(try stored.string("message_id"))", rank: 0)
        }
        for row in try session.rows("SELECT * FROM command_outcome WHERE correlation_id = \(correlationId) ORDER BY at") {
            let outcome = try CommandOutcome(postgres: row)
            try step(row, "at", "\(outcome.type) \(outcome.outcome.rawValue)\(outcome.reason.map { ": \($0)" } ?? "")", rank: 1)
            if let payment = outcome.paymentId { found.paymentIds.insert(payment) }
            if let request = outcome.requestId { found.requestIds.insert(request) }
        }
        for payment in found.paymentIds.sorted() {
            guard let row = try session.row("SELECT * FROM channel_transaction WHERE id = \(payment)") else { continue }
            let transaction = try ChannelTransaction(postgres: row)
            try step(row, "created_at", "payment \(payment) of \(transaction.amount) for \(transaction.invoiceNumber ?? "–") recorded")
            try step(row, "uploaded_at", "payment \(payment) uploaded to HQ (P-0001)")
        }
        for request in found.requestIds.sorted() {
            try requestSteps(request, step: step)
        }
        return found
    }

    private func requestSteps(
        _ request: String, step: (PostgresRandomAccessRow, String, String, Int) throws -> Void
    ) throws {
        if let row = try session.row("SELECT * FROM b2b_request WHERE request_id = \(request)") {
            let stored = PostgresStoredRow(row, table: "b2b_request", keyColumn: "request_id")
            let invoice = try stored.optionalString("invoice_number") ?? "–"
            try step(row, "submitted_at", "request \(request) for \(invoice) submitted", 2)
            try step(row, "uploaded_at", "request \(request) uploaded to HQ (P-0001)", 2)
            let detail = try stored.optionalString("detail")
            try step(row, "updated_at", "request \(request) \(try stored.string("status"))\(detail.map { ": \($0)" } ?? "")", 2)
        }
        if let row = try session.row("SELECT * FROM email_ledger WHERE request_id = \(request)") {
            let entry = try EmailLedgerEntry(postgres: row)
            try step(row, "created_at", "e-mail for request \(request) to \(entry.recipient) being sent", 2)
            try step(row, "updated_at", "e-mail for request \(request) \(entry.status.rawValue) (attempts \(entry.attempts))", 2)
        }
    }
}

extension PostgresChannelStore: ClickTraceSource {
    public func correlationId(ofMessage messageId: String) async throws -> String? {
        try await BlockingPool.run {
            try self.database.transaction(readOnly: true) { try PostgresClickTrace(session: $0).correlationId(ofMessage: messageId) }
        }
    }

    public func steps(correlationId: String, following found: ClickTrace.Found) async throws -> ClickTrace.Found {
        try await BlockingPool.run {
            try self.database.transaction(readOnly: true) { session in
                let mine = try PostgresClickTrace(session: session).channel(correlationId: correlationId)
                var found = found
                found.steps += mine.steps
                found.paymentIds.formUnion(mine.paymentIds)
                found.requestIds.formUnion(mine.requestIds)
                return found
            }
        }
    }
}
