import Foundation
import Logging
import RemitAMQP
import RemitCore
import RemitMessages
import RemitStore

/// A message that can never be handled as it is: undecodable, unknown type or version, invalid body.
public struct BadInput: Error, Sendable, CustomStringConvertible, ClassifiedFailure {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
    public var failureKind: FailureKind { .badInput(reason) }
}
