import Foundation
import GRDB
import RemitCore
import RemitStore

// PaymentJournalLine in its SQLite table (`payment_journal_line`).
extension PaymentJournalLine: StoredRecord {
    public static let databaseTableName = "payment_journal_line"

    public enum Columns {
        public static let id = Column("id")
        public static let channelPaymentId = Column("channel_payment_id")
        public static let postedAt = Column("posted_at")
        public static let failure = Column("failure")
    }

    public init(row: Row) throws {
        let stored = StoredRow(row, table: Self.databaseTableName, key: "\(row["id"] as Int64)")
        self.init(
            id: row["id"], channelPaymentId: row["channel_payment_id"], customerAccount: row["customer_account"],
            invoiceNumber: row["invoice_number"], amountMinor: row["amount_minor"], currency: try stored.currency(),
            paidOn: try stored.date("paid_on"), tender: row["tender"], uploadedAt: try stored.timestamp("uploaded_at"),
            postedAt: try stored.optionalTimestamp("posted_at"), failure: row["failure"])
    }

    /// Stores an uploaded payment unless its channel id is known; returns whether it was new.
    public func insertUnlessUploaded(_ db: Database) throws -> Bool {
        try insertUnlessKnown(db, key: Columns.channelPaymentId)
    }

    /// Payments neither posted nor failed, in upload order.
    public static func unposted(_ db: Database) throws -> [PaymentJournalLine] {
        try filter(Columns.postedAt == nil && Columns.failure == nil).order(Columns.id).fetchAll(db)
    }

    public static func markPosted(_ db: Database, id: Int64, at: Date) throws {
        try filter(key: id).updateAll(db, Columns.postedAt.set(to: Timestamp.format(at)))
    }

    public static func markFailed(_ db: Database, id: Int64, reason: String) throws {
        try filter(key: id).updateAll(db, Columns.failure.set(to: reason))
    }

    /// The channel's payments for `invoices` that HQ posted or refused, by invoice number.
    public static func outcomes(_ db: Database, invoices: [String]) throws -> [String: [HQPaymentOutcome]] {
        var outcomes: [String: [HQPaymentOutcome]] = [:]
        for start in stride(from: 0, to: invoices.count, by: 500) {
            let chunk = Array(invoices[start..<min(start + 500, invoices.count)])
            let lines = try filter(chunk.contains(Column("invoice_number")) && (Columns.postedAt != nil || Columns.failure != nil))
                .order(Columns.id).fetchAll(db)
            for line in lines {
                guard let invoice = line.invoiceNumber else { continue }
                outcomes[invoice, default: []].append(
                    .init(paymentId: line.channelPaymentId, posted: line.postedAt != nil, reason: line.failure))
            }
        }
        return outcomes
    }

    /// Payments HQ received for `invoice` and has not posted yet.
    public static func unpostedMinor(_ db: Database, invoice: String) throws -> Int64 {
        try Int64.fetchOne(
            db,
            sql: """
                SELECT COALESCE(SUM(amount_minor), 0) FROM payment_journal_line
                WHERE invoice_number = ? AND posted_at IS NULL AND failure IS NULL
                """, arguments: [invoice]) ?? 0
    }
}
