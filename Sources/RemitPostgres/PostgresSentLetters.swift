import Foundation
import PostgresNIO
import RemitCore
import RemitStore

/// The collection letters the channel sent, on PostgreSQL (SQLite's `SQLiteSentLetters`).
enum PostgresSentLetters {
    /// The tables (SQLite's `v10-sent-letters`).
    static let migration = [
        """
        CREATE TABLE sent_letter (letter_id \(text) PRIMARY KEY, customer_account \(text) NOT NULL, level BIGINT NOT NULL,
            title \(text) NOT NULL, issued_on \(text) NOT NULL, sent_at \(text) NOT NULL)
        """,
        "CREATE INDEX sent_letter_by_account ON sent_letter (customer_account, sent_at)",
        """
        CREATE TABLE sent_letter_invoice (invoice_number \(text) NOT NULL, letter_id \(text) NOT NULL REFERENCES sent_letter,
            PRIMARY KEY (invoice_number, letter_id))
        """,
    ]
    private static let text = #"TEXT COLLATE "C""#

    static func record(_ letter: SentLetter, _ session: PostgresSession) throws {
        try session.execute(
            """
            INSERT INTO sent_letter (letter_id, customer_account, level, title, issued_on, sent_at)
            VALUES (\(letter.letterId), \(letter.customerAccount), \(Int64(letter.level)), \(letter.title), \(letter.issuedOn.description),
                \(Timestamp.format(letter.sentAt)))
            ON CONFLICT (letter_id) DO NOTHING
            """)
        for number in letter.invoiceNumbers {
            try session.execute(
                "INSERT INTO sent_letter_invoice (invoice_number, letter_id) VALUES (\(number), \(letter.letterId)) ON CONFLICT DO NOTHING")
        }
    }

    static func letters(invoices: [String], _ session: PostgresSession) throws -> [String: [SentLetter]] {
        guard !invoices.isEmpty else { return [:] }
        var found: [String: [SentLetter]] = [:]
        let rows = try session.rows(
            """
            SELECT i.invoice_number AS listed, l.* FROM sent_letter_invoice i JOIN sent_letter l ON l.letter_id = i.letter_id
            WHERE i.invoice_number = ANY(\(invoices)) ORDER BY l.sent_at DESC, l.level DESC, l.letter_id
            """)
        for row in rows {
            let listed = try row["listed"].decode(String.self)
            found[listed, default: []].append(try letter(row, invoices: [listed]))
        }
        return found
    }

    static func letters(accounts: [String], limit: Int, _ session: PostgresSession) throws -> [SentLetter] {
        guard !accounts.isEmpty else { return [] }
        let rows = try session.rows(
            """
            SELECT * FROM sent_letter WHERE customer_account = ANY(\(accounts)) ORDER BY sent_at DESC, level DESC, letter_id
            LIMIT \(Int64(limit))
            """)
        return try rows.map { row in
            let id = try row["letter_id"].decode(String.self)
            let invoices = try session.rows(
                "SELECT invoice_number FROM sent_letter_invoice WHERE letter_id = \(id) ORDER BY invoice_number"
            )
            .map { try $0["invoice_number"].decode(String.self) }
            return try letter(row, invoices: invoices)
        }
    }

    private static func letter(_ row: PostgresRandomAccessRow, invoices: [String]) throws -> SentLetter {
        let stored = PostgresStoredRow(row, table: "sent_letter", keyColumn: "letter_id")
        return SentLetter(
            letterId: try stored.string("letter_id"), customerAccount: try stored.string("customer_account"),
            level: try stored.int("level"),
            title: try stored.string("title"), issuedOn: try stored.date("issued_on"), sentAt: try stored.timestamp("sent_at"),
            invoiceNumbers: invoices)
    }
}
