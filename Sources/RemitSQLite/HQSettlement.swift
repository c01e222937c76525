import Foundation
import GRDB
import RemitCore
import RemitStore

// HQSettlement in its SQLite table (`settlement`).
extension HQSettlement: StoredRecord {
    public static let databaseTableName = "settlement"

    public init(row: Row) throws {
        let stored = StoredRow(row, table: Self.databaseTableName, key: "\(row["id"] as Int64)")
        self.init(
            id: row["id"], journalLineId: row["journal_line_id"], invoiceNumber: row["invoice_number"],
            settledMinor: row["settled_minor"], discountMinor: row["discount_minor"], unappliedMinor: row["unapplied_minor"],
            settledOn: try stored.date("settled_on"))
    }
}

extension HQSettlement {
    /// The settlements of `invoices`, oldest first, with the channel payment each came from, by
    /// invoice number, for distribution.
    public static func byInvoice(_ db: Database, invoices: [HQInvoice]) throws -> [String: [HQSettledPayment]] {
        let currencies = Dictionary(invoices.map { ($0.number, $0.currency) }, uniquingKeysWith: { first, _ in first })
        var settlements: [String: [HQSettledPayment]] = [:]
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
                    HQSettledPayment(
                        settledOn: try stored.date("settled_on"), settled: Money(minorUnits: row["settled_minor"], currency: currency),
                        discount: Money(minorUnits: row["discount_minor"], currency: currency), paymentId: row["channel_payment_id"]))
            }
        }
        return settlements
    }
}
