import Foundation
import RemitAMQP
import RemitCore
import RemitMessages

public struct ManagementError: Error, Sendable, CustomStringConvertible {
    public var operation: String
    public var url: String
    public var detail: String
    public var description: String { "RabbitMQ management API \(url): \(operation) failed: \(detail)" }
}
