/// A part was given a transaction on another store than its own: a wiring mistake, not the data's.
public struct WrongStoreTransaction: Error, Sendable, CustomStringConvertible {
    public var expected: String
    public var given: String

    public init(expected: String, given: String) {
        self.expected = expected
        self.given = given
    }

    public var description: String { "expected a transaction on the \(expected), got \(given)" }
}
