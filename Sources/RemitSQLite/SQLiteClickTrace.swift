import Foundation
import GRDB
import RemitCore
import RemitStore

/// What `remit trace` reads from a SQLite store: the channel's inbox, command outcomes, payments,
/// requests and e-mails, or HQ's inbox, payment journal and channel requests.
struct SQLiteClickTrace {
    let db: Database

    /// The correlation id of the message `messageId`: from the commands' outcomes (keyed by it), else
    /// from the inbox (keyed by consumer first, so this reads it whole — only for an id that is not
    /// a correlation id).
    func correlationId(ofMessage messageId: String) throws -> String? {
        if try db.tableExists("command_outcome"),
            let found = try String.fetchOne(
                db, sql: "SELECT correlation_id FROM command_outcome WHERE message_id = ?", arguments: [messageId])
        {
            return found
        }
        return try String.fetchOne(db, sql: "SELECT correlation_id FROM inbox WHERE message_id = ? LIMIT 1", arguments: [messageId])
    }

    /// The steps the channel store recorded for `correlationId`, and the payment and request ids
    /// they created.
    func channel(correlationId: String) throws -> ClickTrace.Found {
        var found = ClickTrace.Found()
        func step(_ row: Row, _ column: String, _ what: String, rank: Int = 2) throws {
            guard let at = try StoredRow(row, table: "trace", key: correlationId).optionalTimestamp(column) else { return }
            found.steps.append(ClickTrace.Step(at: at, store: "channel", what: what, rank: rank))
        }
        for row in try Row.fetchAll(
            db, sql: "SELECT * FROM inbox WHERE correlation_id = ? ORDER BY processed_at", arguments: [correlationId])
        {
            try step(
                row, "processed_at", "\(row["consumer"] as String) applied \(row["message_type"] as String) \(row["message_id"] as String)",
                rank: 0)
        }
        for row in try Row.fetchAll(
            db, sql: "SELECT * FROM command_outcome WHERE correlation_id = ? ORDER BY at", arguments: [correlationId])
        {
            let outcome: String = row["outcome"]
            let reason: String? = row["reason"]
            try step(row, "at", "\(row["type"] as String) \(outcome)\(reason.map { ": \($0)" } ?? "")", rank: 1)
            if let payment: String = row["payment_id"] { found.paymentIds.insert(payment) }
            if let request: String = row["request_id"] { found.requestIds.insert(request) }
        }
        for payment in found.paymentIds.sorted() {
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM channel_transaction WHERE id = ?", arguments: [payment]) else {
                continue
            }
            let amount = "\(Money(minorUnits: row["amount_minor"], currency: (try? Currency(row["currency"] as String)) ?? .EUR))"
            try step(row, "created_at", "payment \(payment) of \(amount) for \(row["invoice_number"] as String? ?? "–") recorded")
            try step(row, "uploaded_at", "payment \(payment) uploaded to HQ (P-0001)")
        }
        for request in found.requestIds.sorted() {
            if let row = try Row.fetchOne(db, sql: "SELECT * FROM b2b_request WHERE request_id = ?", arguments: [request]) {
                try step(row, "submitted_at", "request \(request) for \(row["invoice_number"] as String? ?? "–") submitted")
                try step(row, "uploaded_at", "request \(request) uploaded to HQ (P-0001)")
                let detail: String? = row["detail"]
                try step(row, "updated_at", "request \(request) \(row["status"] as String)\(detail.map { ": \($0)" } ?? "")")
            }
            if let row = try Row.fetchOne(db, sql: "SELECT * FROM email_ledger WHERE request_id = ?", arguments: [request]) {
                try step(row, "created_at", "e-mail for request \(request) to \(row["recipient"] as String) being sent")
                try step(row, "updated_at", "e-mail for request \(request) \(row["status"] as String) (attempts \(row["attempts"] as Int))")
            }
        }
        return found
    }

    /// What HQ recorded of the payments and requests a click created.
    func hq(correlationId: String, following found: ClickTrace.Found) throws -> [ClickTrace.Step] {
        var steps: [ClickTrace.Step] = []
        func step(_ row: Row, _ column: String, _ what: String) throws {
            guard let at = try StoredRow(row, table: "trace", key: correlationId).optionalTimestamp(column) else { return }
            steps.append(ClickTrace.Step(at: at, store: "hq", what: what))
        }
        for row in try Row.fetchAll(
            db, sql: "SELECT * FROM inbox WHERE correlation_id = ? ORDER BY processed_at", arguments: [correlationId])
        {
            try step(
                row, "processed_at", "\(row["consumer"] as String) applied \(row["message_type"] as String) \(row["message_id"] as String)")
        }
        for payment in found.paymentIds.sorted() {
            guard
                let row = try Row.fetchOne(db, sql: "SELECT * FROM payment_journal_line WHERE channel_payment_id = ?", arguments: [payment])
            else { continue }
            try step(row, "uploaded_at", "HQ received payment \(payment) in its payment journal")
            try step(row, "posted_at", "HQ posted payment \(payment) and settled \(row["invoice_number"] as String)")
            let failure: String? = row["failure"]
            if let failure, let uploaded = try StoredRow(row, table: "trace", key: payment).optionalTimestamp("uploaded_at") {
                steps.append(ClickTrace.Step(at: uploaded, store: "hq", what: "HQ refused payment \(payment): \(failure)"))
            }
        }
        for request in found.requestIds.sorted() {
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM channel_request WHERE request_id = ?", arguments: [request])
            else { continue }
            try step(row, "received_at", "HQ received request \(request)")
            let detail: String? = row["detail"]
            try step(row, "processed_at", "HQ \(row["status"] as String) request \(request)\(detail.map { ": \($0)" } ?? "")")
        }
        return steps
    }
}

extension ChannelStore: ClickTraceSource {
    public func correlationId(ofMessage messageId: String) async throws -> String? {
        try await SQLiteFailure.mapped(store: path) {
            try await pool.read { try SQLiteClickTrace(db: $0).correlationId(ofMessage: messageId) }
        }
    }

    public func steps(correlationId: String, following found: ClickTrace.Found) async throws -> ClickTrace.Found {
        try await SQLiteFailure.mapped(store: path) {
            try await pool.read { db in
                let mine = try SQLiteClickTrace(db: db).channel(correlationId: correlationId)
                var found = found
                found.steps += mine.steps
                found.paymentIds.formUnion(mine.paymentIds)
                found.requestIds.formUnion(mine.requestIds)
                return found
            }
        }
    }
}

extension HQStore: ClickTraceSource {
    public func correlationId(ofMessage messageId: String) async throws -> String? {
        try await SQLiteFailure.mapped(store: path) {
            try await pool.read { try SQLiteClickTrace(db: $0).correlationId(ofMessage: messageId) }
        }
    }

    public func steps(correlationId: String, following found: ClickTrace.Found) async throws -> ClickTrace.Found {
        try await SQLiteFailure.mapped(store: path) {
            try await pool.read { db in
                var found = found
                found.steps += try SQLiteClickTrace(db: db).hq(correlationId: correlationId, following: found)
                return found
            }
        }
    }
}
