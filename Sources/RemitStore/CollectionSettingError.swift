import Foundation

/// A collection setting that cannot be made: the account or policy is unknown, or the level is refused.
public struct CollectionSettingError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
