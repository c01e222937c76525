/// A value read back from a store that is not what Remit writes there: the file was changed from
/// outside or damaged. Reading it is an error naming the table, row and column — never a silent
/// default (a 1970 date or "today" would be published to buyers as fact).
public struct CorruptStoredValue: Error, Sendable, CustomStringConvertible {
    public var table: String
    public var row: String
    public var column: String
    public var found: String
    public var expected: String

    public init(table: String, row: String, column: String, found: String, expected: String) {
        self.table = table
        self.row = row
        self.column = column
        self.found = found
        self.expected = expected
    }

    public var description: String {
        "\(table) row '\(row)': \(column) is '\(found.prefix(60))', expected \(expected) — the store holds a value Remit never writes"
    }
}
