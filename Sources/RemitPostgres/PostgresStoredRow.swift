import Foundation
import PostgresNIO
import RemitCore
import RemitStore

/// Typed reads of a row of one of Remit's tables, like SQLite's `StoredRow`: a text column holding a
/// value Remit never writes throws `CorruptStoredValue` naming the table, row and column (the
/// worker pauses on it) rather than a decoding error.
struct PostgresStoredRow {
    let row: PostgresRandomAccessRow
    let table: String
    let key: String

    init(_ row: PostgresRandomAccessRow, table: String, keyColumn: String) {
        self.row = row
        self.table = table
        key = (try? row[keyColumn].decode(String?.self)).flatMap { $0 } ?? (try? row[keyColumn].decode(Int64.self)).map(String.init) ?? ""
    }

    func string(_ column: String) throws -> String { try row[column].decode(String.self) }
    func optionalString(_ column: String) throws -> String? { try row[column].decode(String?.self) }
    func int64(_ column: String) throws -> Int64 { try row[column].decode(Int64.self) }
    func int(_ column: String) throws -> Int { Int(try row[column].decode(Int64.self)) }
    func bool(_ column: String) throws -> Bool { try row[column].decode(Bool.self) }
    func data(_ column: String) throws -> Data { try row[column].decode(Data.self) }

    private func corrupt(_ column: String, expected: String) -> CorruptStoredValue {
        CorruptStoredValue(
            table: table, row: key, column: column, found: ((try? optionalString(column)) ?? nil) ?? "NULL", expected: expected)
    }

    /// An ISO 8601 timestamp column (`Timestamp.format`).
    func timestamp(_ column: String) throws -> Date {
        guard let value = try optionalString(column), let date = Timestamp.parse(value) else {
            throw corrupt(column, expected: "an ISO 8601 timestamp")
        }
        return date
    }

    func optionalTimestamp(_ column: String) throws -> Date? {
        guard try optionalString(column) != nil else { return nil }
        return try timestamp(column)
    }

    /// A `YYYY-MM-DD` column.
    func date(_ column: String) throws -> CalendarDate {
        guard let value = try optionalString(column), let date = CalendarDate(value) else {
            throw corrupt(column, expected: "a date YYYY-MM-DD")
        }
        return date
    }

    func optionalDate(_ column: String) throws -> CalendarDate? {
        guard try optionalString(column) != nil else { return nil }
        return try date(column)
    }

    /// A column holding one of an enumeration's raw values.
    func value<Value: RawRepresentable>(_ column: String, as type: Value.Type) throws -> Value where Value.RawValue == String {
        guard let raw = try optionalString(column), let value = Value(rawValue: raw) else {
            throw corrupt(column, expected: "a known \(Value.self)")
        }
        return value
    }

    func currency(_ column: String = "currency") throws -> Currency {
        guard let code = try optionalString(column), let currency = try? Currency(code) else {
            throw corrupt(column, expected: "an ISO 4217 currency code")
        }
        return currency
    }

    /// Integer minor units of `currency`.
    func money(_ column: String, currency: Currency) throws -> Money {
        Money(minorUnits: try int64(column), currency: currency)
    }
}
