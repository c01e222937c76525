import Foundation
import Logging
import Metrics
import RemitAMQP
import RemitClient
import RemitCore
import RemitMessages
import RemitStore
import Synchronization

/// The broker refused a worker at start-up for good; it names the kind and the broker's reason.
public struct WorkerStartError: Error, Sendable, CustomStringConvertible {
    public var kind: String
    public var reason: AMQPError
    public var description: String { "worker kind '\(kind)' cannot start: \(reason)" }
}
