import Foundation
import Logging
import RemitAMQP
import RemitClient
import RemitCore
import Synchronization

/// Listens on this process's control queue and applies scale requests to its runtimes. Reconnects
/// with backoff while the process runs; a malformed request is answered with the reason (when it
/// has a `reply_to`) and changes nothing.
public final class ScaleListener: Sendable {
    let runtimes: [WorkerRuntime]
    let amqp: AMQPConfiguration
    /// The host this process stands for, in its control queue's name and its replies.
    let host: ProcessHost
    let logger: Logger
    private let state = Mutex<(stopped: Bool, consumer: AMQPConsumer?)>((false, nil))

    public init(runtimes: [WorkerRuntime], amqp: AMQPConfiguration, host: ProcessHost = .local, logger: Logger) {
        self.runtimes = runtimes
        self.host = host
        self.amqp = amqp
        var logger = logger
        logger[metadataKey: "component"] = "scale-listener"
        self.logger = logger
    }

    var queueName: String { host.controlQueue }

    /// How long to wait before connecting again after the broker was lost.
    static let reconnect = Backoff(initial: .milliseconds(200), maximum: .seconds(10))

    /// Runs until `stop()`.
    public func run() async {
        var failures = 0
        while !state.withLock({ $0.stopped }), !Task.isCancelled {
            do {
                try await AMQPConnection.withConnection(amqp.named("remit control"), logger: logger) { connection in
                    try await connection.declare(ExchangeDeclaration(name: ScaleControl.exchange, type: "fanout"))
                    try await connection.declare(
                        QueueDeclaration(
                            name: queueName, durable: false, exclusive: true, autoDelete: true,
                            arguments: ["x-queue-type": .string("classic")]))
                    try await connection.bind(queue: queueName, exchange: ScaleControl.exchange, routingKey: "")
                    let consumer = try await connection.consume(queue: queueName, prefetch: 10)
                    let stopped = state.withLock { state -> Bool in
                        state.consumer = consumer
                        return state.stopped
                    }
                    if stopped { try? await consumer.cancel() }
                    failures = 0
                    while case let batch = try await consumer.deliveries.nextBatch(limit: 10), !batch.isEmpty {
                        for delivery in batch {
                            await answer(delivery, on: connection)
                            try await connection.ack(delivery.deliveryTag)
                        }
                    }
                }
            } catch {
                guard !state.withLock({ $0.stopped }), !Task.isCancelled else { break }
                failures += 1
                let delay = Self.reconnect.delay(afterAttempt: failures)
                logger.warning(
                    "scale listener lost the broker; `remit scale` cannot reach this process until it reconnects",
                    metadata: ["error": "\(error)", "retry_in": "\(delay)"])
                let deadline = ContinuousClock.now + delay
                while ContinuousClock.now < deadline, !state.withLock({ $0.stopped }), !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(50))
                }
            }
            state.withLock { $0.consumer = nil }
        }
    }

    /// Stops listening; `run()` returns.
    public func stop() async {
        let consumer = state.withLock { state -> AMQPConsumer? in
            state.stopped = true
            return state.consumer
        }
        try? await consumer?.cancel()
    }

    /// Applies one request and answers it.
    func answer(_ delivery: Delivery, on connection: AMQPConnection) async {
        let reply = await apply(delivery)
        guard let replyTo = delivery.properties.replyTo, !replyTo.isEmpty, replyTo.count <= 255 else {
            logger.warning("scale request without reply_to; applied, not answered")
            return
        }
        do {
            try await connection.publish(
                OutboundMessage(
                    exchange: "", routingKey: replyTo, body: Array(try JSONEncoder().encode(reply)),
                    properties: .init(
                        contentType: "application/json", correlationId: delivery.properties.correlationId,
                        type: ScaleControl.replyType, persistent: false),
                    mandatory: false))
        } catch {
            logger.warning("could not answer a scale request", metadata: ["error": "\(error)"])
        }
    }

    func apply(_ delivery: Delivery) async -> ScaleControl.Reply {
        let current = runtimes.map { ScaleControl.Reply.Kind(kind: $0.kind.name, from: $0.consumerCount, to: $0.consumerCount) }
        let request: ScaleControl.Request
        do { request = try ScaleControl.Request.decode(delivery.body) } catch {
            logger.warning("refused a scale request", metadata: ["reason": "\(error)"])
            return .init(process: host.processName, kinds: current, error: "\(error)")
        }
        var kinds: [ScaleControl.Reply.Kind] = []
        for runtime in runtimes {
            guard let wanted = request.counts[runtime.kind.name] ?? request.all else {
                kinds.append(.init(kind: runtime.kind.name, from: runtime.consumerCount, to: runtime.consumerCount))
                continue
            }
            do {
                let previous = try await runtime.scale(to: wanted)
                kinds.append(.init(kind: runtime.kind.name, from: previous, to: wanted))
            } catch {
                // Checked in `decode`; kept as the reply's error should the ranges ever differ.
                return .init(process: host.processName, kinds: current, error: "\(error)")
            }
        }
        return .init(process: host.processName, kinds: kinds)
    }
}
