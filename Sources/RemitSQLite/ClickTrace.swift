import Foundation
import GRDB
import RemitStore
import RemitCore

/// Every step one click went through, read back from the stores: what each worker applied under
/// the click's correlation id (the inboxes), the command's outcome, and — following the payment
/// and request ids the click created — the channel's upload by P-0001, HQ's receipt, posting and
/// settlement, the request's handling and its e-mail. `remit trace` prints it.
public enum ClickTrace {
    public struct Step: Sendable, Codable, Equatable {
        public var at: Date
        /// `channel` or `hq`: the store that recorded it.
        public var store: String
        public var what: String
        /// Among steps of the same time: a message applied, then what it decided, then what it wrote.
        public var rank: Int

        public init(at: Date, store: String, what: String, rank: Int = 2) {
            self.at = at
            self.store = store
            self.what = what
            self.rank = rank
        }

        enum CodingKeys: String, CodingKey { case at, store, what }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.init(
                at: try container.decode(Date.self, forKey: .at), store: try container.decode(String.self, forKey: .store),
                what: try container.decode(String.self, forKey: .what))
        }

        /// The order `remit trace` prints steps in.
        public static func inOrder(_ a: Step, _ b: Step) -> Bool { (a.at, a.rank, a.what) < (b.at, b.rank, b.what) }
    }

    /// The ids a click's steps made, to follow into the next store.
    public struct Found: Sendable, Equatable {
        public var steps: [Step] = []
        public var paymentIds: Set<String> = []
        public var requestIds: Set<String> = []

        public init() {}
    }

    /// A click's steps from the stores there are: `id` is its correlation id, or the message id of
    /// one of its messages (a producer's command id; for a portal click the two are the same). The
    /// correlation id the steps were found under, and the steps in order; none when nothing is recorded.
    public static func read(id: String, channel: ChannelStore?, hq: HQStore?) async throws -> (correlationId: String, steps: [Step]) {
        var steps = try await read(correlationId: id, channel: channel, hq: hq)
        guard steps.isEmpty else { return (id, steps) }
        var correlationId = try await channel?.pool.read { try Self.correlationId($0, ofMessage: id) }
        if correlationId == nil { correlationId = try await hq?.pool.read { try Self.correlationId($0, ofMessage: id) } }
        guard let correlationId, correlationId != id else { return (id, []) }
        steps = try await read(correlationId: correlationId, channel: channel, hq: hq)
        return (correlationId, steps)
    }

    static func read(correlationId: String, channel: ChannelStore?, hq: HQStore?) async throws -> [Step] {
        let found = try await channel?.pool.read { try Self.channel($0, correlationId: correlationId) } ?? Found()
        var steps = found.steps
        if let hq { steps += try await hq.pool.read { try Self.hq($0, correlationId: correlationId, following: found) } }
        return steps.sorted(by: Step.inOrder)
    }

    /// The correlation id of the message `messageId`: from the commands' outcomes (keyed by it), else
    /// from the inbox (keyed by consumer first, so this reads it whole — only for an id that is not
    /// a correlation id).
    static func correlationId(_ db: Database, ofMessage messageId: String) throws -> String? {
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
    public static func channel(_ db: Database, correlationId: String) throws -> Found {
        var found = Found()
        func step(_ row: Row, _ column: String, _ what: String, rank: Int = 2) throws {
            guard let at = try StoredRow(row, table: "trace", key: correlationId).optionalTimestamp(column) else { return }
            found.steps.append(Step(at: at, store: "channel", what: what, rank: rank))
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
    public static func hq(_ db: Database, correlationId: String, following found: Found) throws -> [Step] {
        var steps: [Step] = []
        func step(_ row: Row, _ column: String, _ what: String) throws {
            guard let at = try StoredRow(row, table: "trace", key: correlationId).optionalTimestamp(column) else { return }
            steps.append(Step(at: at, store: "hq", what: what))
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
                steps.append(Step(at: uploaded, store: "hq", what: "HQ refused payment \(payment): \(failure)"))
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
