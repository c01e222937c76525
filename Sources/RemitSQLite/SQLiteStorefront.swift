import Foundation
import GRDB
import RemitCore
import RemitStore

/// The storefront's commands' queries (`StorefrontQueries`) on the channel store's tables.
struct SQLiteStorefront: StorefrontQueries {
    let db: Database

    func user(login: String) throws -> ChannelUser? { try ChannelUser.find(db, login: login) }
    func customer(account: String) throws -> ChannelCustomer? { try ChannelCustomer.find(db, account: account) }
    func invoice(number: String) throws -> ChannelInvoice? { try ChannelInvoice.find(db, number: number) }
    func product(sku: String) throws -> ChannelProduct? { try ChannelProduct.find(db, sku: sku) }

    func openCart(user: String) throws -> Cart? { try Cart.open(db, user: user) }
    func insert(_ cart: Cart) throws { try cart.insert(db) }
    func touchCart(id: String, at date: Date) throws { try Cart.touch(db, id: id, at: date) }
    func submitCart(id: String, tender: Tender, at date: Date) throws { try Cart.submit(db, id: id, tender: tender, at: date) }
    func cartLines(cart: String) throws -> [CartLine] { try CartLine.lines(db, cart: cart) }
    func cartLine(id: String, cart: String) throws -> CartLine? { try CartLine.find(db, id: id, cart: cart) }
    func insert(_ line: CartLine) throws { try line.insert(db) }
    func setCartLineAmount(id: String, quantity: Int, amount: Money) throws {
        try CartLine.setAmount(db, id: id, quantity: quantity, amount: amount)
    }
    func removeCartLine(id: String) throws { try CartLine.remove(db, id: id) }

    func transaction(id: String) throws -> ChannelTransaction? { try ChannelTransaction.find(db, id: id) }
    func record(_ transaction: ChannelTransaction) throws -> Bool { try transaction.record(db) }

    func request(id: String) throws -> B2BRequest? { try B2BRequest.find(db, requestId: id) }
    func recentRequest(user: String, invoice: String, since: Date) throws -> B2BRequest? {
        try B2BRequest.recent(db, user: user, invoice: invoice, since: since)
    }
    func recordRepeat(requestId: String, at date: Date) throws { try B2BRequest.recordRepeat(db, requestId: requestId, at: date) }
    func record(_ request: B2BRequest) throws -> Bool { try request.record(db) }
    func applyRequestChange(requestId: String, status: B2BRequest.Status, detail: String?, at date: Date) throws {
        try B2BRequest.applyChange(db, requestId: requestId, status: status, detail: detail, at: date)
    }

    func ledgerEntry(requestId: String) throws -> EmailLedgerEntry? { try EmailLedgerEntry.find(db, requestId: requestId) }
    func save(_ entry: EmailLedgerEntry) throws { try entry.save(db) }
    func record(_ letter: SentLetter) throws { try SQLiteSentLetters.record(letter, db) }

    func record(_ outcome: CommandOutcome) throws { try outcome.insert(db) }
    func outcome(messageId: String) throws -> CommandOutcome? { try CommandOutcome.find(db, messageId: messageId) }

    func record(_ smoke: SmokeRecordEntry) throws -> Int64 { try smoke.record(db) }
    func smokeKeys(after id: Int64) throws -> [(id: Int64, key: String)] {
        try Row.fetchAll(
            db.cachedStatement(sql: "SELECT id, key FROM smoke_record WHERE id > ? ORDER BY id"), arguments: [id]
        ).map { ($0[0], $0[1]) }
    }
}
