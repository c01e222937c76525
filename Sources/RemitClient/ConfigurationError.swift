/// Configuration Remit cannot run with, naming the key or file and what is wrong; `code` says which
/// kind of mistake it is, for callers that treat them differently.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// The config file could not be read.
        case unreadableFile
        /// A config file line that is not `key = value`.
        case malformedLine
        /// A key Remit does not know.
        case unknownKey
        /// A value out of range or of the wrong shape.
        case invalidValue
        /// A value of the configuration names something the rest does not know (a job, a kind).
        case unknownName
    }

    public var code: Code
    public var description: String

    public init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }
}
