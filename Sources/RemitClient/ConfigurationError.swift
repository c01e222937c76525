import Foundation
import RemitAMQP
import RemitCore
import RemitMessages

public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
