import Foundation

/// A dead-letter command that cannot go on; one line for the operator.
public struct DeadLetterError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
