import GRDB

/// A record that spells out the row it writes: its columns in a fixed order and its values in the
/// same order. Its `encode(to:)` (GRDB's `insert`) and `insertAll` (one prepared statement for many
/// rows) both write from these, so they cannot differ; `init(row:)` reads them back.
public protocol WrittenRow: StoredRecord {
    static var columns: [String] { get }
    var writtenValues: [(any DatabaseValueConvertible)?] { get }
}

extension WrittenRow {
    /// Inserts every record through one statement prepared once per connection: for bulk writes
    /// (`remit hq seed`), where building each insert anew cost more than SQLite's own work.
    public static func insertAll(_ records: some Sequence<Self>, _ db: Database) throws {
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO \(databaseTableName.quotedDatabaseIdentifier) \
                (\(columns.map(\.quotedDatabaseIdentifier).joined(separator: ", "))) \
                VALUES (\(Array(repeating: "?", count: columns.count).joined(separator: ", ")))
                """)
        for record in records {
            try statement.execute(arguments: StatementArguments(record.writtenValues))
        }
    }
}
