import Foundation
import GRDB
import RemitCore
import RemitStore

/// The collection letters the channel sent (`sent_letter`, `sent_letter_invoice`): written by e-mail
/// dispatch, read for the buyer's pages.
enum SQLiteSentLetters {
    static func registerMigration(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v10-sent-letters") { db in
            try db.create(table: "sent_letter") { t in
                t.primaryKey("letter_id", .text)
                t.column("customer_account", .text).notNull()
                t.column("level", .integer).notNull()
                t.column("title", .text).notNull()
                t.column("issued_on", .text).notNull()
                t.column("sent_at", .text).notNull()
            }
            try db.create(index: "sent_letter_by_account", on: "sent_letter", columns: ["customer_account", "sent_at"])
            try db.create(table: "sent_letter_invoice") { t in
                t.column("invoice_number", .text).notNull()
                t.column("letter_id", .text).notNull().references("sent_letter")
                t.primaryKey(["invoice_number", "letter_id"])
            }
        }
    }

    static func record(_ letter: SentLetter, _ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO sent_letter (letter_id, customer_account, level, title, issued_on, sent_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (letter_id) DO NOTHING
                """,
            arguments: [
                letter.letterId, letter.customerAccount, letter.level, letter.title, letter.issuedOn.description,
                Timestamp.format(letter.sentAt),
            ])
        for number in letter.invoiceNumbers {
            try db.execute(
                sql: "INSERT INTO sent_letter_invoice (invoice_number, letter_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                arguments: [number, letter.letterId])
        }
    }

    static func letters(invoices: [String], _ db: Database) throws -> [String: [SentLetter]] {
        guard !invoices.isEmpty else { return [:] }
        var found: [String: [SentLetter]] = [:]
        for start in stride(from: 0, to: invoices.count, by: 500) {
            let chunk = Array(invoices[start..<min(start + 500, invoices.count)])
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT i.invoice_number AS listed, l.* FROM sent_letter_invoice i JOIN sent_letter l ON l.letter_id = i.letter_id
                    WHERE i.invoice_number IN (\(databaseQuestionMarks(count: chunk.count)))
                    ORDER BY l.sent_at DESC, l.level DESC, l.letter_id
                    """, arguments: StatementArguments(chunk))
            for row in rows { found[row["listed"], default: []].append(try letter(row, invoices: [row["listed"]])) }
        }
        return found
    }

    static func letters(accounts: [String], limit: Int, _ db: Database) throws -> [SentLetter] {
        guard !accounts.isEmpty else { return [] }
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT * FROM sent_letter WHERE customer_account IN (\(databaseQuestionMarks(count: accounts.count)))
                ORDER BY sent_at DESC, level DESC, letter_id LIMIT ?
                """, arguments: StatementArguments(accounts) + [limit])
        return try rows.map { row in
            let id: String = row["letter_id"]
            return try letter(
                row,
                invoices: try String.fetchAll(
                    db, sql: "SELECT invoice_number FROM sent_letter_invoice WHERE letter_id = ? ORDER BY invoice_number", arguments: [id]))
        }
    }

    private static func letter(_ row: Row, invoices: [String]) throws -> SentLetter {
        let id: String = row["letter_id"]
        let stored = StoredRow(row, table: "sent_letter", key: id)
        return SentLetter(
            letterId: id, customerAccount: row["customer_account"], level: row["level"], title: row["title"],
            issuedOn: try stored.date("issued_on"), sentAt: try stored.timestamp("sent_at"), invoiceNumbers: invoices)
    }
}
