import Foundation
import GRDB
import RemitStore
import RemitCore
import RemitMessages

/// A record of one of Remit's tables: columns are the snake_case of its properties and times are
/// ISO 8601 text (`Timestamp.format`), like every table of both stores.
///
/// Records decode rows in their own `init(row:)` through `StoredRow`, so a value Remit never writes
/// throws `CorruptStoredValue` naming the table, row and column (the worker pauses on it) rather
/// than a `DecodingError` (which the worker reads as a bad message).
public protocol StoredRecord: Codable, FetchableRecord, PersistableRecord {}

extension StoredRecord {
    public static var databaseColumnEncodingStrategy: DatabaseColumnEncodingStrategy { SnakeCaseColumns.strategy }
    public static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy {
        .custom { Timestamp.format($0) }
    }

    /// The row whose primary key is `key`, like GRDB's `fetchOne(_:key:)` but through a statement
    /// prepared once per connection (`cachedStatement`): the handlers' look-ups run for every message,
    /// and building and preparing the query each time was a third of the payment-posting worker's
    /// CPU (issue #10).
    public static func fetchOne(_ db: Database, primaryKey key: some DatabaseValueConvertible) throws -> Self? {
        let columns = try db.primaryKey(databaseTableName).columns  // from GRDB's schema cache
        guard columns.count == 1 else { return try fetchOne(db, key: key) }
        let statement = try db.cachedStatement(
            sql: "SELECT * FROM \(databaseTableName.quotedDatabaseIdentifier) WHERE \(columns[0].quotedDatabaseIdentifier) = ?")
        return try fetchOne(statement, arguments: [key])
    }

    /// Inserts the record unless a row with the same value in `key` exists (a redelivered upload, a
    /// retried step); returns whether it was inserted. Any other constraint still throws.
    @discardableResult
    func insertUnlessKnown(_ db: Database, key: Column) throws -> Bool {
        try insertUnlessKnown(db, keys: [key])
    }

    /// Inserts the record unless a row with the same values in `keys` (a unique index) exists.
    @discardableResult
    func insertUnlessKnown(_ db: Database, keys: [Column]) throws -> Bool {
        // Sorted, so the statement text (and the cached statement) is the same for every row.
        let values = try databaseDictionary.sorted { $0.key < $1.key }
        let columns = values.map { $0.key.quotedDatabaseIdentifier }.joined(separator: ", ")
        let placeholders = Array(repeating: "?", count: values.count).joined(separator: ", ")
        try db.cachedStatement(
            sql: """
                INSERT INTO \(Self.databaseTableName.quotedDatabaseIdentifier) (\(columns)) VALUES (\(placeholders))
                ON CONFLICT(\(keys.map(\.name.quotedDatabaseIdentifier).joined(separator: ", "))) DO NOTHING
                """
        ).execute(arguments: StatementArguments(values.map(\.value)))
        return db.changesCount > 0
    }

    /// Inserts the record, or overwrites `updating` of the row with the same `key` when the record's
    /// `newerBy` value is not older than the stored one: a redelivered older snapshot changes
    /// nothing. Returns whether a row was written.
    @discardableResult
    func upsertUnlessOlder(_ db: Database, key: Column, updating: [Column], newerBy: Column) throws -> Bool {
        let values = try databaseDictionary.sorted { $0.key < $1.key }
        let table = Self.databaseTableName.quotedDatabaseIdentifier
        let columns = values.map { $0.key.quotedDatabaseIdentifier }.joined(separator: ", ")
        let placeholders = Array(repeating: "?", count: values.count).joined(separator: ", ")
        let assignments = updating.map { "\($0.name.quotedDatabaseIdentifier) = excluded.\($0.name.quotedDatabaseIdentifier)" }
            .joined(separator: ", ")
        let newer = newerBy.name.quotedDatabaseIdentifier
        try db.cachedStatement(
            sql: """
                INSERT INTO \(table) (\(columns)) VALUES (\(placeholders))
                ON CONFLICT(\(key.name.quotedDatabaseIdentifier)) DO UPDATE SET \(assignments)
                WHERE excluded.\(newer) >= \(table).\(newer)
                """
        ).execute(arguments: StatementArguments(values.map(\.value)))
        return db.changesCount > 0
    }
}

extension StoredRow {
    /// Integer minor units of `currency` from an integer column.
    public func money(_ column: String, currency: Currency) -> Money {
        Money(minorUnits: row[column], currency: currency)
    }
}
