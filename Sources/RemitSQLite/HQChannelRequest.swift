import Foundation
import GRDB
import RemitCore
import RemitStore

// HQChannelRequest in its SQLite table (`channel_request`).
extension HQChannelRequest: StoredRecord {
    public static let databaseTableName = "channel_request"

    public enum Columns {
        public static let requestId = Column("request_id")
        public static let status = Column("status")
        public static let receivedAt = Column("received_at")
        public static let processedAt = Column("processed_at")
        public static let detail = Column("detail")
        public static let changedAt = Column("changed_at")
    }

    public init(row: Row) throws {
        let stored = StoredRow(row, table: Self.databaseTableName, key: row["request_id"])
        self.init(
            requestId: row["request_id"], type: row["type"], userLogin: row["user_login"], invoiceNumber: row["invoice_number"],
            status: try stored.value("status", as: Status.self), receivedAt: try stored.timestamp("received_at"),
            processedAt: try stored.optionalTimestamp("processed_at"), detail: row["detail"],
            customerAccount: row["customer_account"], changedAt: try stored.timestamp("changed_at"))
    }

    /// Stores an uploaded request unless its id is known; returns whether it was new.
    public func insertUnlessUploaded(_ db: Database) throws -> Bool {
        try insertUnlessKnown(db, key: Columns.requestId)
    }

    /// Requests not processed yet, in the order they arrived.
    public static func received(_ db: Database) throws -> [HQChannelRequest] {
        try filter(Columns.status == Status.received.rawValue).order(Columns.receivedAt, Columns.requestId).fetchAll(db)
    }

    /// Requests processed (or failed) after `position`, in change order, at most `limit`.
    public static func changed(after position: DistributionPosition, limit: Int, _ db: Database) throws -> [HQChannelRequest] {
        try filter(Columns.status != Status.received.rawValue)
            .filter(literal: "(changed_at, request_id) > (\(position.changedAt), \(position.key))")
            .order(Columns.changedAt, Columns.requestId).limit(limit).fetchAll(db)
    }

    public static func finish(_ db: Database, requestId: String, status: Status, detail: String?, at: Date) throws {
        let at = Timestamp.format(at)
        try filter(key: requestId).updateAll(
            db, Columns.status.set(to: status.rawValue), Columns.processedAt.set(to: at),
            Columns.detail.set(to: detail), Columns.changedAt.set(to: at))
    }
}
