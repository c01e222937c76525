import Foundation
import PostgresNIO
import RemitCore
import RemitStore

/// The storefront's commands' queries (`StorefrontQueries`) on the channel store's tables.
///
/// On SQLite one writer at a time made every read-then-write rule safe. Here several hosts apply
/// commands at once, so in a write transaction (`locking`) the look-ups a command's rules rest on
/// lock their row until the commit (`FOR UPDATE`), in one order — user, customer, invoice:
/// - the user: every command of one buyer (cart adds of one invoice, two checkouts of one cart,
///   the open cart created once) runs after the other, seeing what it wrote;
/// - the customer: payments and orders on account against one credit limit;
/// - the invoice: two buyers paying one invoice at the same instant cannot both pay its open amount.
/// A deadlock between two such transactions (carts naming invoices in other orders) is 40P01, a busy
/// store: the worker retries the batch without spending the message's attempts.
struct PostgresStorefront: StorefrontQueries {
    let session: PostgresSession
    let locking: Bool

    private var lock: String { locking ? " FOR UPDATE" : "" }

    func user(login: String) throws -> ChannelUser? {
        try session.row("SELECT * FROM channel_user WHERE login = \(login)\(unescaped: lock)").map(ChannelUser.init(postgres:))
    }

    func customer(account: String) throws -> ChannelCustomer? {
        try session.row("SELECT * FROM channel_customer WHERE account = \(account)\(unescaped: lock)").map(ChannelCustomer.init(postgres:))
    }

    func invoice(number: String) throws -> ChannelInvoice? {
        try session.row("SELECT * FROM channel_invoice WHERE number = \(number)\(unescaped: lock)").map(ChannelInvoice.init(postgres:))
    }

    func product(sku: String) throws -> ChannelProduct? {
        try session.row("SELECT * FROM channel_product WHERE sku = \(sku)").map(ChannelProduct.init(postgres:))
    }

    func openCart(user: String) throws -> Cart? {
        try session.row("SELECT * FROM cart WHERE user_login = \(user) AND status = 'open'\(unescaped: lock)").map(Cart.init(postgres:))
    }

    func insert(_ cart: Cart) throws {
        try session.execute(
            """
            INSERT INTO cart (id, user_login, customer_account, status, created_at, updated_at, submitted_at, tender)
            VALUES (\(cart.id), \(cart.userLogin), \(cart.customerAccount), \(cart.status.rawValue), \(Timestamp.format(cart.createdAt)),
                \(Timestamp.format(cart.updatedAt)), \(cart.submittedAt.map(Timestamp.format)), \(cart.tender?.rawValue))
            """)
    }

    func touchCart(id: String, at date: Date) throws {
        try session.execute("UPDATE cart SET updated_at = \(Timestamp.format(date)) WHERE id = \(id)")
    }

    func submitCart(id: String, tender: Tender, at date: Date) throws {
        let at = Timestamp.format(date)
        try session.execute(
            "UPDATE cart SET status = 'submitted', submitted_at = \(at), updated_at = \(at), tender = \(tender.rawValue) WHERE id = \(id)")
    }

    func cartLines(cart: String) throws -> [CartLine] {
        try session.rows("SELECT * FROM cart_line WHERE cart_id = \(cart) ORDER BY position").map(CartLine.init(postgres:))
    }

    func cartLine(id: String, cart: String) throws -> CartLine? {
        try session.row("SELECT * FROM cart_line WHERE id = \(id) AND cart_id = \(cart)").map(CartLine.init(postgres:))
    }

    func insert(_ line: CartLine) throws {
        try session.execute(
            """
            INSERT INTO cart_line (id, cart_id, position, kind, invoice_number, sku, description, quantity, unit_price_minor,
                amount_minor, currency)
            VALUES (\(line.id), \(line.cartId), \(Int64(line.position)), \(line.kind.rawValue), \(line.invoiceNumber), \(line.sku),
                \(line.description), \(Int64(line.quantity)), \(line.unitPrice.minorUnits), \(line.amount.minorUnits),
                \(line.amount.currency.code))
            """)
    }

    func setCartLineAmount(id: String, quantity: Int, amount: Money) throws {
        try session.execute("UPDATE cart_line SET quantity = \(Int64(quantity)), amount_minor = \(amount.minorUnits) WHERE id = \(id)")
    }

    func removeCartLine(id: String) throws { try session.execute("DELETE FROM cart_line WHERE id = \(id)") }

    func transaction(id: String) throws -> ChannelTransaction? {
        try session.row("SELECT * FROM channel_transaction WHERE id = \(id)").map(ChannelTransaction.init(postgres:))
    }

    // ON CONFLICT DO NOTHING: a payment recorded by two hosts at once is recorded once, and the
    // second learns it was not new (the first's commit decides; the second waits for it).
    func record(_ transaction: ChannelTransaction) throws -> Bool {
        let lines = transaction.lines.isEmpty ? nil : String(decoding: try JSONEncoder().encode(transaction.lines), as: UTF8.self)
        return try session.execute(
            """
            INSERT INTO channel_transaction (id, kind, customer_account, user_login, invoice_number, amount_minor, currency, tender,
                lines, created_at)
            VALUES (\(transaction.id), \(transaction.kind.rawValue), \(transaction.customerAccount), \(transaction.userLogin),
                \(transaction.invoiceNumber), \(transaction.amount.minorUnits), \(transaction.amount.currency.code), \(transaction.tender),
                \(lines), \(Timestamp.format(transaction.createdAt)))
            ON CONFLICT (id) DO NOTHING
            """) > 0
    }

    func request(id: String) throws -> B2BRequest? {
        try PostgresRequests(session: session).find(id)
    }

    func recentRequest(user: String, invoice: String, since: Date) throws -> B2BRequest? {
        try PostgresRequests(session: session).recent(user: user, invoice: invoice, since: since)
    }

    func recordRepeat(requestId: String, at date: Date) throws {
        try PostgresRequests(session: session).recordRepeat(requestId, at: date)
    }

    func record(_ request: B2BRequest) throws -> Bool { try PostgresRequests(session: session).record(request) }

    func applyRequestChange(requestId: String, status: B2BRequest.Status, detail: String?, at date: Date) throws {
        try PostgresRequests(session: session).applyChange(requestId, status: status, detail: detail, at: date)
    }

    // Locked: e-mail dispatch reads the entry and then saves it. Two hosts handling copies of one
    // e-mail at once would otherwise both read "sending" and the later save put the entry back to
    // "sending" after the other had recorded it "sent" (seen in scripts/scale-out). Waiting for the
    // lock, the second reads what the first committed.
    func ledgerEntry(requestId: String) throws -> EmailLedgerEntry? {
        try session.row("SELECT * FROM email_ledger WHERE request_id = \(requestId) FOR UPDATE").map(EmailLedgerEntry.init(postgres:))
    }

    // An upsert, as SQLite's `save` (insert or replace the entry of its request); ON CONFLICT makes
    // two hosts saving the first entry of one request at once one insert and one update.
    func save(_ entry: EmailLedgerEntry) throws {
        try session.execute(
            """
            INSERT INTO email_ledger (request_id, message_id, recipient, status, attempts, detail, created_at, updated_at)
            VALUES (\(entry.requestId), \(entry.messageId), \(entry.recipient), \(entry.status.rawValue), \(Int64(entry.attempts)),
                \(entry.detail), \(Timestamp.format(entry.createdAt)), \(Timestamp.format(entry.updatedAt)))
            ON CONFLICT (request_id) DO UPDATE SET message_id = excluded.message_id, recipient = excluded.recipient,
                status = excluded.status, attempts = excluded.attempts, detail = excluded.detail, created_at = excluded.created_at,
                updated_at = excluded.updated_at
            """)
    }

    func record(_ letter: SentLetter) throws { try PostgresSentLetters.record(letter, session) }

    func record(_ outcome: CommandOutcome) throws {
        try session.execute(
            """
            INSERT INTO command_outcome (message_id, type, user_login, correlation_id, outcome, code, reason, payment_id, request_id,
                line_id, at)
            VALUES (\(outcome.messageId), \(outcome.type), \(outcome.userLogin), \(outcome.correlationId), \(outcome.outcome.rawValue),
                \(outcome.code), \(outcome.reason), \(outcome.paymentId), \(outcome.requestId), \(outcome.lineId),
                \(Timestamp.format(outcome.at)))
            """)
    }

    func outcome(messageId: String) throws -> CommandOutcome? {
        try session.row("SELECT * FROM command_outcome WHERE message_id = \(messageId)").map(CommandOutcome.init(postgres:))
    }

    func record(_ smoke: SmokeRecordEntry) throws -> Int64 {
        let row = try session.row(
            """
            INSERT INTO smoke_record (key, amount_minor, currency, message_id, recorded_at)
            VALUES (\(smoke.key), \(smoke.amountMinor), \(smoke.currency.code), \(smoke.messageId), \(Timestamp.format(smoke.recordedAt)))
            RETURNING id
            """)
        return try row?[0].decode(Int64.self) ?? 0
    }

    func smokeKeys(after id: Int64) throws -> [(id: Int64, key: String)] {
        try session.rows("SELECT id, key FROM smoke_record WHERE id > \(id) ORDER BY id").map {
            (try $0[0].decode(Int64.self), try $0[1].decode(String.self))
        }
    }
}
