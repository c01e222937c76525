import Foundation
import GRDB
import RemitStore
import RemitCore
import RemitMessages

/// A payment the channel uploaded, waiting in HQ's payment journal to be posted to its invoice
/// (`payment_journal_line`).
public struct PaymentJournalLine: StoredRecord, Sendable, Equatable {
    public static let databaseTableName = "payment_journal_line"

    /// Assigned by the store on insert.
    public var id: Int64?
    /// The channel's payment id: uploading the same payment twice is a no-op.
    public var channelPaymentId: String
    public var customerAccount: String
    public var invoiceNumber: String?
    public var amountMinor: Int64
    public var currency: Currency
    public var paidOn: CalendarDate
    public var tender: String
    public var uploadedAt: Date
    public var postedAt: Date?
    /// Why the payment could not be posted.
    public var failure: String?

    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let channelPaymentId = Column("channel_payment_id")
        public static let postedAt = Column("posted_at")
        public static let failure = Column(CodingKeys.failure)
    }

    public init(
        channelPaymentId: String, customerAccount: String, invoiceNumber: String?, amount: Money, paidOn: CalendarDate,
        tender: String, uploadedAt: Date
    ) {
        self.channelPaymentId = channelPaymentId
        self.customerAccount = customerAccount
        self.invoiceNumber = invoiceNumber
        amountMinor = amount.minorUnits
        currency = amount.currency
        self.paidOn = paidOn
        self.tender = tender
        self.uploadedAt = uploadedAt
    }

    public init(row: Row) throws {
        let stored = StoredRow(row, table: Self.databaseTableName, key: "\(row["id"] as Int64)")
        id = row["id"]
        channelPaymentId = row["channel_payment_id"]
        customerAccount = row["customer_account"]
        invoiceNumber = row["invoice_number"]
        amountMinor = row["amount_minor"]
        currency = try stored.currency()
        paidOn = try stored.date("paid_on")
        tender = row["tender"]
        uploadedAt = try stored.timestamp("uploaded_at")
        postedAt = try stored.optionalTimestamp("posted_at")
        failure = row["failure"]
    }

    public var amount: Money { Money(minorUnits: amountMinor, currency: currency) }

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
    public static func outcomes(_ db: Database, invoices: [String]) throws -> [String: [InvoiceSnapshot.PaymentOutcome]] {
        var outcomes: [String: [InvoiceSnapshot.PaymentOutcome]] = [:]
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
