import Foundation
import GRDB
import RemitStore

/// What channel-updates writes (`ChannelUpdateQueries`) on the channel store's tables.
struct SQLiteChannelUpdates: ChannelUpdateQueries {
    let db: Database

    func storeIfNewer(_ invoice: ChannelInvoice) throws -> Bool { try invoice.upsertIfNewer(db) }

    func replaceDetail(_ update: InvoiceDetailUpdate) throws {
        try ChannelInvoiceDetail.replace(
            db, invoice: update.invoice, lines: update.lines, settlements: update.settlements, linesFrom: update.linesFrom,
            lineCount: update.lineCount, settlementsFrom: update.settlementsFrom, settlementCount: update.settlementCount)
    }

    func applyHQOutcome(paymentId: String, posted: Bool, reason: String?) throws {
        try ChannelTransaction.applyHQOutcome(db, paymentId: paymentId, posted: posted, reason: reason)
    }

    func storeIfNewer(_ customer: ChannelCustomer) throws -> Bool { try customer.upsertIfNewer(db) }

    func replaceUsers(ofCustomer account: String, with users: [ChannelUser]) throws {
        try ChannelUser.replace(db, ofCustomer: account, with: users)
    }

    func storeIfNewer(_ product: ChannelProduct) throws -> Bool { try product.upsertIfNewer(db) }

    func applyRequestChange(requestId: String, status: B2BRequest.Status, detail: String?, at date: Date) throws {
        try B2BRequest.applyChange(db, requestId: requestId, status: status, detail: detail, at: date)
    }
}
