import Foundation
import GRDB
import RemitCore
import RemitStore

// HQInvoiceLine in its SQLite table (`invoice_line`).
extension HQInvoiceLine: StoredRecord {
    public static let databaseTableName = "invoice_line"

    /// The row written (see `HQInvoice.encode(to:)`).
    public func encode(to container: inout PersistenceContainer) {
        for (column, value) in zip(Self.columns, writtenValues) { container[column] = value }
    }

    public init(row: Row) throws {
        self.init(
            invoiceNumber: row["invoice_number"], lineNo: row["line_no"], description: row["description"],
            amountMinor: row["amount_minor"])
    }

    public static func lines(_ db: Database, invoice: String) throws -> [HQInvoiceLine] {
        try filter(Column("invoice_number") == invoice).order(Column("line_no")).fetchAll(db)
    }

    /// The lines of `invoices` in order, by invoice number, for distribution.
    public static func byInvoice(_ db: Database, invoices: [HQInvoice]) throws -> [String: [InvoiceDocument.Line]] {
        let currencies = Dictionary(invoices.map { ($0.number, $0.currency) }, uniquingKeysWith: { first, _ in first })
        var lines: [String: [InvoiceDocument.Line]] = [:]
        for start in stride(from: 0, to: invoices.count, by: 500) {
            let chunk = invoices[start..<min(start + 500, invoices.count)].map(\.number)
            for line in try filter(chunk.contains(Column("invoice_number"))).order(Column("invoice_number"), Column("line_no"))
                .fetchAll(db)
            {
                guard let currency = currencies[line.invoiceNumber] else { continue }
                lines[line.invoiceNumber, default: []].append(
                    InvoiceDocument.Line(description: line.description, amount: Money(minorUnits: line.amountMinor, currency: currency)))
            }
        }
        return lines
    }

    /// Gives invoice `number` one line per line of sales order `orderId` ("sku × quantity").
    public static func copy(_ db: Database, fromOrder orderId: Int64, toInvoice number: String) throws {
        try db.execute(
            sql: """
                INSERT INTO invoice_line (invoice_number, line_no, description, amount_minor)
                SELECT ?, line_no, sku || ' × ' || quantity, amount_minor FROM sales_order_line WHERE order_id = ?
                """, arguments: [number, orderId])
    }
}

extension HQInvoiceLine: WrittenRow {
    public static let columns = ["invoice_number", "line_no", "description", "amount_minor"]
    public var writtenValues: [(any DatabaseValueConvertible)?] { [invoiceNumber, lineNo, description, amountMinor] }
}
