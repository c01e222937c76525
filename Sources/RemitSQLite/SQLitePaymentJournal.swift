import Foundation
import GRDB
import RemitStore

/// HQ's payment journal (`PaymentJournalQueries`) on `payment_journal_line`.
struct SQLitePaymentJournal: PaymentJournalQueries {
    let db: Database

    func insertUnlessUploaded(_ line: PaymentJournalLine) throws -> Bool { try line.insertUnlessUploaded(db) }
    func unposted() throws -> [PaymentJournalLine] { try PaymentJournalLine.unposted(db) }
    func markPosted(id: Int64, at date: Date) throws { try PaymentJournalLine.markPosted(db, id: id, at: date) }
    func markFailed(id: Int64, reason: String) throws { try PaymentJournalLine.markFailed(db, id: id, reason: reason) }
    func outcomes(invoices: [String]) throws -> [String: [HQPaymentOutcome]] {
        try PaymentJournalLine.outcomes(db, invoices: invoices)
    }
    func unpostedMinor(invoice: String) throws -> Int64 { try PaymentJournalLine.unpostedMinor(db, invoice: invoice) }
}
