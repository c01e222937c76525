import Foundation
import GRDB
import RemitCore
import RemitStore

/// HQ's collection policies and letters (`CollectionQueries`) on `collection_policy`,
/// `collection_level`, `customer.collection_policy`, `collection_letter` and `collection_letter_invoice`.
struct SQLiteCollection: CollectionQueries {
    let db: Database

    static func registerMigration(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v6-collection-letters") { db in
            try db.create(table: "collection_policy") { t in
                t.primaryKey("code", .text)
            }
            try db.create(table: "collection_level") { t in
                t.column("policy", .text).notNull().references("collection_policy", onDelete: .cascade)
                t.column("level", .integer).notNull().check { (0...9).contains($0) }
                t.column("title", .text).notNull()
                t.column("anchor", .text).notNull().check { ["due", "discount"].contains($0) }
                t.column("days", .integer).notNull().check { (-365...365).contains($0) }
                t.primaryKey(["policy", "level"])
            }
            // An account's policy; checked against collection_policy when it is set (SQLite cannot
            // add a column with both a foreign key and a default).
            try db.execute(sql: "ALTER TABLE customer ADD COLUMN collection_policy TEXT NOT NULL DEFAULT 'standard'")
            try db.create(table: "collection_letter") { t in
                t.primaryKey("letter_id", .text)
                t.column("customer_account", .text).notNull()
                t.column("level", .integer).notNull()
                t.column("title", .text).notNull()
                t.column("issued_on", .text).notNull()
                t.column("created_at", .text).notNull()
            }
            try db.create(index: "collection_letter_by_account", on: "collection_letter", columns: ["customer_account", "issued_on"])
            // Each level once per invoice: the key refuses a second letter of a level.
            try db.create(table: "collection_letter_invoice") { t in
                t.column("invoice_number", .text).notNull()
                t.column("level", .integer).notNull()
                t.column("letter_id", .text).notNull().references("collection_letter")
                t.primaryKey(["invoice_number", "level"])
            }
            try db.create(index: "collection_letter_invoice_by_letter", on: "collection_letter_invoice", columns: ["letter_id"])
            for policy in [CollectionPolicy.standard, CollectionPolicy.none] {
                try db.execute(sql: "INSERT INTO collection_policy (code) VALUES (?)", arguments: [policy.code])
                for level in policy.levels { try insert(level, policy: policy.code, db) }
            }
        }
    }

    private static func insert(_ level: CollectionLevel, policy: String, _ db: Database) throws {
        try db.execute(
            sql: "INSERT OR REPLACE INTO collection_level (policy, level, title, anchor, days) VALUES (?, ?, ?, ?, ?)",
            arguments: [policy, level.level, level.title, level.anchor.rawValue, level.days])
    }

    func policies() throws -> [CollectionPolicy] {
        var levels: [String: [CollectionLevel]] = [:]
        for code in try String.fetchAll(db, sql: "SELECT code FROM collection_policy ORDER BY code") { levels[code] = [] }
        for row in try Row.fetchAll(db, sql: "SELECT * FROM collection_level ORDER BY policy, level") {
            let policy: String = row["policy"]
            let stored = StoredRow(row, table: "collection_level", key: "\(policy)/\(row["level"] as Int)")
            levels[policy, default: []].append(
                CollectionLevel(
                    level: row["level"], title: row["title"], anchor: try stored.value("anchor", as: CollectionLevel.Anchor.self),
                    days: row["days"]))
        }
        return levels.keys.sorted().map { CollectionPolicy(code: $0, levels: levels[$0] ?? []) }
    }

    func accountCounts() throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT collection_policy, COUNT(*) AS n FROM customer GROUP BY collection_policy") {
            counts[row["collection_policy"]] = row["n"]
        }
        return counts
    }

    func policyCode(account: String) throws -> String? {
        try String.fetchOne(db, sql: "SELECT collection_policy FROM customer WHERE account = ?", arguments: [account])
    }

    func setPolicy(account: String, code: String) throws {
        guard try Bool.fetchOne(db, sql: "SELECT 1 FROM collection_policy WHERE code = ?", arguments: [code]) != nil else {
            throw CollectionSettingError("there is no collection policy '\(code.prefix(64))' (remit hq collection policies lists them)")
        }
        try db.execute(sql: "UPDATE customer SET collection_policy = ? WHERE account = ?", arguments: [code, account])
        guard db.changesCount == 1 else { throw CollectionSettingError("HQ has no customer account '\(account.prefix(64))'") }
    }

    func saveLevel(_ level: CollectionLevel, policy code: String) throws {
        if let problem = level.problem { throw CollectionSettingError(problem) }
        guard !code.isEmpty, code.count <= 64, code.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_".contains($0)) }) else {
            throw CollectionSettingError("a policy code is 1 to 64 letters, digits, - and _")
        }
        guard code != CollectionPolicy.none.code else { throw CollectionSettingError("policy 'none' is the opt-out: it has no levels") }
        try db.execute(sql: "INSERT OR IGNORE INTO collection_policy (code) VALUES (?)", arguments: [code])
        try Self.insert(level, policy: code, db)
    }

    func removeLevel(_ level: Int, policy code: String) throws {
        try db.execute(sql: "DELETE FROM collection_level WHERE policy = ? AND level = ?", arguments: [code, level])
        guard db.changesCount == 1 else { throw CollectionSettingError("policy '\(code.prefix(64))' has no level \(level)") }
    }

    func accountsWithLetters() throws -> [(customer: HQCustomer, policy: String)] {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT customer.*, customer.collection_policy AS letters_policy FROM customer
                WHERE EXISTS (SELECT 1 FROM collection_level WHERE policy = customer.collection_policy)
                ORDER BY account
                """)
        return try rows.map { (try HQCustomer(row: $0), $0["letters_policy"]) }
    }

    func openInvoices(account: String) throws -> [HQInvoice] {
        try HQInvoice.filter(literal: "customer_account = \(account) AND total_minor - settled_minor - discount_taken_minor > 0")
            .order(literal: "due_date, number").fetchAll(db)
    }

    func sentLevels(invoices: [String]) throws -> [String: Set<Int>] {
        var sent: [String: Set<Int>] = [:]
        for chunk in stride(from: 0, to: invoices.count, by: 500).map({ Array(invoices[$0..<min($0 + 500, invoices.count)]) }) {
            let rows = try Row.fetchAll(
                db,
                sql:
                    "SELECT invoice_number, level FROM collection_letter_invoice WHERE invoice_number IN (\(databaseQuestionMarks(count: chunk.count)))",
                arguments: StatementArguments(chunk))
            for row in rows { sent[row["invoice_number"], default: []].insert(row["level"]) }
        }
        return sent
    }

    func record(_ letter: HQCollectionLetter) throws {
        try db.execute(
            sql:
                "INSERT INTO collection_letter (letter_id, customer_account, level, title, issued_on, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [
                letter.letterId, letter.customerAccount, letter.level, letter.title, letter.issuedOn.description,
                Timestamp.format(letter.createdAt),
            ])
        for number in letter.invoiceNumbers {
            try db.execute(
                sql: "INSERT INTO collection_letter_invoice (invoice_number, level, letter_id) VALUES (?, ?, ?)",
                arguments: [number, letter.level, letter.letterId])
        }
    }

    func letters(account: String?, limit: Int) throws -> [HQCollectionLetter] {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT * FROM collection_letter WHERE (? IS NULL OR customer_account = ?)
                ORDER BY issued_on DESC, customer_account, level DESC, letter_id LIMIT ?
                """, arguments: [account, account, limit])
        return try rows.map { row in
            let id: String = row["letter_id"]
            let stored = StoredRow(row, table: "collection_letter", key: id)
            return HQCollectionLetter(
                letterId: id, customerAccount: row["customer_account"], level: row["level"], title: row["title"],
                issuedOn: try stored.date("issued_on"),
                invoiceNumbers: try String.fetchAll(
                    db, sql: "SELECT invoice_number FROM collection_letter_invoice WHERE letter_id = ? ORDER BY invoice_number",
                    arguments: [id]),
                createdAt: try stored.timestamp("created_at"))
        }
    }
}
