import Logging
import RemitAMQP
import ServiceLifecycle

/// Where the portal's commands go. A click counts as sent only when `publish` returns: the broker
/// confirmed it.
public protocol CommandPublishing: Sendable {
    /// Publishes `message` and returns once the broker confirmed it; throws when it did not.
    func publish(_ message: OutboundMessage) async throws
    /// Whether the broker answers now (connecting when the connection was lost).
    func isConnected() async -> Bool
}
