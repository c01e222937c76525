import Foundation
import GRDB
import Logging
import Metrics
import RemitAMQP
import RemitCore
import RemitStore
import Synchronization

/// Runs one worker kind: N consumers, each on its own broker connection, each taking deliveries in
/// batches through consume → decode → handle in one store transaction with the inbox record →
/// publish follow-ups with confirms → ack. Reconnects with backoff; `drain()` stops consuming and
/// lets what is in flight finish.
public final class WorkerRuntime: Sendable {
    public struct Settings: Sendable {
        public var consumers: Int
        public var prefetch: Int
        /// Deliveries handled in one transaction at most.
        public var batchSize: Int
        public var reconnectInitialDelay: Duration = .milliseconds(100)
        public var reconnectMaximumDelay: Duration = .seconds(5)

        public init(consumers: Int, prefetch: Int, batchSize: Int? = nil) {
            self.consumers = consumers
            self.prefetch = prefetch
            self.batchSize = batchSize ?? max(1, min(prefetch, 100))
        }
    }

    public let kind: WorkerKindSpec
    let topology: Topology
    let amqp: AMQPConfiguration
    let handler: any MessageHandler
    let bodyTypes: MessageBodyTypes
    let store: any MessageStore
    let clock: any WallClock
    let settings: Settings
    let logger: Logger
    private let control = Mutex<Control>(Control())
    private let handled: Counter
    private let failed: Counter
    private let appliedTotal = Atomic<Int>(0)
    private let receivedTotal = Atomic<Int>(0)
    private let settledTotal = Atomic<Int>(0)

    /// Messages applied (and acked) since this runtime started, redeliveries of applied ones included.
    public var appliedMessages: Int { appliedTotal.load(ordering: .relaxed) }

    private struct Control: ~Copyable {
        var draining = false
        var consumers: [Int: AMQPConsumer] = [:]
    }

    public init(kind: WorkerKindSpec, topology: Topology, amqp: AMQPConfiguration, handler: any MessageHandler,
                store: any MessageStore, clock: any WallClock, settings: Settings, logger: Logger) {
        self.kind = kind
        self.topology = topology
        self.amqp = amqp
        self.handler = handler
        self.bodyTypes = MessageBodyTypes(handler.bodyTypes)
        self.store = store
        self.clock = clock
        self.settings = settings
        var logger = logger
        logger[metadataKey: "worker"] = "\(kind.name)"
        logger[metadataKey: "queue"] = "\(kind.queue)"
        self.logger = logger
        handled = Counter(label: "remit_messages_handled_total", dimensions: [("kind", kind.name)])
        failed = Counter(label: "remit_messages_failed_total", dimensions: [("kind", kind.name)])
    }

    var isDraining: Bool { control.withLock { $0.draining } }

    /// Runs the consumers until `drain()` completes them.
    public func run() async {
        logger.info("worker starting", metadata: ["consumers": "\(settings.consumers)", "prefetch": "\(settings.prefetch)"])
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<settings.consumers {
                group.addTask { await self.runConsumer(index) }
            }
        }
        // Every delivery received was settled (applied, retried or dead-lettered, then acked) unless
        // the connection was lost, in which case the broker redelivers the rest.
        logger.info("worker stopped", metadata: [
            "received": "\(receivedTotal.load(ordering: .relaxed))", "settled": "\(settledTotal.load(ordering: .relaxed))",
        ])
    }

    /// Stops consuming; deliveries already received are handled and acked, then `run()` returns.
    public func drain() async {
        let consumers = control.withLock { control -> [AMQPConsumer] in
            control.draining = true
            return Array(control.consumers.values)
        }
        logger.info("worker draining", metadata: ["consumers": "\(consumers.count)"])
        for consumer in consumers {
            do { try await consumer.cancel() } catch {
                logger.debug("cancel during drain failed", metadata: ["error": "\(error)"])
            }
        }
    }

    private func runConsumer(_ index: Int) async {
        var delay = settings.reconnectInitialDelay
        let tag = "remit-\(kind.name)-\(ProcessInfo.processInfo.hostName)-\(getpid())-\(index)"
        while !isDraining {
            var connection: AMQPConnection?
            do {
                let open = try await AMQPConnection.connect(amqp, logger: logger)
                connection = open
                let consumer = try await open.consume(queue: kind.queue, prefetch: UInt16(settings.prefetch),
                                                      consumerTag: tag)
                let registered = control.withLock { control -> Bool in
                    guard !control.draining else { return false }
                    control.consumers[index] = consumer
                    return true
                }
                if !registered { try? await consumer.cancel() }
                if delay > settings.reconnectInitialDelay {
                    logger.info("worker reconnected", metadata: ["consumer": "\(index)"])
                }
                delay = settings.reconnectInitialDelay
                try await consume(consumer, on: open)
                _ = control.withLock { $0.consumers.removeValue(forKey: index) }
                await open.close()
                if isDraining { return }
            } catch {
                _ = control.withLock { $0.consumers.removeValue(forKey: index) }
                await connection?.close()
                if isDraining { return }
                logger.warning("worker lost its broker connection; reconnecting",
                               metadata: ["consumer": "\(index)", "error": "\(error)", "retry_in": "\(delay)"])
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, settings.reconnectMaximumDelay)
            }
        }
    }

    /// Two stages per consumer, so the store and the broker work at the same time: this task
    /// decodes and applies batch N+1 while a child task publishes batch N's follow-ups and acks it.
    /// Each stage keeps delivery order; the broker's prefetch bounds what is in between.
    private func consume(_ consumer: AMQPConsumer, on connection: AMQPConnection) async throws {
        let settlements = AsyncBatchQueue<SettlementBatch>()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                // Whatever has queued up is settled together: one pipelined publish, one ack.
                while case let batches = try await settlements.nextBatch(), !batches.isEmpty {
                    do {
                        try await self.settle(batches, on: connection)
                    } catch {
                        // Stop the first stage too; the broker redelivers everything unacked.
                        await connection.close()
                        throw error
                    }
                }
            }
            do {
                while true {
                    let batch = try await consumer.deliveries.nextBatch(limit: settings.batchSize)
                    if batch.isEmpty { break }
                    receivedTotal.add(batch.count, ordering: .relaxed)
                    settlements.yield(await prepare(batch))
                }
            } catch {
                settlements.finish()
                try await group.waitForAll()
                throw error
            }
            settlements.finish()
            try await group.waitForAll()
        }
    }

    // MARK: one batch

    enum Outcome {
        case applied([OutgoingMessage])
        case retry(attempt: Int, error: String)
        case deadLetter(DeadLetterReason, attempt: Int, error: String)
    }

    struct Decoded {
        let delivery: Delivery
        let message: IncomingMessage
    }

    /// What the second stage publishes and acks for one batch.
    struct SettlementBatch: Sendable {
        var publishes: [OutboundMessage]
        var lastDeliveryTag: UInt64
        var applied: Int
        var failed: Int
    }

    /// Publishes a batch's follow-ups, retries and dead letters with confirms, then acks the batch.
    /// Throws when the broker connection failed; then nothing of the batch is acked and the broker
    /// redelivers it (the inbox makes that harmless).
    private func settle(_ batches: [SettlementBatch], on connection: AMQPConnection) async throws {
        try await connection.publish(batches.flatMap(\.publishes))
        try await connection.ack(batches.last!.lastDeliveryTag, multiple: true)
        let applied = batches.reduce(0) { $0 + $1.applied }
        let failedCount = batches.reduce(0) { $0 + $1.failed }
        appliedTotal.add(applied, ordering: .relaxed)
        settledTotal.add(applied + failedCount, ordering: .relaxed)
        handled.increment(by: applied)
        if failedCount > 0 { failed.increment(by: failedCount) }
    }

    /// Decodes a batch and applies it to the store; returns what to publish and ack.
    func prepare(_ batch: [Delivery]) async -> SettlementBatch {
        let receivedAt = clock.now()
        var outcomes = [Outcome?](repeating: nil, count: batch.count)
        var decoded: [(index: Int, message: IncomingMessage)] = []
        let decoder = MessageCoding.decoder()
        for (index, delivery) in batch.enumerated() {
            let attempt = Int(delivery.properties.headers[RemitHeader.attempt]?.intValue ?? 1)
            switch decode(delivery, using: decoder) {
            case .success(let (header, body)):
                decoded.append((index, IncomingMessage(header: header, body: body, attempt: attempt, receivedAt: receivedAt)))
            case .failure(let badInput):
                outcomes[index] = .deadLetter(.badInput, attempt: attempt, error: badInput.reason)
            }
        }
        if !decoded.isEmpty {
            do {
                for (index, outcome) in try await apply(decoded, at: receivedAt) { outcomes[index] = outcome }
            } catch {
                // The transaction itself failed (disk, lock): nothing was applied, retry them all.
                let text = Self.describe(error)
                logger.warning("store transaction failed", metadata: ["error": "\(text)"])
                for (index, message) in decoded { outcomes[index] = .retry(attempt: message.attempt, error: text) }
            }
        }

        var publishes: [OutboundMessage] = []
        var appliedCount = 0
        var failedCount = 0
        for (index, delivery) in batch.enumerated() {
            switch outcomes[index]! {
            case .applied(let followUps):
                appliedCount += 1
                publishes += followUps.map { topologyMessage($0) }
            case .retry(let attempt, let error):
                failedCount += 1
                publishes.append(retryOrDeadLetter(delivery, attempt: attempt, error: error))
            case .deadLetter(let reason, let attempt, let error):
                failedCount += 1
                publishes.append(deadLetter(delivery, reason: reason, attempt: attempt, error: error))
            }
        }
        return SettlementBatch(publishes: publishes, lastDeliveryTag: batch.last!.deliveryTag,
                               applied: appliedCount, failed: failedCount)
    }

    /// Runs the handler for each message in one transaction, with its inbox record. The fast path
    /// has no savepoints; when any handler throws, that transaction is rolled back and the batch runs
    /// again with one savepoint per message, so a failing message leaves no trace and the others
    /// still apply.
    private func apply(_ messages: [(index: Int, message: IncomingMessage)], at now: Date) async throws -> [(Int, Outcome)] {
        struct HandlerFailed: Error {}
        let consumer = kind.name
        let handler = self.handler
        let processedAt = Timestamp.format(now)
        let run: @Sendable (Database, Bool) throws -> [(Int, Outcome)] = { db, isolated in
            var results: [(Int, Outcome)] = []
            results.reserveCapacity(messages.count)
            for (index, message) in messages {
                if let recorded = try Inbox.followUps(db, consumer: consumer, messageId: message.header.id) {
                    results.append((index, .applied(recorded)))
                    continue
                }
                func applyOne() throws -> [OutgoingMessage] {
                    let followUps = try handler.handle(message, in: db)
                    try Inbox.record(db, consumer: consumer, header: message.header, processedAt: processedAt,
                                     followUps: followUps)
                    return followUps
                }
                guard isolated else {
                    do { results.append((index, .applied(try applyOne()))) } catch { throw HandlerFailed() }
                    continue
                }
                do {
                    var followUps: [OutgoingMessage] = []
                    try db.inSavepoint {
                        followUps = try applyOne()
                        return .commit
                    }
                    results.append((index, .applied(followUps)))
                } catch let bad as BadInput {
                    results.append((index, .deadLetter(.badInput, attempt: message.attempt, error: bad.reason)))
                } catch {
                    results.append((index, .retry(attempt: message.attempt, error: Self.describe(error))))
                }
            }
            return results
        }
        do {
            return try await store.pool.write { db in try run(db, false) }
        } catch is HandlerFailed {
            return try await store.pool.write { db in try run(db, true) }
        }
    }

    private func decode(_ delivery: Delivery, using decoder: JSONDecoder) -> Result<(EnvelopeHeader, any MessageBody), BadInput> {
        let envelope: DecodedEnvelope
        do {
            envelope = try DecodedEnvelope.decode(Data(delivery.body), bodyTypes: bodyTypes, using: decoder)
        } catch let error as DecodingError {
            return .failure(BadInput("not a Remit envelope: \(DecodingErrorText.describe(error))"))
        } catch {
            return .failure(BadInput("not a Remit envelope: \(error)"))
        }
        let header = envelope.header
        switch envelope.body {
        case .decoded(let body) where kind.consumes.contains(header.type):
            return .success((header, body))
        case .decoded, .unknownType:
            return .failure(BadInput("worker kind '\(kind.name)' does not handle message type '\(header.type)'"))
        case .unsupportedVersion:
            return .failure(BadInput("\(header.type) schema version \(header.version) is not supported by this worker"))
        case .invalid(let reason):
            return .failure(BadInput("\(header.type) v\(header.version) body does not decode: \(reason)"))
        }
    }

    private func topologyMessage(_ message: OutgoingMessage) -> OutboundMessage {
        OutboundMessage(
            exchange: topology.workers.exchange, routingKey: message.type, body: [UInt8](message.body),
            properties: AMQPProperties(contentType: "application/json", messageId: message.messageId,
                                       correlationId: message.correlationId, type: message.type,
                                       timestamp: UInt64(clock.now().timeIntervalSince1970), appId: "remit"))
    }

    private func retryOrDeadLetter(_ delivery: Delivery, attempt: Int, error: String) -> OutboundMessage {
        guard attempt <= kind.retryQueues.count else {
            return deadLetter(delivery, reason: .retriesExhausted, attempt: attempt, error: error)
        }
        var properties = delivery.properties
        properties.persistent = true
        properties.headers[RemitHeader.attempt] = .int(Int64(attempt + 1))
        properties.headers[RemitHeader.error] = .string(Self.truncate(error))
        properties.headers[RemitHeader.worker] = .string(kind.name)
        stampOrigin(&properties, delivery)
        logger.info("message will be retried", metadata: [
            "message_id": "\(delivery.properties.messageId ?? "-")", "attempt": "\(attempt)",
            "retry_queue": "\(kind.retryQueues[attempt - 1])", "error": "\(Self.truncate(error))",
        ])
        // The default exchange routes straight to the tier's queue; its TTL dead-letters it back.
        return OutboundMessage(exchange: "", routingKey: kind.retryQueues[attempt - 1], body: delivery.body,
                               properties: properties)
    }

    private func deadLetter(_ delivery: Delivery, reason: DeadLetterReason, attempt: Int, error: String) -> OutboundMessage {
        var properties = delivery.properties
        properties.persistent = true
        properties.headers[RemitHeader.reason] = .string(reason.rawValue)
        properties.headers[RemitHeader.error] = .string(Self.truncate(error))
        properties.headers[RemitHeader.attempt] = .int(Int64(attempt))
        properties.headers[RemitHeader.worker] = .string(kind.name)
        properties.headers[RemitHeader.failedAt] = .string(Timestamp.format(clock.now()))
        stampOrigin(&properties, delivery)
        logger.warning("message dead-lettered", metadata: [
            "message_id": "\(delivery.properties.messageId ?? "-")", "reason": "\(reason.rawValue)",
            "attempts": "\(attempt)", "error": "\(Self.truncate(error))",
        ])
        return OutboundMessage(exchange: topology.workers.deadLetterExchange, routingKey: kind.queue, body: delivery.body,
                               properties: properties)
    }

    private func stampOrigin(_ properties: inout AMQPProperties, _ delivery: Delivery) {
        if properties.headers[RemitHeader.originalExchange] == nil {
            properties.headers[RemitHeader.originalExchange] = .string(delivery.exchange)
            properties.headers[RemitHeader.originalRoutingKey] = .string(delivery.routingKey)
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError {
            return "SQLite error \(error.resultCode.rawValue): \(error.message ?? "\(error.resultCode)")"
        }
        return String(describing: error)
    }

    static func truncate(_ text: String) -> String {
        text.count <= 500 ? text : String(text.prefix(497)) + "..."
    }
}
