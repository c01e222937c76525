import Foundation
import GRDB
import RemitStore
import RemitCore
import RemitMessages

/// What posting a journal line did to its invoice (`settlement`).
public struct HQSettlement: StoredRecord, Sendable, Equatable {
    public static let databaseTableName = "settlement"

    /// Assigned by the store on insert.
    public var id: Int64?
    public var journalLineId: Int64
    public var invoiceNumber: String
    public var settledMinor: Int64
    public var discountMinor: Int64
    /// The part of the payment the invoice did not need.
    public var unappliedMinor: Int64
    public var settledOn: CalendarDate

    public init(
        journalLineId: Int64, invoiceNumber: String, settled: Money, discount: Money, unapplied: Money,
        settledOn: CalendarDate
    ) {
        self.journalLineId = journalLineId
        self.invoiceNumber = invoiceNumber
        settledMinor = settled.minorUnits
        discountMinor = discount.minorUnits
        unappliedMinor = unapplied.minorUnits
        self.settledOn = settledOn
    }

    public init(row: Row) throws {
        let stored = StoredRow(row, table: Self.databaseTableName, key: "\(row["id"] as Int64)")
        id = row["id"]
        journalLineId = row["journal_line_id"]
        invoiceNumber = row["invoice_number"]
        settledMinor = row["settled_minor"]
        discountMinor = row["discount_minor"]
        unappliedMinor = row["unapplied_minor"]
        settledOn = try stored.date("settled_on")
    }
}

extension HQSettlement {
    /// The settlements of `invoices`, oldest first, with the channel payment each came from, by
    /// invoice number, for distribution.
    public static func byInvoice(_ db: Database, invoices: [HQInvoice]) throws -> [String: [InvoiceSnapshot.Settlement]] {
        let currencies = Dictionary(invoices.map { ($0.number, $0.currency) }, uniquingKeysWith: { first, _ in first })
        var settlements: [String: [InvoiceSnapshot.Settlement]] = [:]
        for start in stride(from: 0, to: invoices.count, by: 500) {
            let chunk = invoices[start..<min(start + 500, invoices.count)].map(\.number)
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT s.invoice_number, s.settled_on, s.settled_minor, s.discount_minor, j.channel_payment_id
                    FROM settlement s JOIN payment_journal_line j ON j.id = s.journal_line_id
                    WHERE s.invoice_number IN (\(databaseQuestionMarks(count: chunk.count)))
                    ORDER BY s.invoice_number, s.id
                    """, arguments: StatementArguments(chunk))
            for row in rows {
                let number: String = row["invoice_number"]
                guard let currency = currencies[number] else { continue }
                let stored = StoredRow(row, table: databaseTableName, key: number)
                settlements[number, default: []].append(
                    InvoiceSnapshot.Settlement(
                        settledOn: try stored.date("settled_on"), settled: Money(minorUnits: row["settled_minor"], currency: currency),
                        discount: Money(minorUnits: row["discount_minor"], currency: currency), paymentId: row["channel_payment_id"]))
            }
        }
        return settlements
    }
}
