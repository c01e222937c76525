import Logging
import RemitAMQP
import ServiceLifecycle

/// Publishes the portal's commands with publisher confirms on one long-lived connection, opened at
/// start and again on the next click or health check after it was lost. As a `Service` it connects
/// when the portal starts and closes the connection on graceful shutdown.
public actor BrokerCommandPublisher: CommandPublishing, Service {
    let amqp: AMQPConfiguration
    let logger: Logger
    private var connection: AMQPConnection?
    /// The connection being opened, which concurrent clicks wait for instead of opening their own.
    private var connecting: Task<AMQPConnection, any Error>?

    public init(amqp: AMQPConfiguration, logger: Logger) {
        self.amqp = amqp
        self.logger = logger
    }

    private func openConnection() async throws -> AMQPConnection {
        if let connection, connection.isOpen { return connection }
        connection = nil
        if let connecting { return try await connecting.value }
        let task = Task { [amqp, logger] in try await AMQPConnection.connect(amqp, logger: logger) }
        connecting = task
        defer { connecting = nil }
        let opened = try await task.value
        connection = opened
        return opened
    }

    public func publish(_ message: OutboundMessage) async throws {
        let connection = try await openConnection()
        do {
            try await connection.publish(message)
        } catch {
            // A lost connection is opened again by the next click; a nack or a return leaves it be.
            if !connection.isOpen, self.connection === connection { self.connection = nil }
            throw error
        }
    }

    public func isConnected() async -> Bool {
        (try? await openConnection()) != nil
    }

    public func run() async throws {
        do {
            _ = try await openConnection()
        } catch {
            logger.warning("the portal cannot reach the broker yet; it tries again on the next click", metadata: ["error": "\(error)"])
        }
        try? await gracefulShutdown()
        await connection?.close()
        connection = nil
    }
}
