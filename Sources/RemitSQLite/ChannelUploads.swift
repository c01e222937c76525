import Foundation
import GRDB
import RemitStore
import RemitCore
import RemitMessages

// ChannelTransaction in its SQLite table.
extension ChannelTransaction: StoredRecord {
    public static let databaseTableName = "channel_transaction"

    public enum Columns {
        public static let id = Column("id")
        public static let kind = Column("kind")
        public static let customerAccount = Column("customer_account")
        public static let userLogin = Column("user_login")
        public static let invoiceNumber = Column("invoice_number")
        public static let amountMinor = Column("amount_minor")
        public static let currency = Column("currency")
        public static let tender = Column("tender")
        /// The order lines as JSON; NULL for payments.
        public static let lines = Column("lines")
        public static let createdAt = Column("created_at")
        public static let uploadedAt = Column("uploaded_at")
    }

    public init(row: Row) throws {
        let stored = StoredRow(row, table: Self.databaseTableName, key: row["id"])
        let lines: String? = row["lines"]
        self.init(
            id: row["id"], kind: try stored.value("kind", as: Kind.self), customerAccount: row["customer_account"],
            userLogin: row["user_login"], invoiceNumber: row["invoice_number"],
            amount: stored.money("amount_minor", currency: try stored.currency()), tender: row["tender"],
            lines: try lines.map { try JSONDecoder().decode([OrderLine].self, from: Data($0.utf8)) } ?? [],
            createdAt: try stored.timestamp("created_at"))
    }

    public func encode(to container: inout PersistenceContainer) throws {
        container[Columns.id] = id
        container[Columns.kind] = kind.rawValue
        container[Columns.customerAccount] = customerAccount
        container[Columns.userLogin] = userLogin
        container[Columns.invoiceNumber] = invoiceNumber
        container[Columns.amountMinor] = amount.minorUnits
        container[Columns.currency] = amount.currency.code
        container[Columns.tender] = tender
        container[Columns.lines] = lines.isEmpty ? nil : String(decoding: try JSONEncoder().encode(lines), as: UTF8.self)
        container[Columns.createdAt] = Timestamp.format(createdAt)
    }

    /// Records the transaction once; recording the same id again changes nothing. Returns whether it was new.
    @discardableResult
    public func record(_ db: Database) throws -> Bool {
        try insertUnlessKnown(db, key: Columns.id)
    }

    /// Transactions not yet uploaded, oldest first.
    public static func pending(_ db: Database, limit: Int) throws -> [ChannelTransaction] {
        try filter(Columns.uploadedAt == nil).order(Columns.createdAt, Columns.id).limit(limit).fetchAll(db)
    }

    public static func markUploaded(_ db: Database, ids: [String], at date: Date) throws {
        try filter(ids.contains(Columns.id) && Columns.uploadedAt == nil)
            .updateAll(db, Columns.uploadedAt.set(to: Timestamp.format(date)))
    }
}

// B2BRequest in its SQLite table.
extension B2BRequest: StoredRecord {
    static func rankSQL(_ column: String) -> String {
        "CASE \(column) " + Status.allCases.map { "WHEN '\($0.rawValue)' THEN \($0.rank)" }.joined(separator: " ") + " ELSE 0 END"
    }

    public static let databaseTableName = "b2b_request"

    public enum Columns {
        public static let requestId = Column("request_id")
        public static let type = Column("type")
        public static let userLogin = Column("user_login")
        public static let customerAccount = Column("customer_account")
        public static let invoiceNumber = Column("invoice_number")
        public static let status = Column("status")
        public static let submittedAt = Column("submitted_at")
        /// When the status last changed; HQ's state changes apply only when newer.
        public static let updatedAt = Column("updated_at")
        public static let detail = Column("detail")
        public static let uploadedAt = Column("uploaded_at")
    }

    public init(row: Row) throws {
        let stored = StoredRow(row, table: Self.databaseTableName, key: row["request_id"])
        self.init(
            requestId: row["request_id"], type: row["type"], userLogin: row["user_login"],
            customerAccount: row["customer_account"], invoiceNumber: row["invoice_number"],
            status: try stored.value("status", as: Status.self), submittedAt: try stored.timestamp("submitted_at"))
    }

    public func encode(to container: inout PersistenceContainer) throws {
        container[Columns.requestId] = requestId
        container[Columns.type] = type
        container[Columns.userLogin] = userLogin
        container[Columns.customerAccount] = customerAccount
        container[Columns.invoiceNumber] = invoiceNumber
        container[Columns.status] = status.rawValue
        container[Columns.submittedAt] = Timestamp.format(submittedAt)
        container[Columns.updatedAt] = Timestamp.format(submittedAt)
    }

    /// Records the request once; returns whether it was new.
    @discardableResult
    public func record(_ db: Database) throws -> Bool {
        try insertUnlessKnown(db, key: Columns.requestId)
    }

    public static func pending(_ db: Database, limit: Int) throws -> [B2BRequest] {
        try filter(Columns.uploadedAt == nil).order(Columns.submittedAt, Columns.requestId).limit(limit).fetchAll(db)
    }

    public static func markUploaded(_ db: Database, ids: [String], at date: Date) throws {
        let at = Timestamp.format(date)
        try filter(ids.contains(Columns.requestId) && Columns.uploadedAt == nil)
            .updateAll(db, Columns.uploadedAt.set(to: at))
        // A state HQ already reported (a repair run after a crash) is not set back.
        try filter(ids.contains(Columns.requestId) && Columns.status == Status.submitted.rawValue && Columns.updatedAt <= at)
            .updateAll(db, Columns.status.set(to: Status.uploaded.rawValue), Columns.updatedAt.set(to: at))
    }

    /// The user's latest request for `invoice` submitted at or after `since` that has not failed:
    /// a repeat within the merge window joins it.
    public static func recent(_ db: Database, user: String, invoice: String, since: Date) throws -> B2BRequest? {
        try filter(
            Columns.userLogin == user && Columns.invoiceNumber == invoice && Columns.submittedAt >= Timestamp.format(since)
                && Columns.status != Status.failed.rawValue
        ).order(Columns.submittedAt.desc).fetchOne(db)
    }

    public static func find(_ db: Database, requestId: String) throws -> B2BRequest? { try fetchOne(db, primaryKey: requestId) }

    /// Counts a repeat merged into this request.
    public static func recordRepeat(_ db: Database, requestId: String, at: Date) throws {
        try db.execute(
            sql: "UPDATE b2b_request SET repeat_count = repeat_count + 1, last_requested_at = ? WHERE request_id = ?",
            arguments: [Timestamp.format(at), requestId])
    }

    /// Repeats merged into this request.
    public static func repeats(_ db: Database, requestId: String) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT repeat_count FROM b2b_request WHERE request_id = ?", arguments: [requestId]) ?? 0
    }

    /// The status and its detail as the buyer sees them.
    public static func state(_ db: Database, requestId: String) throws -> (status: Status, detail: String?)? {
        guard let row = try Row.fetchOne(db, sql: "SELECT status, detail FROM b2b_request WHERE request_id = ?", arguments: [requestId])
        else { return nil }
        let stored = StoredRow(row, table: databaseTableName, key: requestId)
        return (try stored.value("status", as: Status.self), row["detail"])
    }

    /// Applies HQ's state of a request as of `at`, unless the channel has a later one.
    /// The lifecycle only moves forward: a state reported late (distribution's "processing" after
    /// e-mail dispatch completed the request) never sets a request back, whatever the clocks say.
    public static func applyChange(_ db: Database, requestId: String, status: Status, detail: String?, at: Date) throws {
        let at = Timestamp.format(at)
        try db.execute(
            sql: """
                UPDATE b2b_request SET status = ?, updated_at = ?, detail = ?
                WHERE request_id = ? AND (\(rankSQL("status")) < ? OR (\(rankSQL("status")) = ? AND updated_at <= ?))
                """,
            arguments: [status.rawValue, at, detail, requestId, status.rank, status.rank, at])
    }
}
