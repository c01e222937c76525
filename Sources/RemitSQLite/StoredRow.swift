import Foundation
import GRDB
import RemitStore
import RemitCore
import RemitMessages

/// Typed reads of the text columns Remit stores timestamps, dates and enumerations in.
public struct StoredRow {
    public let row: Row
    public let table: String
    public let key: String

    public init(_ row: Row, table: String, key: String) {
        self.row = row
        self.table = table
        self.key = key
    }

    private func text(_ column: String) -> String? {
        row[column] as String?
    }

    private func corrupt(_ column: String, expected: String) -> CorruptStoredValue {
        CorruptStoredValue(table: table, row: key, column: column, found: text(column) ?? "NULL", expected: expected)
    }

    /// An ISO 8601 timestamp column (`Timestamp.format`).
    public func timestamp(_ column: String) throws -> Date {
        guard let value = text(column), let date = Timestamp.parse(value) else {
            throw corrupt(column, expected: "an ISO 8601 timestamp")
        }
        return date
    }

    /// An ISO 8601 timestamp column that may be NULL.
    public func optionalTimestamp(_ column: String) throws -> Date? {
        guard text(column) != nil else { return nil }
        return try timestamp(column)
    }

    /// A `YYYY-MM-DD` column.
    public func date(_ column: String) throws -> CalendarDate {
        guard let value = text(column), let date = CalendarDate(value) else {
            throw corrupt(column, expected: "a date YYYY-MM-DD")
        }
        return date
    }

    /// A `YYYY-MM-DD` column that may be NULL.
    public func optionalDate(_ column: String) throws -> CalendarDate? {
        guard text(column) != nil else { return nil }
        return try date(column)
    }

    /// A column holding one of an enumeration's raw values.
    public func value<Value: RawRepresentable>(_ column: String, as type: Value.Type) throws -> Value
    where Value.RawValue == String {
        guard let raw = text(column), let value = Value(rawValue: raw) else {
            throw corrupt(column, expected: "a known \(Value.self)")
        }
        return value
    }

    /// A currency column.
    public func currency(_ column: String = "currency") throws -> Currency {
        guard let code = text(column), let currency = try? Currency(code) else {
            throw corrupt(column, expected: "an ISO 4217 currency code")
        }
        return currency
    }
}
