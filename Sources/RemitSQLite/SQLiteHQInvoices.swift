import Foundation
import GRDB
import RemitCore
import RemitStore

/// HQ's invoices, lines and settlements (`HQInvoiceQueries`) on their tables.
struct SQLiteHQInvoices: HQInvoiceQueries {
    let db: Database

    func invoice(number: String) throws -> HQInvoice? { try HQInvoice.find(db, number: number) }
    func invoices(numbers: [String]) throws -> [HQInvoice] { try HQInvoice.fetchAll(db, keys: numbers) }
    func customerAccount(ofInvoice number: String) throws -> String? { try HQInvoice.customerAccount(db, number: number) }
    func changedInvoices(after position: DistributionPosition, limit: Int) throws -> [HQInvoice] {
        try HQInvoice.changed(after: position, limit: limit, db)
    }
    func openBalanceMinor(customerAccount: String) throws -> Int64 {
        try HQInvoice.openBalanceMinor(db, customerAccount: customerAccount)
    }
    func insert(_ invoice: HQInvoice) throws { try invoice.insert(db) }
    func touch(number: String, at date: Date) throws { try HQInvoice.touch(db, number: number, at: date) }
    func settle(number: String, settledMinor: Int64, discountTakenMinor: Int64, at date: Date) throws {
        try HQInvoice.settle(db, number: number, settledMinor: settledMinor, discountTakenMinor: discountTakenMinor, at: date)
    }

    func lines(invoice: String) throws -> [HQInvoiceLine] { try HQInvoiceLine.lines(db, invoice: invoice) }
    func linesByInvoice(_ invoices: [HQInvoice]) throws -> [String: [InvoiceDocument.Line]] {
        try HQInvoiceLine.byInvoice(db, invoices: invoices)
    }
    func copyLines(fromOrder orderId: Int64, toInvoice number: String) throws {
        try HQInvoiceLine.copy(db, fromOrder: orderId, toInvoice: number)
    }

    func insert(_ settlement: HQSettlement) throws { try settlement.insert(db) }
    func settlementsByInvoice(_ invoices: [HQInvoice]) throws -> [String: [HQSettledPayment]] {
        try HQSettlement.byInvoice(db, invoices: invoices)
    }
}
