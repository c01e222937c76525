import Foundation
import Logging
import RemitAMQP
import Synchronization

/// Live consumer counts through the broker. `remit scale` publishes a request to the fanout exchange
/// `remit.control`; every running worker process has a queue of its own bound there
/// (`remit.control.<host>.<pid>`, exclusive, gone with the process), applies the counts to the kinds
/// it runs and answers on the request's `reply_to` with what it did.
public enum ScaleControl {
    /// Declared by `Topology/definitions.json`; per-process queues bound to it are expected.
    public static let exchange = "remit.control"
    public static let queuePrefix = "remit.control."
    public static let requestType = "remit.scale"
    public static let replyType = "remit.scale.reply"

    /// What `remit scale` asks: counts by kind, or one count for every kind a process runs.
    public struct Request: Codable, Sendable, Equatable {
        public var all: Int?
        public var counts: [String: Int]

        public init(_ wanted: ConsumerCounts) {
            all = wanted.all
            counts = wanted.byKind
        }

        /// A request from the wire: every count must be in range, at least one must be given.
        public static func decode(_ body: [UInt8]) throws -> Request {
            guard body.count <= 64 * 1024 else { throw ConsumerCounts.Invalid(description: "a scale request over 64 KiB") }
            let request: Request
            do { request = try JSONDecoder().decode(Request.self, from: Data(body)) } catch {
                throw ConsumerCounts.Invalid(description: "not a scale request (JSON {\"counts\": {\"KIND\": N}} or {\"all\": N})")
            }
            guard request.all != nil || !request.counts.isEmpty else {
                throw ConsumerCounts.Invalid(description: "a scale request names no kind and no count")
            }
            for count in [request.all].compactMap({ $0 }) + request.counts.values where !ConsumerCounts.range.contains(count) {
                throw ConsumerCounts.Invalid(
                    description: "\(count) consumers is outside \(ConsumerCounts.range.lowerBound)…\(ConsumerCounts.range.upperBound)")
            }
            return request
        }
    }

    /// One process's answer: each kind it runs with its count before and after.
    public struct Reply: Codable, Sendable, Equatable {
        public struct Kind: Codable, Sendable, Equatable {
            public var kind: String
            public var from: Int
            public var to: Int
        }
        /// `host pid`: which process answered.
        public var process: String
        public var kinds: [Kind]
        /// Why the request was refused as a whole (nothing changed then).
        public var error: String?
    }

    /// This process, as its replies and its control queue name it.
    public static var processName: String { "\(ProcessInfo.processInfo.hostName) \(getpid())" }

    /// No worker process listens: nothing is bound to the control exchange.
    public struct NoProcess: Error, CustomStringConvertible {
        public var description: String {
            "no running worker process listens on '\(exchange)' (start one with `remit run` or `remit worker`)"
        }
    }

    /// Sends `counts` to every running worker process and collects their answers: until `expected`
    /// processes answered (when known, e.g. from the management API's control queues), else until
    /// `wait` passed.
    public static func send(
        _ counts: ConsumerCounts, amqp: AMQPConfiguration, expected: Int?, wait: Duration, logger: Logger
    ) async throws -> [Reply] {
        try await AMQPConnection.withConnection(amqp.named("remit scale"), logger: logger) { connection in
            let replyQueue = "remit.scale.reply.\(UUID().uuidString.lowercased())"
            try await connection.declare(
                QueueDeclaration(
                    name: replyQueue, durable: false, exclusive: true, autoDelete: true, arguments: ["x-queue-type": .string("classic")]))
            let consumer = try await connection.consume(queue: replyQueue, prefetch: 100)
            let correlation = UUID().uuidString.lowercased()
            do {
                try await connection.publish(
                    OutboundMessage(
                        exchange: exchange, routingKey: "", body: Array(try JSONEncoder().encode(Request(counts))),
                        properties: .init(
                            contentType: "application/json", correlationId: correlation, replyTo: replyQueue, type: requestType,
                            persistent: false)))
            } catch let error as AMQPError where error.kind == .unroutable {
                throw NoProcess()
            }
            var replies: [Reply] = []
            let deadline = ContinuousClock.now + wait
            while expected.map({ replies.count < $0 }) ?? true, ContinuousClock.now < deadline {
                for delivery in try await consumer.deliveries.nextBatch(until: deadline) {
                    try await connection.ack(delivery.deliveryTag)
                    guard delivery.properties.correlationId == correlation,
                        let reply = try? JSONDecoder().decode(Reply.self, from: Data(delivery.body))
                    else { continue }
                    replies.append(reply)
                }
            }
            try? await consumer.cancel()
            return replies.sorted { $0.process < $1.process }
        }
    }
}

extension AsyncBatchQueue {
    /// What arrives before `deadline`; empty when nothing did.
    func nextBatch(until deadline: ContinuousClock.Instant) async throws -> [Element] {
        try await withThrowingTaskGroup(of: [Element]?.self) { group in
            group.addTask { try await self.nextBatch() }
            group.addTask {
                try? await Task.sleep(until: deadline)
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            // The other child's result: a batch taken just as the timer fired is not dropped.
            var taken = first ?? []
            while let more = try? await group.next() { taken += more ?? [] }
            return taken
        }
    }
}

/// Listens on this process's control queue and applies scale requests to its runtimes. Reconnects
/// with backoff while the process runs; a malformed request is answered with the reason (when it
/// has a `reply_to`) and changes nothing.
public final class ScaleListener: Sendable {
    let runtimes: [WorkerRuntime]
    let amqp: AMQPConfiguration
    let logger: Logger
    private let state = Mutex<(stopped: Bool, consumer: AMQPConsumer?)>((false, nil))

    public init(runtimes: [WorkerRuntime], amqp: AMQPConfiguration, logger: Logger) {
        self.runtimes = runtimes
        self.amqp = amqp
        var logger = logger
        logger[metadataKey: "component"] = "scale-listener"
        self.logger = logger
    }

    var queueName: String {
        let host = ProcessInfo.processInfo.hostName.filter { $0.isLetter || $0.isNumber || "-_.".contains($0) }.prefix(100)
        return "\(ScaleControl.queuePrefix)\(host).\(getpid())"
    }

    /// Runs until `stop()`.
    public func run() async {
        var delay = Duration.milliseconds(200)
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
                    delay = .milliseconds(200)
                    while case let batch = try await consumer.deliveries.nextBatch(limit: 10), !batch.isEmpty {
                        for delivery in batch {
                            await answer(delivery, on: connection)
                            try await connection.ack(delivery.deliveryTag)
                        }
                    }
                }
            } catch {
                guard !state.withLock({ $0.stopped }), !Task.isCancelled else { break }
                logger.warning(
                    "scale listener lost the broker; `remit scale` cannot reach this process until it reconnects",
                    metadata: ["error": "\(error)", "retry_in": "\(delay)"])
                let deadline = ContinuousClock.now + delay
                while ContinuousClock.now < deadline, !state.withLock({ $0.stopped }), !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(50))
                }
                delay = min(delay * 2, .seconds(10))
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
            return .init(process: ScaleControl.processName, kinds: current, error: "\(error)")
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
                return .init(process: ScaleControl.processName, kinds: current, error: "\(error)")
            }
        }
        return .init(process: ScaleControl.processName, kinds: kinds)
    }
}
