import GRDB
import RemitCore
import RemitStore

/// The seed's own writes (`HQSeedWrites`): payment terms, and invoices with their lines through one
/// prepared statement each.
struct SQLiteHQSeed: HQSeedWrites {
    let db: Database

    func insert(_ terms: PaymentTerms) throws { try HQPaymentTerms(terms).insert(db) }
    func insertAll(_ invoices: [HQInvoice], lines: [HQInvoiceLine]) throws {
        try HQInvoice.insertAll(invoices, db)
        try HQInvoiceLine.insertAll(lines, db)
    }
}
