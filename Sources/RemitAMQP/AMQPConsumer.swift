/// A running consumer: its deliveries, and the way to stop it.
public struct AMQPConsumer: Sendable {
    public let tag: String
    public let queue: String
    /// Ends normally after `cancel()`; ends with an `AMQPError` when the connection or consumer is lost.
    public let deliveries: DeliveryBuffer
    public let connection: AMQPConnection

    public func cancel() async throws {
        try await connection.cancel(consumerTag: tag)
    }
}
