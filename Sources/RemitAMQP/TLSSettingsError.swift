import Foundation

/// A TLS setting that cannot be used, in one sentence (never holding a password).
public struct TLSSettingsError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
