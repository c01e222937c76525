import Foundation
import Logging
import Synchronization

/// One connection to RabbitMQ, owned by a dedicated thread that makes every rabbitmq-c call.
/// Async methods post work to that thread and resume when it is done; deliveries arrive as an
/// `AsyncThrowingStream`, which the broker bounds by the consumer's prefetch.
///
/// Use `AMQPConnection.withConnection` so the connection is always closed.
public final class AMQPConnection: Sendable {
    public let configuration: AMQPConfiguration
    private let mailbox: Mailbox
    private let status = Mutex(Status())

    private struct Status {
        var isClosed = false
        var reason: AMQPError?
        var socket: Int32 = -1
        var blockedReason: String?
    }

    /// Set once by the owning thread after login, before `connect` returns.
    private let serverPropertiesAtLogin = Mutex<AMQPTable>([:])

    private init(configuration: AMQPConfiguration, mailbox: Mailbox) {
        self.configuration = configuration
        self.mailbox = mailbox
    }

    /// Connects, logs in and opens the channels; throws a clear `AMQPError` when it cannot. With
    /// several nodes (a cluster), tries each in turn until one takes the connection; the
    /// connection's `configuration` is then that node's. A refusal no node would answer otherwise
    /// (credentials, vhost, permissions, TLS set-up) ends the tries at once.
    public static func connect(_ configuration: AMQPConfiguration, logger: Logger) async throws -> AMQPConnection {
        let endpoints = configuration.endpoints
        guard endpoints.count > 1 else { return try await connect(node: configuration, logger: logger) }
        var failures: [String] = []
        for (index, endpoint) in endpoints.enumerated() {
            do {
                return try await connect(node: configuration.at(endpoint), logger: logger)
            } catch let error as AMQPError where !error.isPermanent && index < endpoints.count - 1 {
                failures.append("\(endpoint): \(error.code)")
                logger.notice(
                    "AMQP node unavailable; trying the next", metadata: ["node": "\(endpoint)", "error": "\(error.code)"])
            } catch let error as AMQPError where !error.isPermanent {
                failures.append("\(endpoint): \(error.code)")
                throw AMQPError(
                    error.code, operation: error.operation, host: error.host, port: error.port, vhost: error.vhost,
                    detail: "no node took the connection (\(failures.joined(separator: "; ")))", isTLS: error.isTLS)
            }
        }
        preconditionFailure("the loop returns or throws")
    }

    private static func connect(node configuration: AMQPConfiguration, logger: Logger) async throws -> AMQPConnection {
        guard let mailbox = Mailbox() else {
            throw AMQPError(
                .protocolError, operation: "connect", host: configuration.host, port: configuration.port,
                vhost: configuration.vhost, detail: "cannot create an eventfd (out of file descriptors?)",
                isTLS: configuration.tls != nil)
        }
        let connection = AMQPConnection(configuration: configuration, mailbox: mailbox)
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            let thread = Thread { [connection] in
                let core = ConnectionCore(
                    configuration: configuration, logger: logger, mailbox: mailbox,
                    onEvent: { event in
                        connection.status.withLock { status in
                            switch event {
                            case .connected(let socket): status.socket = socket
                            case .blocked(let reason): status.blockedReason = reason
                            case .unblocked: status.blockedReason = nil
                            }
                        }
                    },
                    onClose: { reason in
                        connection.status.withLock { status in
                            status.isClosed = true
                            status.reason = reason
                            status.socket = -1
                        }
                    })
                do {
                    try core.connect()
                } catch {
                    core.shutdown(error as? AMQPError)
                    continuation.resume(throwing: error)
                    return
                }
                let serverProperties = core.serverProperties
                connection.serverPropertiesAtLogin.withLock { $0 = serverProperties }
                logger.debug("AMQP connected", metadata: ["amqp": "\(configuration)"])
                continuation.resume()
                core.run()
            }
            thread.name = "remit-amqp"
            thread.start()
        }
        return connection
    }

    /// Runs `body` with a connection and closes it afterwards, whether `body` returns or throws.
    public static func withConnection<Result: Sendable>(
        _ configuration: AMQPConfiguration, logger: Logger,
        _ body: (AMQPConnection) async throws -> Result
    ) async throws -> Result {
        let connection = try await connect(configuration, logger: logger)
        do {
            let result = try await body(connection)
            await connection.close()
            return result
        } catch {
            await connection.close()
            throw error
        }
    }

    /// What the broker said about itself when we connected: `product`, `version`, `cluster_name`,
    /// `capabilities`. Tells which broker this connection reached.
    public var serverProperties: AMQPTable { serverPropertiesAtLogin.withLock { $0 } }

    /// False once the connection was closed or lost.
    public var isOpen: Bool { !status.withLock { $0.isClosed } }

    /// Why the connection ended, when it was lost rather than closed by us.
    public var closeReason: AMQPError? { status.withLock { $0.reason } }

    /// The broker's reason while it blocks this connection (a memory or disk alarm); nil otherwise.
    public var blockedReason: String? { status.withLock { $0.blockedReason } }

    /// Drops the connection from any thread, even while its owning thread is stuck in a blocking
    /// rabbitmq-c call: shutting the socket down makes that call fail, which ends the connection —
    /// waiting publishes fail, consumers' streams end, and unacked deliveries go back to the queue.
    public func abandon() {
        status.withLock { status in
            // Under the lock the owner cannot close the socket (and free its number) meanwhile.
            if !status.isClosed, status.socket >= 0 { _ = shutdown(status.socket, Int32(SHUT_RDWR)) }
        }
        mailbox.wake()
    }

    /// Closes the connection and returns when it is closed; consumers' streams finish, unconfirmed
    /// publishes fail.
    public func close() async {
        _ = try? await perform { core in core.shutdown(nil) }
    }

    private func closedError(_ operation: String) -> AMQPError {
        closeReason
            ?? AMQPError(
                .connectionClosed, operation: operation, host: configuration.host,
                port: configuration.port, vhost: configuration.vhost,
                detail: "the connection is closed", isTLS: configuration.tls != nil)
    }

    /// Runs `body` on the owning thread.
    private func perform<T: Sendable>(
        _ operation: String = "use connection",
        _ body: @escaping @Sendable (ConnectionCore) throws -> T
    ) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
            let accepted = mailbox.post { core in
                do {
                    continuation.resume(returning: try body(core))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            if !accepted { continuation.resume(throwing: closedError(operation)) }
        }
    }

    // MARK: publishing

    /// Publishes one message and waits for the broker's confirm.
    public func publish(_ message: OutboundMessage) async throws {
        try await publish([message])
    }

    /// Publishes messages back to back and waits for all their confirms (pipelined, not one round
    /// trip each). Throws the first failure: nacked, returned as unroutable, or connection lost;
    /// after a failure, treat every message of the batch as possibly unpublished.
    public func publish(_ messages: [OutboundMessage]) async throws {
        guard !messages.isEmpty else { return }
        let failure: AMQPError? = try await withCheckedThrowingContinuation { continuation in
            let accepted = mailbox.post { core in
                core.publish(messages) { error in continuation.resume(returning: error) }
            }
            if !accepted { continuation.resume(throwing: closedError("publish")) }
        }
        if let failure { throw failure }
    }

    // MARK: consuming

    /// Starts a consumer with manual acknowledgements and the given prefetch.
    public func consume(queue: String, prefetch: UInt16, consumerTag: String? = nil) async throws -> AMQPConsumer {
        let buffer = DeliveryBuffer()
        let tag = try await perform("consume from queue '\(queue)'") { core in
            try core.consume(queue: queue, prefetch: prefetch, consumerTag: consumerTag, buffer: buffer)
        }
        return AMQPConsumer(tag: tag, queue: queue, deliveries: buffer, connection: self)
    }

    /// Stops a consumer; deliveries already sent to us still come through its stream, then it ends.
    public func cancel(consumerTag: String) async throws {
        try await perform { core in try core.cancel(consumerTag: consumerTag) }
    }

    public func ack(_ deliveryTag: UInt64, multiple: Bool = false) async throws {
        try await perform { core in try core.acknowledge(deliveryTag, multiple: multiple) }
    }

    /// Acks without waiting for the connection's thread to send it, so the caller goes on at once
    /// (one thread hop less a batch; at a steady trickle every message is a batch). The ack goes out
    /// before anything posted after it, a `close()` included. Throws only when the connection is
    /// closed already; when the send itself fails, the connection shuts down with that error and its
    /// consumers' streams end with it, so the unacked deliveries come back.
    public func ackWithoutWaiting(_ deliveryTag: UInt64, multiple: Bool = false) throws {
        let accepted = mailbox.post { core in
            do {
                try core.acknowledge(deliveryTag, multiple: multiple)
            } catch {
                core.shutdown(error as? AMQPError)
            }
        }
        if !accepted { throw closedError("ack") }
    }

    public func nack(_ deliveryTag: UInt64, multiple: Bool = false, requeue: Bool) async throws {
        try await perform { core in try core.negativeAcknowledge(deliveryTag, multiple: multiple, requeue: requeue) }
    }

    public func reject(_ deliveryTag: UInt64, requeue: Bool) async throws {
        try await perform { core in try core.reject(deliveryTag, requeue: requeue) }
    }

    // MARK: declarations

    public func declare(_ exchange: ExchangeDeclaration) async throws {
        try await perform { core in try core.declare(exchange: exchange, passive: false) }
    }

    @discardableResult
    public func declare(_ queue: QueueDeclaration) async throws -> QueueState {
        try await perform { core in try core.declare(queue: queue, passive: false) }
    }

    /// The queue's message and consumer counts; throws `.notFound` when it does not exist.
    public func inspectQueue(_ name: String) async throws -> QueueState {
        try await perform { core in try core.declare(queue: QueueDeclaration(name: name), passive: true) }
    }

    public func bind(queue: String, exchange: String, routingKey: String, arguments: AMQPTable = [:]) async throws {
        try await perform { core in
            try core.bind(queue: queue, exchange: exchange, routingKey: routingKey, arguments: arguments)
        }
    }

    @discardableResult
    public func deleteQueue(_ name: String) async throws -> Int {
        try await perform { core in try core.delete(queue: name) }
    }
}
